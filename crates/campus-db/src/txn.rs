//! Write transactions that behave the same under concurrency on every backend.
//!
//! SQLite's default `BEGIN` is deferred: a transaction that reads and then writes fails with
//! "database is locked" when another writer committed in between, and the busy timeout cannot
//! help. `BEGIN IMMEDIATE` takes the write lock first, so concurrent writers wait their turn
//! (up to `database.sqlite_busy_timeout_ms`). PostgreSQL and MySQL need no special mode.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins a transaction that will write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
        }
        _ => db.begin().await,
    }
}
