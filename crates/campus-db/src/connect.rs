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
                // sqlx pings every connection it hands out: one more network round trip for
                // every statement outside a transaction. Only a connection that sat idle long
                // enough to have been dropped (a restarted server, a proxy's idle cut) is
                // checked; a dropped busy one fails its statement once and is discarded.
                .test_before_acquire_if_idle_for(Duration::from_secs(settings.check_idle_after_secs))
                .sqlx_logging(false);
            if url.backend() == Backend::Mysql {
                // Store and compare timestamps in UTC whatever the server's zone is.
                options.map_sqlx_mysql_opts(|o| o.timezone(Some("+00:00".to_owned())));
            } else {
                // JIT compilation costs hundreds of milliseconds on statements whose estimated
                // cost is high but whose real work is small (measured: 0.9 s of JIT on a
                // 60 ms usage summary); Campus runs short OLTP statements, so it is off.
                options.map_sqlx_postgres_opts(|o| o.options([("timezone", "UTC"), ("jit", "off")]));
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
        private_dir(parent).map_err(|e| format!("cannot create directory {}: {e}", parent.display()))?;
    }
    if path != ":memory:" {
        // Created here, owner-only, before SQLite opens it: SQLite gives the -wal and -shm
        // files the database file's permissions, so children's records stay unreadable to
        // other local users.
        private_file(Path::new(&path)).map_err(|e| format!("cannot create {path}: {e}"))?;
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
    crate::txn::register_sqlite(
        pool.connect_options().get_filename(),
        Duration::from_secs(settings.connect_timeout_secs),
        settings.sqlite_write_queue,
    );
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// Creates `dir` (and its parents) owner-only (0700 on Unix); an existing directory is left
/// as it is, with a warning when others may read it.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if dir.is_dir() {
            warn_if_open(dir, std::fs::metadata(dir)?.permissions().mode());
            return Ok(());
        }
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates the database file owner-only (0600 on Unix) if it does not exist yet.
fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if path.exists() {
            warn_if_open(path, std::fs::metadata(path)?.permissions().mode());
            return Ok(());
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(unix)]
fn warn_if_open(path: &Path, mode: u32) {
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", mode & 0o777),
            "other local users may read this; chmod it to owner-only (0700 for the directory, 0600 for files)"
        );
    }
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
