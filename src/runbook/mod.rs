//! Runbooks: the [`model`] (serde types of the format), [`load`] (built-ins, the search path,
//! size limits), [`validate`] (every problem with file:line:column) and [`condition`]
//! (evaluating `when` over answers).

pub mod builtin;
pub mod condition;
pub mod facts;
pub mod load;
pub mod model;
mod shape;
pub mod spans;
pub mod templates;
pub mod validate;

pub use load::{LoadedRunbook, RunbookSource, load, parse_pinned, parse_text};
pub use model::*;
pub use validate::Problem;
