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

use crate::entities::{kv_entries, parking_events, parking_landmarks, parking_scores};

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
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
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

/// A user's most recently started parking event with its landmarks and score (seed 001's
/// "find my car" screen), read on one connection.
pub type ParkingLatest = (
    parking_events::Model,
    Vec<parking_landmarks::Model>,
    Option<parking_scores::Model>,
);

impl SqliteReads {
    /// A user's most recently started parking event, its landmarks (in order) and its score.
    pub fn parking_latest(&self, user_id: i64) -> Result<Option<ParkingLatest>, DbErr> {
        let conn = self.conn();
        let event = conn
            .prepare_cached(
                "SELECT id, user_id, latitude, longitude, location_name, address, parking_type, level_floor, \
                 parking_slot, notes, photo_key, photo_content_type, given_photo_url, started_at, \
                 navigation_started_at, estimated_time, ended_at, final_screen_time, final_map_view_count, \
                 status, overdue_alerted_at, created_at, updated_at FROM parking_events WHERE user_id = ?1 \
                 ORDER BY started_at DESC, id DESC LIMIT 1",
            )
            .map_err(db_err)?
            .query_row([user_id], |r| {
                Ok(RawEvent {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    latitude: r.get(2)?,
                    longitude: r.get(3)?,
                    location_name: r.get(4)?,
                    address: r.get(5)?,
                    parking_type: r.get(6)?,
                    level_floor: r.get(7)?,
                    parking_slot: r.get(8)?,
                    notes: r.get(9)?,
                    photo_key: r.get(10)?,
                    photo_content_type: r.get(11)?,
                    given_photo_url: r.get(12)?,
                    times: [
                        r.get(13)?,
                        r.get(14)?,
                        r.get(16)?,
                        r.get(20)?,
                        r.get(21)?,
                        r.get(22)?,
                    ],
                    estimated_time: r.get(15)?,
                    final_screen_time: r.get(17)?,
                    final_map_view_count: r.get(18)?,
                    status: r.get(19)?,
                })
            })
            .optional()
            .map_err(db_err)?;
        let Some(e) = event else { return Ok(None) };
        let [started, navigation, ended, alerted, created, updated] = e.times;
        let at = |t: Option<String>| t.as_deref().map(timestamp).transpose();
        let event = parking_events::Model {
            id: e.id,
            user_id: e.user_id,
            latitude: e.latitude,
            longitude: e.longitude,
            location_name: e.location_name,
            address: e.address,
            parking_type: e.parking_type,
            level_floor: e.level_floor,
            parking_slot: e.parking_slot,
            notes: e.notes,
            photo_key: e.photo_key,
            photo_content_type: e.photo_content_type,
            given_photo_url: e.given_photo_url,
            started_at: timestamp(started.as_deref().unwrap_or_default())?,
            navigation_started_at: at(navigation)?,
            estimated_time: e.estimated_time,
            ended_at: at(ended)?,
            final_screen_time: e.final_screen_time,
            final_map_view_count: e.final_map_view_count,
            status: e.status,
            overdue_alerted_at: at(alerted)?,
            created_at: timestamp(created.as_deref().unwrap_or_default())?,
            updated_at: timestamp(updated.as_deref().unwrap_or_default())?,
        };
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, event_id, latitude, longitude, location_name, distance_from_parking, photo_key, \
                 photo_content_type, is_achieved, created_at, updated_at FROM parking_landmarks \
                 WHERE event_id = ?1 ORDER BY id",
            )
            .map_err(db_err)?;
        let raw = stmt
            .query_map([event.id], |r| {
                Ok((
                    parking_landmarks::Model {
                        id: r.get(0)?,
                        event_id: r.get(1)?,
                        latitude: r.get(2)?,
                        longitude: r.get(3)?,
                        location_name: r.get(4)?,
                        distance_from_parking: r.get(5)?,
                        photo_key: r.get(6)?,
                        photo_content_type: r.get(7)?,
                        is_achieved: r.get(8)?,
                        created_at: DateTime::<Utc>::MIN_UTC,
                        updated_at: DateTime::<Utc>::MIN_UTC,
                    },
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })
            .map_err(db_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_err)?;
        let landmarks = raw
            .into_iter()
            .map(|(l, created, updated)| {
                Ok(parking_landmarks::Model {
                    created_at: timestamp(&created)?,
                    updated_at: timestamp(&updated)?,
                    ..l
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        let score = conn
            .prepare_cached(
                "SELECT id, event_id, time_factor, landmark_factor, path_performance, task_score, \
                 assistance_points, no_of_landmarks, landmarks_recalled, peek_penalty, assist_penalty, \
                 created_at FROM parking_scores WHERE event_id = ?1",
            )
            .map_err(db_err)?
            .query_row([event.id], |r| {
                Ok((
                    parking_scores::Model {
                        id: r.get(0)?,
                        event_id: r.get(1)?,
                        time_factor: r.get(2)?,
                        landmark_factor: r.get(3)?,
                        path_performance: r.get(4)?,
                        task_score: r.get(5)?,
                        assistance_points: r.get(6)?,
                        no_of_landmarks: r.get(7)?,
                        landmarks_recalled: r.get(8)?,
                        peek_penalty: r.get(9)?,
                        assist_penalty: r.get(10)?,
                        created_at: DateTime::<Utc>::MIN_UTC,
                    },
                    r.get::<_, String>(11)?,
                ))
            })
            .optional()
            .map_err(db_err)?
            .map(|(s, created)| {
                Ok::<_, DbErr>(parking_scores::Model {
                    created_at: timestamp(&created)?,
                    ..s
                })
            })
            .transpose()?;
        Ok(Some((event, landmarks, score)))
    }
}

/// A parking event's row as read, before its timestamps are parsed.
struct RawEvent {
    id: i64,
    user_id: i64,
    latitude: f64,
    longitude: f64,
    location_name: Option<String>,
    address: Option<String>,
    parking_type: String,
    level_floor: Option<String>,
    parking_slot: Option<String>,
    notes: Option<String>,
    photo_key: Option<String>,
    photo_content_type: Option<String>,
    given_photo_url: Option<String>,
    /// started, navigation started, ended, overdue alerted, created, updated.
    times: [Option<String>; 6],
    estimated_time: Option<i64>,
    final_screen_time: Option<i64>,
    final_map_view_count: Option<i64>,
    status: String,
}

/// A timestamp as the SQLite driver stores it (RFC 3339 text).
fn timestamp(text: &str) -> Result<DateTime<Utc>, DbErr> {
    crate::direct::parse_instant(text)
        .map_err(|e| DbErr::Custom(format!("sqlite read: bad timestamp {text:?}: {e}")))
}
