//! The HTTP layer: router assembly, extractors, error bodies, middleware and route groups.

pub mod assets;
pub mod error;
pub mod layers;
pub mod limits;
pub mod shares;
