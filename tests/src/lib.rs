//! The end-to-end tests' name for the harness: everything in `zkshare-testkit`, re-exported.
pub use zkshare_testkit::*;
