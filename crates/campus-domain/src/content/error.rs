//! What can go wrong with lookups, documents and the marks query.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// Only record keepers change content or read children's data.
    #[error("only staff may do this")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<FieldIssue> for ContentError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}
