//! Point reads on SQLite without the async driver's round trips.
//!
//! sqlx runs each SQLite connection on its own worker thread and talks to it through channels:
//! every query costs several thread wake-ups, which dominated the hottest read paths (see
//! docs/PERFORMANCE.md). For indexed single-row reads on hot paths, Campus keeps a few
//! read-only rusqlite connections and runs the statement directly on the calling thread. The
//! database is in WAL mode, so these readers never block writers; each statement is its own
//! read transaction, so it sees every commit made before it started (no staleness). A read is
//! one B-tree lookup in the (memory-mapped) page cache: microseconds, like taking a lock.
//!
//! PostgreSQL and MySQL have no such cost and keep using the pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use campus_config::{Backend, DatabaseUrl};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sea_orm::DbErr;

use crate::entities::kv_entries;

/// A handful of read-only connections to one SQLite database file.
pub struct SqliteReads {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("connections", &self.conns.len())
            .finish()
    }
}

fn db_err(e: rusqlite::Error) -> DbErr {
    DbErr::Custom(format!("sqlite read: {e}"))
}

impl SqliteReads {
    /// Readers for `url` when it names an SQLite file (after migrations ran), else `None`.
    pub fn open(url: &DatabaseUrl, connections: usize) -> Result<Option<Self>, DbErr> {
        let path = url.location();
        if url.backend() != Backend::Sqlite || path == ":memory:" || path.is_empty() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conns = (0..connections.max(1))
            .map(|_| {
                let conn = Connection::open_with_flags(&path, flags).map_err(db_err)?;
                conn.busy_timeout(Duration::from_secs(5)).map_err(db_err)?;
                conn.pragma_update(None, "mmap_size", 268_435_456_i64)
                    .map_err(db_err)?;
                conn.set_prepared_statement_cache_capacity(32);
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        Ok(Some(Self {
            conns,
            next: AtomicUsize::new(0),
        }))
    }

    /// A free connection if there is one, else the next in turn (waiting for it briefly).
    fn conn(&self) -> MutexGuard<'_, Connection> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        for i in 0..n {
            if let Ok(guard) = self.conns[(start + i) % n].try_lock() {
                return guard;
            }
        }
        self.conns[start % n]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// One user's key, live or expired (the caller decides), or `None`.
    pub fn kv_entry(&self, owner: i64, key: &str) -> Result<Option<kv_entries::Model>, DbErr> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, owner_id, entry_key, value, metadata, version, expires_at, created_at, \
                 updated_at FROM kv_entries WHERE owner_id = ?1 AND entry_key = ?2",
            )
            .map_err(db_err)?;
        let row = stmt
            .query_row(rusqlite::params![owner, key], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .optional()
            .map_err(db_err)?;
        let Some((id, owner_id, entry_key, value, metadata, version, expires, created, updated)) = row else {
            return Ok(None);
        };
        Ok(Some(kv_entries::Model {
            id,
            owner_id,
            entry_key,
            value,
            metadata,
            version,
            expires_at: expires.as_deref().map(timestamp).transpose()?,
            created_at: timestamp(&created)?,
            updated_at: timestamp(&updated)?,
        }))
    }
}

/// A timestamp as the SQLite driver stores it (RFC 3339 text).
fn timestamp(text: &str) -> Result<DateTime<Utc>, DbErr> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            // Older rows may use a space instead of `T`.
            DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z").map(|t| t.with_timezone(&Utc))
        })
        .map_err(|e| DbErr::Custom(format!("sqlite read: bad timestamp {text:?}: {e}")))
}
