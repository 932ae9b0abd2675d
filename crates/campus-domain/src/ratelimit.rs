//! Fixed-window rate limiting behind a trait, so the counters can live in the database (the
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

/// The fixed window `now` falls in: its index (seconds since the epoch / window length) and
/// the seconds until it resets.
pub fn fixed_window(window: Duration, now: chrono::DateTime<Utc>) -> (u64, u64) {
    let window_secs = window.as_secs().max(1);
    let now_secs = u64::try_from(now.timestamp()).unwrap_or(0);
    let index = now_secs / window_secs;
    (index, (index + 1) * window_secs - now_secs)
}

impl RateDecision {
    /// The decision after `hits` counted hits against `limit`.
    pub fn counted(hits: u32, limit: u32, reset_after_secs: u64) -> Self {
        Self {
            allowed: hits <= limit,
            limit,
            remaining: limit.saturating_sub(hits),
            reset_after_secs,
            unavailable: false,
        }
    }
}

/// Counts hits per bucket in fixed windows.
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
        let (index, reset_after_secs) = fixed_window(window, now);
        let key = window_key(bucket, index);
        let expires_at = now + chrono::Duration::seconds(i64::try_from(reset_after_secs).unwrap_or(60));
        let row = rate_limits::ActiveModel {
            bucket: Set(key.clone()),
            hits: Set(1),
            expires_at: Set(expires_at),
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
        let hits = Entity::find_by_id(key)
            .one(&self.db)
            .await?
            .map(|r| u32::try_from(r.hits).unwrap_or(u32::MAX))
            .unwrap_or(1);
        // Old windows are useless; sweep them now and then.
        if rand::random::<u8>() == 0 {
            Entity::delete_many()
                .filter(Column::ExpiresAt.lt(now))
                .exec(&self.db)
                .await?;
        }
        Ok(RateDecision::counted(hits, limit, reset_after_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
