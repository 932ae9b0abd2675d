//! What can go wrong reading the trail.

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Only administrators read the trail.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}
