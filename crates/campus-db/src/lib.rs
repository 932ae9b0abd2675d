//! Campus persistence platform: one connection path for SQLite, PostgreSQL and MySQL/MariaDB,
//! the single migration source, readiness checks and error classification.
//!
//! Backend differences live here and nowhere else: domain code sees a
//! [`sea_orm::DatabaseConnection`] and writes one query for all three databases.

mod connect;
pub mod entities;
mod errors;
pub mod migration;
mod status;
mod txn;

pub use connect::{ConnectError, connect};
pub use errors::{ConstraintKind, constraint_violation, is_transient};
pub use migration::Migrator;
pub use status::{MigrationState, NotReady, PoolStats, migration_states, pool_stats, readiness};
pub use txn::begin_write;

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
