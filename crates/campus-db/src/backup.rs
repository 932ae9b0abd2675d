//! Portable logical backups of every table: one JSON line per row, written inside one
//! read-only snapshot transaction (REPEATABLE READ on PostgreSQL and MySQL, a read
//! transaction on SQLite's WAL), so a backup taken while the server writes is consistent.
//! Rows are the entities' own serde form, so a backup restores into any of the three
//! backends at the same schema version. The file layout and the manifest are the caller's
//! (`campus backup`); this module reads and writes one table file at a time.

use std::io::{BufRead, Write};

use futures_util::TryStreamExt;
use sea_orm::{
    AccessMode, ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IntoActiveModel, IsolationLevel, Iterable, PaginatorTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryOrder, Statement, TransactionTrait,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::entities as e;

/// Rows inserted per statement on restore (well inside every backend's parameter limit).
const BATCH: usize = 200;

/// What went wrong while dumping or restoring a table.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("table {table}, line {line}: {source}")]
    Row {
        table: &'static str,
        line: u64,
        source: serde_json::Error,
    },
}

/// A snapshot to dump from: every table read inside it sees the same instant.
pub async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, BackupError> {
    Ok(db
        .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
        .await?)
}

/// One table of the backup: how to dump it, restore it and count it.
#[derive(Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    /// Rows a freshly migrated database already holds (the audit chain's head): a restore
    /// replaces them, and they do not make a database "not empty".
    pub baseline: u64,
    /// Whether its `id` is generated (PostgreSQL's sequence is moved past restored ids).
    generated_id: fn() -> bool,
    dump: for<'a> fn(
        &'a DatabaseTransaction,
        &'a mut (dyn Write + Send),
    ) -> BoxFuture<'a, Result<u64, BackupError>>,
    restore: for<'a> fn(
        &'a DatabaseTransaction,
        &'a mut (dyn BufRead + Send),
    ) -> BoxFuture<'a, Result<u64, BackupError>>,
    clear: for<'a> fn(&'a DatabaseTransaction) -> BoxFuture<'a, Result<u64, BackupError>>,
    count: for<'a> fn(&'a DatabaseConnection) -> BoxFuture<'a, Result<u64, BackupError>>,
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.name).finish()
    }
}

impl Table {
    /// Writes every row, in primary-key order, as one JSON line each; returns the row count.
    pub async fn dump(
        &self,
        txn: &DatabaseTransaction,
        out: &mut (dyn Write + Send),
    ) -> Result<u64, BackupError> {
        (self.dump)(txn, out).await
    }

    /// Inserts the rows of `input` (as [`Table::dump`] wrote them); returns the row count.
    pub async fn restore(
        &self,
        txn: &DatabaseTransaction,
        input: &mut (dyn BufRead + Send),
    ) -> Result<u64, BackupError> {
        if self.baseline > 0 {
            (self.clear)(txn).await?;
        }
        let rows = (self.restore)(txn, input).await?;
        if (self.generated_id)() && txn.get_database_backend() == DbBackend::Postgres && rows > 0 {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT MAX(id) FROM {0}))",
                self.name
            );
            txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await?;
        }
        Ok(rows)
    }

    /// How many rows the table holds now.
    pub async fn count(&self, db: &DatabaseConnection) -> Result<u64, BackupError> {
        (self.count)(db).await
    }
}

async fn dump_rows<E>(txn: &DatabaseTransaction, out: &mut (dyn Write + Send)) -> Result<u64, BackupError>
where
    E: EntityTrait,
    E::Model: Serialize + Send + Sync,
{
    let mut query = E::find();
    for key in E::PrimaryKey::iter() {
        query = query.order_by_asc(key.into_column());
    }
    let mut rows = query.stream(txn).await?;
    let mut n = 0;
    while let Some(row) = rows.try_next().await? {
        serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        n += 1;
    }
    Ok(n)
}

async fn restore_rows<E, A>(
    txn: &DatabaseTransaction,
    input: &mut (dyn BufRead + Send),
) -> Result<u64, BackupError>
where
    E: EntityTrait<ActiveModel = A>,
    E::Model: DeserializeOwned + IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let table = E::default().table_name();
    let mut batch: Vec<A> = Vec::with_capacity(BATCH);
    let (mut n, mut line) = (0u64, String::new());
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        n += 1;
        let model: E::Model = serde_json::from_str(&line).map_err(|source| BackupError::Row {
            table,
            line: n,
            source,
        })?;
        batch.push(model.into_active_model().reset_all());
        if batch.len() == BATCH {
            E::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        E::insert_many(batch).exec_without_returning(txn).await?;
    }
    Ok(n)
}

async fn clear_rows<E: EntityTrait>(txn: &DatabaseTransaction) -> Result<u64, BackupError> {
    Ok(E::delete_many().exec(txn).await?.rows_affected)
}

async fn count_rows<E: EntityTrait>(db: &DatabaseConnection) -> Result<u64, BackupError>
where
    E::Model: Send + Sync,
{
    Ok(E::find().count(db).await?)
}

macro_rules! tables {
    ($($module:ident $(= $baseline:literal)?),* $(,)?) => {
        /// Every table, parents before the tables whose foreign keys point at them.
        pub const TABLES: &[Table] = &[$(Table {
            name: stringify!($module),
            baseline: 0 $(+ $baseline)?,
            generated_id: <e::$module::PrimaryKey as PrimaryKeyTrait>::auto_increment,
            dump: |txn, out| Box::pin(dump_rows::<e::$module::Entity>(txn, out)),
            restore: |txn, input| Box::pin(restore_rows::<e::$module::Entity, e::$module::ActiveModel>(txn, input)),
            clear: |txn| Box::pin(clear_rows::<e::$module::Entity>(txn)),
            count: |db| Box::pin(count_rows::<e::$module::Entity>(db)),
        }),*];
    };
}

tables!(
    users,
    refresh_tokens,
    revoked_tokens,
    login_failures,
    rate_limits,
    audit_log,
    audit_chain = 1,
    emergency_contacts,
    students,
    guardianships,
    grades,
    attendance,
    activities,
    lookups,
    documents,
    courses,
    enrollments,
    ledger_entries,
    student_balances,
    idempotency_keys,
    contact_actions,
    kv_entries,
    kv_usage,
    web_sessions,
    payment_declarations,
    parking_events,
    parking_landmarks,
    parking_scores,
    caregiver_links,
    usage_entries,
    reports,
    report_batches,
    notifications,
    notification_preferences,
    email_outbox,
    password_resets,
    alert_marks,
);
