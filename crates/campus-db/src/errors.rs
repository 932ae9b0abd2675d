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

/// Whether the statement failed because the database could not be reached or dropped the
/// connection — a restart or failover (PostgreSQL 57P01–57P03), a connection cut under it, the
/// pool exhausted for `database.connect_timeout_secs` — rather than because of the request.
/// The same request may succeed when sent again, so the HTTP edge answers 503, not 500.
pub fn is_unavailable(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(r) | DbErr::Query(r) | DbErr::Conn(r) => r,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    use sea_orm::sqlx::Error;
    match sqlx_err.as_ref() {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(d) => d
            .code()
            .is_some_and(|c| matches!(c.as_ref(), "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}
