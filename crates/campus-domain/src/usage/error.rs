//! What can go wrong with usage tracking.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such user, entry, or open entry (`what` names it).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Somebody else's usage, and the caller is neither staff nor their guardian.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<FieldIssue> for UsageError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}

impl crate::retry::DbFailure for UsageError {
    fn db_err(&self) -> Option<&sea_orm::DbErr> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}
