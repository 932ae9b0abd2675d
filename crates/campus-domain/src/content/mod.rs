//! Content: lookup values per student-data column and named, line-editable documents
//! (seed 000's `/kv` and `/kvdoc`).

pub mod documents;
pub mod lookups;

pub use documents::{Document, LineEdit, LineEditOutcome};
