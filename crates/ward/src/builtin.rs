//! Ward's own rule pack, embedded at build time from `rules/` (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
