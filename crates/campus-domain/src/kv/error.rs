//! What can go wrong with the key-value store.

use sea_orm::DbErr;

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("no such key")]
    NotFound,
    /// The precondition did not hold (stale version, key exists, key absent).
    #[error("precondition failed")]
    PreconditionFailed { current_version: Option<i64> },
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl KvError {
    /// A precondition that no longer holds; `current_version` when the key exists.
    pub(crate) fn stale(current_version: Option<i64>) -> Self {
        Self::PreconditionFailed { current_version }
    }
}

impl From<FieldIssue> for KvError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}

impl From<Vec<FieldIssue>> for KvError {
    fn from(issues: Vec<FieldIssue>) -> Self {
        Self::Invalid(issues)
    }
}
