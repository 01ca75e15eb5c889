//! The parts of the `zkshare` CLI that other crates use: the share-link parser (fuzzed in `fuzz/`).
#![deny(missing_docs)]

pub mod link;
