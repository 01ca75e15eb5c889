//! The shared-secret use cases: create, view and delete, with their validation.

pub mod validate;
