//! Key-value store settings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KvSettings {
    /// Largest value, in bytes of UTF-8.
    pub max_value_bytes: usize,
    /// How often each instance deletes expired keys (they are invisible at once regardless).
    pub purge_interval_secs: u64,
    /// Most keys one user may hold (expired keys count until they are purged).
    pub max_keys_per_user: u64,
    /// Most bytes (keys, values and metadata, in UTF-8) one user may hold.
    pub max_bytes_per_user: u64,
}

impl Default for KvSettings {
    fn default() -> Self {
        Self {
            max_value_bytes: 64 * 1024,
            purge_interval_secs: 60,
            max_keys_per_user: 10_000,
            max_bytes_per_user: 50 * 1024 * 1024,
        }
    }
}
