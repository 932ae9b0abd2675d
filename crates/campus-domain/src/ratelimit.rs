//! Sliding-window rate limiting behind a trait, so the counters can live in the database (the
//! default, shared by every instance) or in Redis.

use std::fmt::Debug;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use campus_db::entities::rate_limits::{self, Column, Entity};

/// The outcome of one counted hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_after_secs: u64,
    /// The counter store could not be reached, so nothing was counted. `allowed` is then
    /// false; callers that fail open for their action treat it as allowed.
    pub unavailable: bool,
}

impl RateDecision {
    /// The answer of a limiter whose store is unreachable: refused, retry in `retry_secs`.
    pub fn unavailable(limit: u32, retry_secs: u64) -> Self {
        Self {
            allowed: false,
            limit,
            remaining: 0,
            reset_after_secs: retry_secs,
            unavailable: true,
        }
    }
}

/// Where `now` falls among the fixed windows of length `window`: the index of its window
/// (milliseconds since the epoch / window length) and how far into it `now` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPosition {
    pub index: u64,
    pub elapsed_ms: u64,
    pub window_ms: u64,
}

impl WindowPosition {
    pub fn at(window: Duration, now: chrono::DateTime<Utc>) -> Self {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1000);
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        Self {
            index: now_ms / window_ms,
            elapsed_ms: now_ms % window_ms,
            window_ms,
        }
    }

    /// Milliseconds until this window ends.
    pub fn left_ms(&self) -> u64 {
        self.window_ms - self.elapsed_ms
    }

    /// How long a window's counter must live: this window, then the next one (where it is
    /// the previous window), and a second for clock skew between instances.
    pub fn counter_ttl_ms(&self) -> u64 {
        self.left_ms() + self.window_ms + 1000
    }
}

impl RateDecision {
    /// The sliding-window decision after a hit: `current` hits counted in this fixed window
    /// (this one included) and `previous` in the one before, weighted by the share of it the
    /// sliding window `[now - window, now]` still covers. Unlike plain fixed windows, a burst
    /// straddling a window boundary cannot get twice the limit through.
    pub fn sliding(current: u32, previous: u32, limit: u32, at: WindowPosition) -> Self {
        // `current + previous · left / w ≤ limit` exactly: with whole `current` and `limit`,
        // rounding the carried share up is the same comparison.
        let carried = (u64::from(previous) * at.left_ms()).div_ceil(at.window_ms);
        let estimate = u32::try_from(u64::from(current) + carried).unwrap_or(u32::MAX);
        Self {
            allowed: estimate <= limit,
            limit,
            remaining: limit.saturating_sub(estimate),
            reset_after_secs: Self::wait_ms(current, previous, limit, at).div_ceil(1000),
            unavailable: false,
        }
    }

    /// Milliseconds until one more hit would be allowed, if none is counted meanwhile.
    fn wait_ms(current: u32, previous: u32, limit: u32, at: WindowPosition) -> u64 {
        let (w, left) = (at.window_ms, at.left_ms());
        let (current, previous, limit) = (u64::from(current), u64::from(previous), u64::from(limit));
        if limit == 0 {
            return left + w;
        }
        if current < limit {
            // Still in this window: wait until ⌈previous · (left − t) / w⌉ fits the room.
            let room = limit - current - 1;
            let may_carry = (room * w).checked_div(previous).unwrap_or(u64::MAX);
            return left.saturating_sub(may_carry);
        }
        // Into the next window, where this window's hits are the carried ones.
        let may_carry = (limit - 1) * w / current;
        left + w.saturating_sub(may_carry)
    }
}

/// Counts hits per bucket in sliding windows (two fixed-window counters, the previous one
/// weighted by how much of it the sliding window still covers).
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + Debug {
    /// Counts one hit on `bucket` and says whether it is within `limit` per `window`.
    async fn hit(&self, bucket: &str, limit: u32, window: Duration) -> Result<RateDecision, DbErr>;
}

/// Counters in the `rate_limits` table.
#[derive(Debug, Clone)]
pub struct DbRateLimiter {
    db: DatabaseConnection,
}

impl DbRateLimiter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Longest bucket key the `rate_limits` table holds.
const MAX_KEY_BYTES: usize = 255;

/// The counter key of `bucket` in window `index`. A bucket too long for the column is named
/// by its first bytes and its SHA-256, so the window index is never cut off (a cut key
/// would count every window as one, and a long identifier would never roll over).
fn window_key(bucket: &str, index: u64) -> String {
    let suffix = format!(":{index}");
    format!("{}{suffix}", fit_key(bucket, MAX_KEY_BYTES - suffix.len()))
}

/// `text` if it has at most `max` bytes; otherwise its first bytes, `#` and its SHA-256 in
/// hex (`max` must leave room for 65 bytes), so distinct long texts stay distinct keys.
pub(crate) fn fit_key(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let digest = crate::digest::sha256_hex(text.as_bytes());
    let room = max.saturating_sub(digest.len() + 1).min(100);
    let head_end = text
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| *end <= room)
        .last()
        .unwrap_or(0);
    format!("{}#{digest}", &text[..head_end])
}

#[async_trait::async_trait]
impl RateLimiter for DbRateLimiter {
    async fn hit(&self, bucket: &str, limit: u32, window: Duration) -> Result<RateDecision, DbErr> {
        let now = Utc::now();
        let at = WindowPosition::at(window, now);
        let key = window_key(bucket, at.index);
        let previous_key = window_key(bucket, at.index.saturating_sub(1));
        let ttl = i64::try_from(at.counter_ttl_ms()).unwrap_or(i64::MAX);
        let row = rate_limits::ActiveModel {
            bucket: Set(key.clone()),
            hits: Set(1),
            expires_at: Set(now + chrono::Duration::milliseconds(ttl)),
        };
        Entity::insert(row)
            .on_conflict(
                OnConflict::column(Column::Bucket)
                    .value(
                        Column::Hits,
                        sea_orm::sea_query::ExprTrait::add(Expr::col((Entity, Column::Hits)), 1),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        let rows = Entity::find()
            .filter(Column::Bucket.is_in([key.as_str(), previous_key.as_str()]))
            .all(&self.db)
            .await?;
        let hits_of = |k: &str| {
            rows.iter()
                .find(|r| r.bucket == k)
                .map_or(0, |r| u32::try_from(r.hits).unwrap_or(u32::MAX))
        };
        let current = hits_of(&key).max(1);
        let previous = if previous_key == key {
            0
        } else {
            hits_of(&previous_key)
        };
        // Old windows are useless; sweep them now and then.
        if rand::random::<u8>() == 0 {
            Entity::delete_many()
                .filter(Column::ExpiresAt.lt(now))
                .exec(&self.db)
                .await?;
        }
        Ok(RateDecision::sliding(current, previous, limit, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(elapsed_s: u64) -> WindowPosition {
        WindowPosition {
            index: 1,
            elapsed_ms: elapsed_s * 1000,
            window_ms: 60_000,
        }
    }

    #[test]
    fn a_burst_straddling_a_window_boundary_gets_no_more_than_the_limit() {
        // Three hits at the end of one window, the fourth a second into the next.
        let d = RateDecision::sliding(1, 3, 3, at(1));
        assert!(!d.allowed, "{d:?}");
        assert_eq!(d.remaining, 0);
        // The refused hit counts too; the next fits once two thirds of the old hits are left
        // behind by the sliding window.
        assert_eq!(d.reset_after_secs, 39);
        assert!(RateDecision::sliding(2, 3, 3, at(40)).allowed);
        assert!(!RateDecision::sliding(2, 3, 3, at(39)).allowed);
    }

    #[test]
    fn within_a_window_the_limit_is_exact_and_the_wait_reaches_a_free_hit() {
        for n in 1..=5 {
            assert!(RateDecision::sliding(n, 0, 5, at(30)).allowed);
        }
        let refused = RateDecision::sliding(6, 0, 5, at(30));
        assert!(!refused.allowed);
        // Thirty seconds to this window's end, then until the 6 carried hits leave room.
        assert_eq!(refused.reset_after_secs, 30 + 20);
        assert!(RateDecision::sliding(1, 6, 5, at(20)).allowed);
        assert!(!RateDecision::sliding(1, 6, 5, at(19)).allowed);
        let zero = RateDecision::sliding(1, 0, 0, at(0));
        assert!(!zero.allowed && zero.reset_after_secs == 120);
    }

    #[test]
    fn a_long_bucket_keeps_its_window_index_and_stays_distinct() {
        let long = format!("login-account:{}", "é".repeat(300));
        let a = window_key(&long, 7);
        let b = window_key(&long, 8);
        assert!(
            a.len() <= MAX_KEY_BYTES && b.len() <= MAX_KEY_BYTES,
            "{}",
            a.len()
        );
        assert!(a.ends_with(":7") && b.ends_with(":8"));
        assert_ne!(a, b);
        let other = format!("login-account:{}x", "é".repeat(300));
        assert_ne!(window_key(&other, 7), a);
        assert_eq!(window_key("login-ip:1.2.3.4", 9), "login-ip:1.2.3.4:9");
    }
}
