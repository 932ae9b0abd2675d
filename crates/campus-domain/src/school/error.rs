//! What can go wrong with school records.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum SchoolError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such record, or one the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow this at all.
    #[error("not allowed")]
    Forbidden,
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl SchoolError {
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        SchoolError::Invalid(vec![FieldIssue::new(field, code, message)])
    }
}
