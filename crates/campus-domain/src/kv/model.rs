//! Key-value values: entries, keys in a listing, writes with their preconditions and expiry,
//! batch operations, and the limits they are checked against.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use campus_db::entities::kv_entries;

use crate::validation::FieldIssue;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest metadata document, in bytes of JSON.
pub const MAX_METADATA_BYTES: usize = 1024;
/// Longest time to live: ten years.
pub const MAX_TTL_SECS: i64 = 10 * 366 * 24 * 3600;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KvEntry {
    pub key: String,
    pub value: String,
    pub metadata: Option<Value>,
    pub version: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A key in a listing (without its value).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KvKey {
    pub key: String,
    pub metadata: Option<Value>,
    pub version: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<kv_entries::Model> for KvEntry {
    fn from(m: kv_entries::Model) -> Self {
        Self {
            key: m.entry_key,
            value: m.value,
            metadata: m.metadata.and_then(|d| serde_json::from_str(&d).ok()),
            version: m.version,
            expires_at: m.expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<kv_entries::Model> for KvKey {
    fn from(m: kv_entries::Model) -> Self {
        Self {
            key: m.entry_key,
            metadata: m.metadata.and_then(|d| serde_json::from_str(&d).ok()),
            version: m.version,
            expires_at: m.expires_at,
            updated_at: m.updated_at,
        }
    }
}

/// A write's precondition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precondition {
    #[default]
    None,
    /// `If-Match: <version>`: only if the key exists at this version.
    Version(i64),
    /// `If-None-Match: *`: only if the key does not exist.
    Absent,
}

/// When a value expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    #[default]
    Never,
    In(i64),
    At(DateTime<Utc>),
}

/// A value to store.
#[derive(Debug, Clone, Default)]
pub struct KvWrite {
    pub value: String,
    pub metadata: Option<Value>,
    pub expiry: Expiry,
    pub precondition: Precondition,
}

/// One operation of a batch.
#[derive(Debug, Clone)]
pub enum BatchOp {
    Put { key: String, write: KvWrite },
    Delete { key: String, precondition: Precondition },
}

/// Validates a key: 1..=512 bytes of UTF-8 without control characters.
pub fn check_key(key: &str) -> Result<(), FieldIssue> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(FieldIssue::new(
            "key",
            "invalid_length",
            format!("must be 1 to {MAX_KEY_BYTES} bytes"),
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(FieldIssue::new(
            "key",
            "invalid_format",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A write that passed the checks.
#[derive(Debug)]
pub(crate) struct CheckedWrite {
    /// The metadata as JSON text.
    pub metadata: Option<String>,
    /// When the value expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks a write of `key` at `now` against the limits: the metadata as JSON text and the
/// absolute expiry, or every problem found.
pub(crate) fn check_write(
    key: &str,
    w: &KvWrite,
    max_value_bytes: usize,
    now: DateTime<Utc>,
) -> Result<CheckedWrite, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    if let Err(e) = check_key(key) {
        issues.push(e);
    }
    if w.value.len() > max_value_bytes {
        issues.push(FieldIssue::new(
            "value",
            "too_long",
            format!("must be at most {} bytes", max_value_bytes),
        ));
    }
    let metadata = w.metadata.as_ref().filter(|m| !m.is_null()).map(Value::to_string);
    if metadata.as_ref().is_some_and(|m| m.len() > MAX_METADATA_BYTES) {
        issues.push(FieldIssue::new(
            "metadata",
            "too_long",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }
    let expires_at = match w.expiry {
        Expiry::Never => None,
        Expiry::In(secs) if (1..=MAX_TTL_SECS).contains(&secs) => Some(now + Duration::seconds(secs)),
        Expiry::In(_) => {
            issues.push(FieldIssue::new(
                "ttl_seconds",
                "out_of_range",
                format!("must be between 1 and {MAX_TTL_SECS}"),
            ));
            None
        }
        Expiry::At(at) if at > now && at < now + Duration::seconds(MAX_TTL_SECS) => Some(at),
        Expiry::At(_) => {
            issues.push(FieldIssue::new(
                "expires_at",
                "out_of_range",
                "must be in the future, at most ten years ahead",
            ));
            None
        }
    };
    if issues.is_empty() {
        Ok(CheckedWrite { metadata, expires_at })
    } else {
        Err(issues)
    }
}

/// A change in what one user's entries hold: keys and bytes (key, value and metadata in
/// UTF-8), positive or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsageDelta {
    pub keys: i64,
    pub bytes: i64,
}

impl UsageDelta {
    /// What storing this row adds.
    pub(crate) fn of_row(key: &str, value: &str, metadata: Option<&str>) -> Self {
        let len = |s: &str| i64::try_from(s.len()).unwrap_or(i64::MAX);
        Self {
            keys: 1,
            bytes: len(key) + len(value) + metadata.map_or(0, len),
        }
    }

    /// What removing the stored `row` takes away.
    pub(crate) fn removing(row: &kv_entries::Model) -> Self {
        let added = Self::of_row(&row.entry_key, &row.value, row.metadata.as_deref());
        Self {
            keys: -added.keys,
            bytes: -added.bytes,
        }
    }

    #[must_use]
    pub(crate) fn plus(self, other: Self) -> Self {
        Self {
            keys: self.keys + other.keys,
            bytes: self.bytes + other.bytes,
        }
    }
}
