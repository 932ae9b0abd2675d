//! Database settings: the URL (whose scheme picks the backend), pool sizes and migration policy.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// Connection settings shared by the three backends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, `postgres://USER:PASS@HOST/DB` or `mysql://USER:PASS@HOST/DB`
    /// (MariaDB included). Unset: SQLite at `<data_dir>/campus.db`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub url: Option<SecretString>,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Connections kept open while idle.
    pub min_connections: u32,
    /// Seconds to wait for a connection (at start-up and from the pool) and, on SQLite, for the
    /// database's write turn (write transactions of one process queue in order).
    pub connect_timeout_secs: u64,
    /// PostgreSQL and MySQL: a pooled connection idle at least this many seconds is checked
    /// with a round trip before it is handed out (a dropped one is replaced); a busy one is
    /// handed out as it is. `0` checks every connection on every checkout.
    pub check_idle_after_secs: u64,
    /// Apply pending migrations when `campus serve` starts.
    pub migrate_on_start: bool,
    /// SQLite only: milliseconds a writer waits for the lock before failing.
    pub sqlite_busy_timeout_ms: u64,
    /// SQLite only: serve reads outside transactions from read-only connections on the calling
    /// thread (`campus_db::Reads`) instead of the pool. Off only to compare the two paths.
    pub sqlite_direct_reads: bool,
    /// SQLite only: write transactions of this process queue in order for the database's write
    /// turn before `BEGIN IMMEDIATE` (`campus_db::begin_write`). Off only to compare with
    /// SQLite's own busy handler.
    pub sqlite_write_queue: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 16,
            min_connections: 1,
            connect_timeout_secs: 5,
            check_idle_after_secs: 10,
            migrate_on_start: true,
            sqlite_busy_timeout_ms: 5_000,
            sqlite_direct_reads: true,
            sqlite_write_queue: true,
        }
    }
}

impl DatabaseSettings {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.url {
            DatabaseUrl::parse(url.expose_secret())?;
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Invalid {
                key: "database.max_connections".to_owned(),
                expected: "a number of connections above 0".to_owned(),
            });
        }
        if self.min_connections > self.max_connections {
            return Err(ConfigError::Invalid {
                key: "database.min_connections".to_owned(),
                expected: "a number no larger than database.max_connections".to_owned(),
            });
        }
        Ok(())
    }

    /// The configured URL, or the default SQLite file inside `data_dir`.
    pub fn effective_url(&self, data_dir: &Path) -> DatabaseUrl {
        match &self.url {
            Some(url) => DatabaseUrl::parse(url.expose_secret())
                .unwrap_or_else(|_| DatabaseUrl::sqlite_file(&data_dir.join("campus.db"))),
            None => DatabaseUrl::sqlite_file(&data_dir.join("campus.db")),
        }
    }
}

/// The three supported database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    /// Lower-case name used in logs and test names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated database URL. `Debug` never shows the password.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    url: SecretString,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted()).finish()
    }
}

impl DatabaseUrl {
    /// Parses a URL and picks the backend from its scheme.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let invalid = || ConfigError::Invalid {
            key: "database.url".to_owned(),
            expected: "a URL starting with sqlite://, postgres:// or mysql:// \
                       (for example postgres://campus:secret@127.0.0.1:5432/campus)"
                .to_owned(),
        };
        let scheme = raw.split_once("://").map(|(s, _)| s).ok_or_else(invalid)?;
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            _ => return Err(invalid()),
        };
        if backend != Backend::Sqlite {
            url::Url::parse(raw).map_err(|_| invalid())?;
        }
        // sqlx knows MariaDB as mysql://.
        let normalised = match scheme {
            "mariadb" => format!("mysql{}", &raw["mariadb".len()..]),
            _ => raw.to_owned(),
        };
        Ok(Self {
            backend,
            url: SecretString::from(normalised),
        })
    }

    /// SQLite database at `path`, created when missing.
    pub fn sqlite_file(path: &Path) -> Self {
        Self {
            backend: Backend::Sqlite,
            url: SecretString::from(format!("sqlite://{}?mode=rwc", path.display())),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included: only for handing to the driver.
    pub fn expose(&self) -> &str {
        self.url.expose_secret()
    }

    /// The URL with any password replaced by `***`, safe for logs and `campus config`.
    pub fn redacted(&self) -> String {
        let raw = self.url.expose_secret();
        match url::Url::parse(raw) {
            Ok(mut parsed) if parsed.password().is_some() => {
                // Setting a password only fails for URLs that cannot have one.
                let _ = parsed.set_password(Some("***"));
                parsed.to_string()
            }
            _ => raw.to_owned(),
        }
    }

    /// Host and port (or file path for SQLite), for error messages.
    pub fn location(&self) -> String {
        let raw = self.url.expose_secret();
        match self.backend {
            Backend::Sqlite => raw
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned(),
            _ => match url::Url::parse(raw) {
                Ok(u) => format!(
                    "{}:{}",
                    u.host_str().unwrap_or("localhost"),
                    u.port()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "default port".into())
                ),
                Err(_) => "unknown host".to_owned(),
            },
        }
    }

    /// The database (or file) name part of the URL.
    pub fn database_name(&self) -> Option<String> {
        match self.backend {
            Backend::Sqlite => Some(self.location()),
            _ => url::Url::parse(self.expose())
                .ok()
                .map(|u| u.path().trim_start_matches('/').to_owned())
                .filter(|name| !name.is_empty()),
        }
    }
}
