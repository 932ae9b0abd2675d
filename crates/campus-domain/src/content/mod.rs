//! Content: lookup values per student-data column (seed 000's `/kv/<column>`), named,
//! line-editable documents (`/kvdoc`), and the marks view (one row per scored grade with its
//! student) that both read.

mod error;
pub mod model;
pub mod policy;
mod repo;
mod service;

pub use error::ContentError;
pub use model::{Document, DocumentKey, LineEdit, LineEditOutcome, MarkColumn, MarkRow};
pub use repo::{MAX_DISTINCT, MAX_ROWS};
pub use service::Content;
