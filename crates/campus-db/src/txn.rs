//! Write transactions that behave the same under concurrency on every backend.
//!
//! SQLite's default `BEGIN` is deferred: a transaction that reads and then writes fails with
//! "database is locked" when another writer committed in between, and the busy timeout cannot
//! help. `BEGIN IMMEDIATE` takes the write lock first, so concurrent writers wait their turn
//! (up to `database.sqlite_busy_timeout_ms`). PostgreSQL and MySQL need no special mode.
//!
//! SQLite's wait is not a queue, though: its busy handler sleeps 1, 2, 5 … 100 ms between tries,
//! and a writer that arrives while an old one sleeps takes the lock first. At 64 concurrent
//! writers that left some requests waiting seconds behind newer ones (payments: p99 880 ms
//! against a 40 ms mean). So on SQLite, write transactions of this process first queue for
//! their database's *write turn* — a FIFO semaphore of one permit, one per database file — and
//! hold it until they commit, roll back or are dropped. Waiting for the turn is bounded by
//! `database.connect_timeout_secs`, like waiting for a pooled connection; a wait that runs out
//! is [`DbErr::ConnectionAcquire`] (the HTTP edge's 503 `database_unavailable`). Other
//! processes on the same file, and writes outside `begin_write`, still meet SQLite's own lock
//! and busy timeout.

use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{
    AccessMode, ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, SqliteTransactionMode, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A database file's write turn, how long a writer waits for it, and whether writers queue at
/// all (`database.sqlite_write_queue`).
#[derive(Clone)]
struct WriteTurn {
    permit: Arc<Semaphore>,
    wait: Duration,
    queue: bool,
}

impl WriteTurn {
    fn new(wait: Duration, queue: bool) -> Self {
        Self {
            permit: Arc::new(Semaphore::new(1)),
            wait,
            queue,
        }
    }
}

/// One write turn per SQLite database file opened by this process. Entries live as long as the
/// process (one per database file: a server has one).
static TURNS: LazyLock<Mutex<HashMap<PathBuf, WriteTurn>>> = LazyLock::new(Default::default);

/// How long a writer waits for its turn on a file [`register_sqlite`] has not seen.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Records how long writers to the SQLite database `file` wait for their turn, and whether
/// they queue (called when a pool is opened; a second pool on the same file shares the turn).
pub(crate) fn register_sqlite(file: &Path, wait: Duration, queue: bool) {
    let mut turns = TURNS.lock().unwrap_or_else(PoisonError::into_inner);
    turns
        .entry(file.to_path_buf())
        .and_modify(|t| {
            t.wait = wait;
            t.queue = queue;
        })
        .or_insert_with(|| WriteTurn::new(wait, queue));
}

/// The turn of `file` (looked up without allocating a key: this runs on every write).
fn turn_of(file: &Path) -> WriteTurn {
    let mut turns = TURNS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(turn) = turns.get(file) {
        return turn.clone();
    }
    turns
        .entry(file.to_path_buf())
        .or_insert_with(|| WriteTurn::new(DEFAULT_WAIT, true))
        .clone()
}

/// A transaction begun by [`begin_write`]. It reads and writes like the
/// [`DatabaseTransaction`] it wraps (it derefs to one, and is a [`ConnectionTrait`]); on SQLite
/// it also holds the database's write turn until [`commit`](Self::commit),
/// [`rollback`](Self::rollback) or drop (which rolls back, as a dropped transaction does).
pub struct WriteTxn {
    txn: DatabaseTransaction,
    turn: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn")
            .field("holds_turn", &self.turn.is_some())
            .finish()
    }
}

impl WriteTxn {
    /// Commits, then gives the write turn to the next writer.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Self { txn, turn } = self;
        let committed = txn.commit().await;
        drop(turn);
        committed
    }

    /// Rolls back, then gives the write turn to the next writer.
    pub async fn rollback(self) -> Result<(), DbErr> {
        let Self { txn, turn } = self;
        let rolled_back = txn.rollback().await;
        drop(turn);
        rolled_back
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }

    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}

/// Savepoints inside the write transaction (they need no turn of their own).
#[async_trait::async_trait]
impl TransactionTrait for WriteTxn {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_config(isolation_level, access_mode).await
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

/// Begins a transaction that will write (on SQLite, after waiting for the write turn).
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let turn = turn_of(db.get_sqlite_connection_pool().connect_options().get_filename());
            let permit = if turn.queue {
                let permit = tokio::time::timeout(turn.wait, turn.permit.acquire_owned())
                    .await
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
                Some(permit)
            } else {
                None
            };
            let txn = db
                .begin_with_options(TransactionOptions {
                    isolation_level: None,
                    access_mode: None,
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                })
                .await?;
            Ok(WriteTxn { txn, turn: permit })
        }
        _ => Ok(WriteTxn {
            txn: db.begin().await?,
            turn: None,
        }),
    }
}
