//! Post-mortem reports: one pure [`model::Report`] built from the incident, and one renderer
//! per format ([`markdown`], [`html`], [`json`]) that only formats it.

pub mod html;
pub mod json;
pub mod markdown;
pub mod model;

pub use model::Report;
