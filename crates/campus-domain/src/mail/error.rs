//! What can go wrong with email and preferences.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<FieldIssue> for MailError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}
