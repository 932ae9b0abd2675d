//! Campus persistence platform: one connection path for SQLite, PostgreSQL and MySQL/MariaDB,
//! the single migration source, readiness checks and error classification.
//!
//! Backend differences live here and nowhere else: domain code sees a
//! [`sea_orm::DatabaseConnection`] and writes one query for all three databases.

pub mod backup;
mod connect;
mod direct;
pub mod entities;
mod errors;
pub mod migration;
mod sqlite_reads;
mod status;
mod txn;

pub use connect::{ConnectError, connect};
pub use direct::{DirectRow, Reads};
pub use errors::{ConstraintKind, constraint_violation, is_transient, is_unavailable};
pub use migration::Migrator;
pub use sqlite_reads::{ParkingLatest, SqliteReads};
pub use status::{MigrationState, NotReady, PoolStats, migration_states, pool_stats, readiness};
pub use txn::{WriteTxn, begin_write};

pub use campus_config::Backend;
pub use sea_orm;

/// Which engine a live connection talks to.
pub fn backend_of(db: &sea_orm::DatabaseConnection) -> Backend {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Backend::Postgres,
        sea_orm::DbBackend::MySql => Backend::Mysql,
        _ => Backend::Sqlite,
    }
}

/// A UTC instant as a query parameter for comparing with a timestamp column: the naive UTC
/// value on MySQL (its columns are `DATETIME(6)` in UTC), the zoned value elsewhere. The
/// vendored `sea-query-sqlx` (vendor/README.md) now binds every `DateTime<Utc>` this way on
/// MySQL, values written by entities included; this spelling stays at the filter sites so
/// they do not depend on that patch.
pub fn utc_param(backend: sea_orm::DbBackend, at: chrono::DateTime<chrono::Utc>) -> sea_orm::Value {
    match backend {
        sea_orm::DbBackend::MySql => at.naive_utc().into(),
        _ => at.into(),
    }
}
