//! Sigma rules: parse SigmaHQ YAML as written, compile each rule once into a matcher indexed by
//! log source, and match any [`ward_event::Fields`].
