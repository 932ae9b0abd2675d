//! Usage entries as the services return them, and the input that starts one.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use campus_db::entities::usage_entries;

use crate::validation::FieldIssue;

/// Longest action name, in characters.
pub const MAX_ACTION_CHARS: usize = 200;
/// Largest `details`, in bytes of UTF-8.
pub const MAX_DETAILS_BYTES: usize = 2048;

/// Which surface started an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    V1,
    Seed000,
    Web,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::Seed000 => "seed000",
            Self::Web => "web",
        }
    }
}

/// Why an entry ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndReason {
    /// The user (or staff for them) stopped it.
    Stopped,
    /// The user started another.
    Replaced,
    /// No heartbeat for `tracking.idle_timeout_secs`.
    Idle,
    /// The user signed out.
    Logout,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Replaced => "replaced",
            Self::Idle => "idle",
            Self::Logout => "logout",
        }
    }
}

/// What starts an entry: an action name (1..=200 characters, trimmed) and optional details.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub action: String,
    pub details: Option<String>,
    pub source: Source,
}

impl NewEntry {
    /// Trims and checks the action and the details.
    pub(super) fn validated(self) -> Result<Self, Vec<FieldIssue>> {
        let mut issues = Vec::new();
        let action = self.action.trim().to_owned();
        if action.is_empty() {
            issues.push(FieldIssue::new("action", "required", "is required"));
        } else if action.chars().count() > MAX_ACTION_CHARS {
            issues.push(FieldIssue::new(
                "action",
                "too_long",
                format!("must be at most {MAX_ACTION_CHARS} characters"),
            ));
        }
        if action.chars().any(char::is_control) {
            issues.push(FieldIssue::new(
                "action",
                "invalid_format",
                "must not contain control characters",
            ));
        }
        let details = self.details.filter(|d| !d.trim().is_empty());
        if details.as_ref().is_some_and(|d| d.len() > MAX_DETAILS_BYTES) {
            issues.push(FieldIssue::new(
                "details",
                "too_long",
                format!("must be at most {MAX_DETAILS_BYTES} bytes"),
            ));
        }
        if issues.is_empty() {
            Ok(Self {
                action,
                details,
                source: self.source,
            })
        } else {
            Err(issues)
        }
    }
}

/// A usage entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub user_id: i64,
    pub action: String,
    pub details: Option<String>,
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub heartbeats: i32,
}

impl Entry {
    /// Seconds from start to end, two decimals; `None` while open.
    pub fn duration_sec(&self) -> Option<f64> {
        self.ended_at.map(|end| seconds(self.started_at, end))
    }

    /// Seconds so far at `now` (an ended entry's duration).
    pub fn duration_so_far(&self, now: DateTime<Utc>) -> f64 {
        seconds(self.started_at, self.ended_at.unwrap_or(now))
    }

    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

impl From<usage_entries::Model> for Entry {
    fn from(m: usage_entries::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            action: m.action,
            details: m.details,
            source: m.source,
            started_at: instant(m.started_ms),
            last_seen_at: instant(m.last_seen_ms),
            ended_at: m.ended_ms.map(instant),
            end_reason: m.end_reason,
            heartbeats: m.heartbeats,
        }
    }
}

/// Seconds between two instants, rounded to two decimals (the seed's rule); never negative.
pub fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    round2(((to - from).num_milliseconds().max(0)) as f64 / 1000.0)
}

/// Rounded to two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Unix milliseconds as an instant (out-of-range values clamp to the epoch).
pub fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(action: &str, details: Option<&str>) -> NewEntry {
        NewEntry {
            action: action.to_owned(),
            details: details.map(str::to_owned),
            source: Source::V1,
        }
    }

    #[test]
    fn actions_are_trimmed_and_bounded() {
        assert_eq!(new("  reading ", None).validated().unwrap().action, "reading");
        let fields = |r: Result<NewEntry, Vec<FieldIssue>>| {
            r.err()
                .unwrap_or_default()
                .iter()
                .map(|i| (i.field, i.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(new("   ", None).validated()), [("action", "required")]);
        assert_eq!(
            fields(new(&"a".repeat(201), None).validated()),
            [("action", "too_long")]
        );
        assert!(
            new(&"é".repeat(200), None).validated().is_ok(),
            "characters, not bytes"
        );
        assert_eq!(
            fields(new("x", Some(&"d".repeat(2049))).validated()),
            [("details", "too_long")]
        );
        assert_eq!(
            fields(new("a\u{0}b", None).validated()),
            [("action", "invalid_format")]
        );
    }

    #[test]
    fn durations_have_two_decimals_and_never_go_negative() {
        let t = instant(1_000_000);
        assert_eq!(seconds(t, instant(1_001_234)), 1.23);
        assert_eq!(seconds(t, instant(1_001_235)), 1.24);
        assert_eq!(seconds(instant(2_000_000), t), 0.0);
    }
}
