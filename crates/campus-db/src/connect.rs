//! Opening a pool for the backend named by the URL scheme, with each backend's session setup.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use campus_config::{Backend, DatabaseSettings, DatabaseUrl};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector};

/// Why a connection could not be opened. The message names the backend and host, never the
/// password, and says what to check.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {backend} at {location}: {reason}. Hint: {hint}")]
pub struct ConnectError {
    pub backend: Backend,
    pub location: String,
    pub reason: String,
    pub hint: &'static str,
}

/// Opens a connection pool for `url` sized by `settings`.
pub async fn connect(
    url: &DatabaseUrl,
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, ConnectError> {
    let fail = |reason: String| ConnectError {
        backend: url.backend(),
        location: url.location(),
        reason: scrub(&reason, url),
        hint: hint(url.backend()),
    };
    match url.backend() {
        Backend::Sqlite => connect_sqlite(url, settings).await.map_err(fail),
        Backend::Postgres | Backend::Mysql => {
            let mut options = ConnectOptions::new(url.expose().to_owned());
            options
                .max_connections(settings.max_connections)
                .min_connections(settings.min_connections)
                .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
                .acquire_timeout(Duration::from_secs(settings.connect_timeout_secs))
                .sqlx_logging(false);
            if url.backend() == Backend::Mysql {
                // Store and compare timestamps in UTC whatever the server's zone is.
                options.map_sqlx_mysql_opts(|o| o.timezone(Some("+00:00".to_owned())));
            } else {
                options.map_sqlx_postgres_opts(|o| o.options([("timezone", "UTC")]));
            }
            Database::connect(options).await.map_err(|e| fail(e.to_string()))
        }
    }
}

async fn connect_sqlite(
    url: &DatabaseUrl,
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, String> {
    let path = url.location();
    let parent = Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| path != ":memory:") {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create directory {}: {e}", parent.display()))?;
    }
    let options = SqliteConnectOptions::from_str(url.expose())
        .map_err(|e| e.to_string())?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_millis(settings.sqlite_busy_timeout_ms))
        // Reads through a shared memory map instead of a pread per page, and a larger page
        // cache per connection (negative = KiB): school-sized databases are read-heavy.
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-16384")
        .pragma("temp_store", "memory");
    let pool = SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .connect_with(options)
        .await
        .map_err(|e| e.to_string())?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// Drivers sometimes echo the URL; never let the password reach a log line.
fn scrub(reason: &str, url: &DatabaseUrl) -> String {
    match url::Url::parse(url.expose())
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(password) if !password.is_empty() => reason.replace(&password, "***"),
        _ => reason.to_owned(),
    }
}

fn hint(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "check that the data directory is writable (setting data_dir or database.url)",
        Backend::Postgres => {
            "check that PostgreSQL is running, the database exists and the user may log in \
             (setting database.url, e.g. postgres://user:pass@127.0.0.1:5432/campus)"
        }
        Backend::Mysql => {
            "check that MySQL/MariaDB is running, the database exists and the user may log in \
             (setting database.url, e.g. mysql://user:pass@127.0.0.1:3306/campus)"
        }
    }
}
