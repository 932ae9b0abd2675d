//! Readiness (database answers and schema is current), migration listing and pool gauges.

use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;

use crate::{Backend, Migrator, backend_of};

/// Why the service should not receive traffic.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("database unreachable")]
    Unreachable(#[source] sea_orm::DbErr),
    #[error("{0} database migration(s) pending; run `campus migrate up`")]
    PendingMigrations(usize),
}

/// Pings the database and checks that no migration is pending (read-only: never creates the
/// migrations table).
pub async fn readiness(db: &DatabaseConnection) -> Result<(), NotReady> {
    db.ping().await.map_err(NotReady::Unreachable)?;
    let pending = Migrator::get_pending_migrations_read_only(db)
        .await
        .map_err(NotReady::Unreachable)?;
    match pending.len() {
        0 => Ok(()),
        n => Err(NotReady::PendingMigrations(n)),
    }
}

/// One migration and whether it has been applied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Every known migration in order, with its state in `db`.
pub async fn migration_states(db: &DatabaseConnection) -> Result<Vec<MigrationState>, sea_orm::DbErr> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await?
        .into_iter()
        .map(|m| MigrationState {
            name: m.name().to_owned(),
            applied: m.status() == sea_orm_migration::MigrationStatus::Applied,
        })
        .collect())
}

/// Connections in the pool right now.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Current pool occupancy, for the `/metrics` gauges.
pub fn pool_stats(db: &DatabaseConnection) -> PoolStats {
    let (size, idle) = match backend_of(db) {
        Backend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        Backend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        Backend::Mysql => {
            let p = db.get_mysql_connection_pool();
            (p.size(), p.num_idle())
        }
    };
    PoolStats {
        size,
        idle: u32::try_from(idle).unwrap_or(u32::MAX),
    }
}
