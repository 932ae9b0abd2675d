//! What can go wrong with parking events.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum ParkingError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such event or landmark — or one of somebody else's (`what` names it).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("a score for this event already exists")]
    ScoreExists,
    /// Administrators only.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<FieldIssue> for ParkingError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}

impl crate::retry::DbFailure for ParkingError {
    fn db_err(&self) -> Option<&sea_orm::DbErr> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}
