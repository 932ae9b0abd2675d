//! Campus settings, layered as defaults -> optional TOML file -> `CAMPUS_*` environment
//! variables (`__` nests) -> command-line flags.
//!
//! Settings are loaded once at start-up and passed into `Application::build`; nothing here is
//! global. Secrets are [`SecretString`]s: `Debug` redacts them and [`Settings::redacted`]
//! renders the effective configuration for `campus config` without any secret in it.

mod auth;
mod database;
mod email;
mod error;
mod finance;
mod kv;
mod redis;
mod reports;
mod school;
mod secret_file;
mod server;
mod storage;
mod tracking;
mod web;

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use auth::{Argon2Settings, AuthSettings, PasswordPolicySettings, RateLimitSettings};
pub use database::{Backend, DatabaseSettings, DatabaseUrl};
pub use email::{AlertSettings, EmailSettings, SmtpSecurity};
pub use error::ConfigError;
pub use finance::{FinanceSettings, RefundRule, SelfServicePayments};
pub use kv::KvSettings;
pub use redis::RedisSettings;
pub use reports::ReportSettings;
pub use school::{AttendanceCode, ImportSettings, SchoolSettings};
pub use secret_file::load_or_create_secret;
pub use server::{ServerSettings, TrustedProxies};
pub use storage::{S3Settings, StorageBackend, StorageSettings};
pub use tracking::TrackingSettings;
pub use web::WebSettings;

/// The address part of `Name <addr>` or `addr`, if it looks like one (full checking is the
/// mail transport's).
fn lettre_like_mailbox(text: &str) -> Option<&str> {
    let addr = match (text.rfind('<'), text.rfind('>')) {
        (Some(a), Some(b)) if a < b => &text[a + 1..b],
        _ => text.trim(),
    };
    (addr.contains('@') && !text.chars().any(char::is_control)).then_some(addr)
}

/// File read when no `--config` is given and it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "campus.toml";

/// Every setting Campus reads. Defaults are safe and need no secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Directory for the SQLite database, the generated signing secret and local files.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub school: SchoolSettings,
    pub finance: FinanceSettings,
    pub kv: KvSettings,
    pub web: WebSettings,
    pub storage: StorageSettings,
    pub redis: RedisSettings,
    pub tracking: TrackingSettings,
    pub reports: ReportSettings,
    pub email: EmailSettings,
    pub alerts: AlertSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            log: LogSettings::default(),
            auth: AuthSettings::default(),
            school: SchoolSettings::default(),
            finance: FinanceSettings::default(),
            kv: KvSettings::default(),
            web: WebSettings::default(),
            storage: StorageSettings::default(),
            redis: RedisSettings::default(),
            tracking: TrackingSettings::default(),
            reports: ReportSettings::default(),
            email: EmailSettings::default(),
            alerts: AlertSettings::default(),
        }
    }
}

/// Log output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `auto` (pretty on a terminal, JSON otherwise), `pretty` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `campus_server=debug,info`. `RUST_LOG` wins if set.
    pub filter: String,
    /// Lines the background log writer holds while stdout is slow; when it is full, further
    /// lines are dropped (counted in `/metrics` as `campus_log_lines_dropped_total`) rather
    /// than making a request wait.
    pub buffer_lines: usize,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            filter: "info".to_owned(),
            buffer_lines: 16_384,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Auto,
    Pretty,
    Json,
}

/// Values given on the command line; they win over every other layer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Overrides {
    fn figment(&self) -> Figment {
        let mut f = Figment::new();
        if let Some(dir) = &self.data_dir {
            f = f.merge(Serialized::default("data_dir", dir));
        }
        if let Some(host) = &self.host {
            f = f.merge(Serialized::default("server.host", host));
        }
        if let Some(port) = self.port {
            f = f.merge(Serialized::default("server.port", port));
        }
        if let Some(url) = &self.database_url {
            f = f.merge(Serialized::default("database.url", url));
        }
        f
    }
}

impl Settings {
    /// Loads the layered settings. `config_file`, when given, must exist; otherwise
    /// `campus.toml` in the working directory is read if present.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        // CAMPUS_TEST_* variables belong to the test harness, not to the server.
        let env = Env::prefixed("CAMPUS_")
            .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_"))
            .split("__");
        Self::load_from_env(config_file, overrides, env)
    }

    fn load_from_env(
        config_file: Option<&Path>,
        overrides: &Overrides,
        env: Env,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        let settings: Settings = figment
            .merge(env)
            .merge(overrides.figment())
            .extract()
            .map_err(ConfigError::from_figment)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what serde cannot: ranges, URL schemes, secret lengths.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, expected: &str| {
            Err(ConfigError::Invalid {
                key: key.to_owned(),
                expected: expected.to_owned(),
            })
        };
        if self.server.body_limit_bytes < 1024 {
            return invalid("server.body_limit_bytes", "a byte count of at least 1024");
        }
        if !(64..=1_048_576).contains(&self.log.buffer_lines) {
            return invalid("log.buffer_lines", "a line count from 64 to 1048576");
        }
        if self.server.request_timeout_secs == 0 {
            return invalid("server.request_timeout_secs", "a number of seconds above 0");
        }
        if self.server.host.trim().is_empty() {
            return invalid("server.host", "an IP address or host name such as 127.0.0.1");
        }
        if self.auth.rate_limits.lockout_after_failures == 0
            || self.auth.rate_limits.lockout_account_ceiling == 0
        {
            return invalid(
                "auth.rate_limits.lockout_after_failures",
                "failure counts of at least 1 (lockout_after_failures and lockout_account_ceiling)",
            );
        }
        if self.reports.school_name.trim().is_empty() {
            return invalid("reports.school_name", "the school's name");
        }
        if self.reports.batch_poll_secs == 0 || self.reports.batch_lease_secs < 10 {
            return invalid(
                "reports.batch_poll_secs",
                "at least 1 second (and reports.batch_lease_secs at least 10)",
            );
        }
        if self.email.digest_hour > 23 || self.email.max_attempts < 1 || self.email.poll_secs == 0 {
            return invalid(
                "email.digest_hour",
                "an hour 0-23 (and email.max_attempts and email.poll_secs at least 1)",
            );
        }
        if self.email.smtp_host.is_some() && lettre_like_mailbox(&self.email.from).is_none() {
            return invalid(
                "email.from",
                "an address such as `Campus <no-reply@school.example>`",
            );
        }
        self.database.validate()?;
        self.redis.validate()?;
        if self.storage.backend == StorageBackend::S3 && self.storage.s3.bucket.trim().is_empty() {
            return invalid("storage.s3.bucket", "the bucket's name (storage.backend is s3)");
        }
        if self.storage.link_ttl_secs == 0 || self.storage.link_ttl_secs > 7 * 24 * 3600 {
            return invalid(
                "storage.link_ttl_secs",
                "seconds from 1 to 604800 (S3's limit is 7 days)",
            );
        }
        if self.storage.max_concurrent_uploads == 0 {
            return invalid("storage.max_concurrent_uploads", "a count of at least 1");
        }
        if self.tracking.idle_timeout_secs == 0 || self.tracking.sweep_interval_secs == 0 {
            return invalid(
                "tracking.idle_timeout_secs",
                "seconds above 0 (idle_timeout_secs and sweep_interval_secs)",
            );
        }
        if self.tracking.timezone.parse::<chrono_tz::Tz>().is_err() {
            return invalid(
                "tracking.timezone",
                "an IANA time zone such as Europe/Berlin or UTC",
            );
        }
        let roles = ["admin", "teacher", "finance", "student", "parent", "user"];
        if !roles.contains(&self.auth.registration_role.as_str()) {
            return invalid(
                "auth.registration_role",
                "one of admin, teacher, finance, student, parent, user",
            );
        }
        if let Some(bad) = self
            .auth
            .public_roles
            .iter()
            .find(|r| !roles.contains(&r.as_str()))
        {
            return Err(ConfigError::Invalid {
                key: "auth.public_roles".to_owned(),
                expected: format!("roles among admin, teacher, finance, student, parent, user (not `{bad}`)"),
            });
        }
        if self.auth.access_ttl_secs == 0 || self.auth.refresh_ttl_secs == 0 {
            return invalid("auth.access_ttl_secs", "token lifetimes above 0 seconds");
        }
        if self.auth.argon2.memory_kib < 8 * self.auth.argon2.parallelism.max(1)
            || self.auth.argon2.iterations == 0
        {
            return invalid("auth.argon2", "memory_kib >= 8 x parallelism and iterations >= 1");
        }
        let codes = &self.school.attendance_codes;
        if codes.is_empty()
            || codes
                .iter()
                .any(|c| c.code.trim().is_empty() || c.code.len() > 20)
        {
            return invalid(
                "school.attendance_codes",
                "a non-empty list of codes of 1 to 20 characters",
            );
        }
        let f = &self.finance;
        if f.currency.len() != 3 || !f.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return invalid("finance.currency", "an ISO 4217 code such as USD");
        }
        if f.moderate_from < 0 || f.critical_above < f.moderate_from {
            return invalid("finance", "0 <= moderate_from <= critical_above");
        }
        if self.kv.max_value_bytes == 0
            || self.kv.max_value_bytes > 16 * 1024 * 1024
            || self.kv.purge_interval_secs == 0
        {
            return invalid(
                "kv",
                "max_value_bytes between 1 and 16777216 and purge_interval_secs >= 1",
            );
        }
        let web = &self.web;
        if web.session_idle_secs == 0
            || web.session_ttl_secs < web.session_idle_secs
            || web.session_ttl_secs > 366 * 24 * 3600
        {
            return invalid(
                "web",
                "1 <= session_idle_secs <= session_ttl_secs <= 31622400 (a year)",
            );
        }
        let import = &self.school.import;
        if import.max_rows == 0 || import.max_upload_bytes < 1024 || import.max_expanded_bytes < 1024 * 1024 {
            return invalid(
                "school.import",
                "max_rows >= 1, max_upload_bytes >= 1024 and max_expanded_bytes >= 1048576",
            );
        }
        if let Some(secret) = &self.auth.jwt_secret {
            use secrecy::ExposeSecret;
            if secret.expose_secret().len() < 32 {
                return invalid("auth.jwt_secret", "a random string of at least 32 characters");
            }
        }
        Ok(())
    }

    /// The effective database URL: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> DatabaseUrl {
        self.database.effective_url(&self.data_dir)
    }

    /// The effective settings as TOML-like JSON with every secret replaced by `"[redacted]"`.
    pub fn redacted(&self) -> serde_json::Value {
        // Secrets serialise as "[redacted]" already; the URL is shown with its password masked.
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(db) = value.get_mut("database") {
            db["url"] = serde_json::Value::String(self.database_url().redacted());
        }
        if let (Some(redis), Some(url)) = (value.get_mut("redis"), self.redis.redacted_url()) {
            redis["url"] = serde_json::Value::String(url);
        }
        value
    }
}

#[cfg(test)]
mod tests;
