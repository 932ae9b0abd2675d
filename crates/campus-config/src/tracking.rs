//! Usage-tracking settings (seed 000's activity log: how long students use the app).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackingSettings {
    /// An open usage entry with no heartbeat (or start) for this long is closed by the sweep.
    pub idle_timeout_secs: u64,
    /// ... at its last heartbeat plus this much (the time the user was plausibly still there).
    pub idle_grace_secs: u64,
    /// Also close idle entries whose client never sent a heartbeat (seed 000's clients send
    /// none, so by default their entries stay open until they end them, as in the seed).
    pub close_idle_without_heartbeats: bool,
    /// How often each instance sweeps idle entries (the close is idempotent across instances).
    pub sweep_interval_secs: u64,
    /// The school's IANA time zone: summaries use it when neither the request (`tz`) nor the
    /// reader's profile names one; seed 000's `YYYY-MM-DD HH:MM:SS` times are shown in it.
    pub timezone: String,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 1800,
            idle_grace_secs: 60,
            close_idle_without_heartbeats: false,
            sweep_interval_secs: 60,
            timezone: "UTC".to_owned(),
        }
    }
}
