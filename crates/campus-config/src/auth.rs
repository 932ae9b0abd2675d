//! Identity settings: token lifetimes, registration, password policy, hashing cost, rate limits.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Token signing, lifetimes and login protection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// HMAC secret for access tokens (at least 32 bytes). When unset on SQLite, one is
    /// generated into `<data_dir>/signing.key`; every instance of a scaled-out deployment
    /// must share one, so it is required on PostgreSQL and MySQL.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub jwt_secret: Option<SecretString>,
    /// Lifetime of `/api/v1` access tokens.
    pub access_ttl_secs: u64,
    /// Lifetime of refresh tokens (each use rotates them).
    pub refresh_ttl_secs: u64,
    /// Bound on how long a revocation made on one instance takes to reach the others.
    pub revocation_sync_ms: u64,
    /// Whether anyone may create an account through the public registration endpoints.
    pub registration_enabled: bool,
    /// Role granted by `POST /api/v1/auth/register`.
    pub registration_role: String,
    /// Roles a public registration body may ask for (seed 003's `role` field).
    pub public_roles: Vec<String>,
    pub password: PasswordPolicySettings,
    pub argon2: Argon2Settings,
    pub rate_limits: RateLimitSettings,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            revocation_sync_ms: 2_000,
            registration_enabled: true,
            registration_role: "user".to_owned(),
            public_roles: vec!["user".to_owned(), "student".to_owned(), "parent".to_owned()],
            password: PasswordPolicySettings::default(),
            argon2: Argon2Settings::default(),
            rate_limits: RateLimitSettings::default(),
        }
    }
}

/// Rules for new passwords (default: seed 004's rule).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordPolicySettings {
    pub min_length: usize,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_digit: bool,
    /// At least one of `!@#$%^&*(),.?":{}|<>`.
    pub require_special: bool,
}

impl Default for PasswordPolicySettings {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_digit: true,
            require_special: true,
        }
    }
}

/// argon2id cost. Defaults are the OWASP minimum (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once; the rest wait. 0 = number of CPU cores.
    pub max_concurrent: usize,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 0,
        }
    }
}

/// Sliding-window limits, shared by all instances through the database (or Redis).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    pub enabled: bool,
    /// Login attempts per client IP per minute.
    pub login_per_ip_per_minute: u32,
    /// Login attempts per account identifier from one client address per minute.
    pub login_per_account_per_minute: u32,
    /// Registrations per client IP per hour.
    pub register_per_ip_per_hour: u32,
    /// Token refreshes per client IP per minute.
    pub refresh_per_ip_per_minute: u32,
    /// Consecutive failures from one client address before that address is locked out of
    /// the account (others are not).
    pub lockout_after_failures: u32,
    /// Failures on one account per hour, from all addresses together, after which every
    /// address is locked out of it at its first failure (guessing slows; the owner signing
    /// in from an address without failures is not blocked).
    pub lockout_account_ceiling: u32,
    /// First lock length; it doubles with each further failure.
    pub lockout_base_secs: u64,
    /// Longest lock.
    pub lockout_max_secs: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            login_per_ip_per_minute: 60,
            login_per_account_per_minute: 10,
            register_per_ip_per_hour: 30,
            refresh_per_ip_per_minute: 60,
            lockout_after_failures: 5,
            lockout_account_ceiling: 20,
            lockout_base_secs: 30,
            lockout_max_secs: 900,
        }
    }
}
