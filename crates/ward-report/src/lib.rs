//! Ward's outputs. Every sink renders a [`ward_analytics::Case`]; none knows how findings were made.
