//! What can go wrong with notifications.

use sea_orm::DbErr;

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbErr),
}
