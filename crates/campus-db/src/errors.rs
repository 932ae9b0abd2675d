//! Classifying database errors so the HTTP edge can answer 409/422 instead of 500.

use sea_orm::{DbErr, SqlErr};

/// A constraint the database refused to break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    /// A unique index would hold two equal values.
    Unique,
    /// A row refers to a missing row, or a referenced row is still in use.
    ForeignKey,
}

/// The constraint violated by `err`, if it is one.
pub fn constraint_violation(err: &DbErr) -> Option<ConstraintKind> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Some(ConstraintKind::Unique),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => Some(ConstraintKind::ForeignKey),
        _ => None,
    }
}
