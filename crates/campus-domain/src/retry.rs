//! Running a write transaction again when the database aborted it only because of
//! concurrency (a deadlock victim, a serialization failure, SQLite still busy); see
//! `campus_db::is_transient`. A service error type opts in by implementing `DbFailure`.

use std::future::Future;
use std::time::Duration;

use sea_orm::DbErr;

/// Service errors that may wrap a database error.
pub(crate) trait DbFailure {
    fn db_err(&self) -> Option<&DbErr>;
}

impl DbFailure for crate::school::SchoolError {
    fn db_err(&self) -> Option<&DbErr> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Runs `attempt` up to 5 times, pausing 10, 20, 40, 80 ms (plus jitter) between tries, while
/// it fails with a transient database error. Any other outcome is returned as it is.
pub(crate) async fn retry_transient<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: DbFailure,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut tries = 0u32;
    loop {
        match attempt().await {
            Err(e) if tries < 4 && e.db_err().is_some_and(campus_db::is_transient) => {
                tries += 1;
                let jitter = u64::from(rand::random::<u8>() % 10);
                tokio::time::sleep(Duration::from_millis(5 * u64::from(1u32 << tries) + jitter)).await;
            }
            other => return other,
        }
    }
}
