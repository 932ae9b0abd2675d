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

/// Whether the database aborted the statement only because of concurrency — a deadlock
/// victim (MySQL/InnoDB, PostgreSQL), a serialization failure, or SQLite still busy after the
/// busy timeout — so running the whole transaction again is the right answer.
pub fn is_transient(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::Exec(r) | DbErr::Query(r) | DbErr::Conn(r) => r,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    let Some(code) = sqlx_err.as_database_error().and_then(|d| d.code()) else {
        return false;
    };
    // 40001: serialization failure / MySQL deadlock; 40P01: PostgreSQL deadlock;
    // 5 / 517 / 6: SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED.
    matches!(code.as_ref(), "40001" | "40P01" | "5" | "517" | "6")
}
