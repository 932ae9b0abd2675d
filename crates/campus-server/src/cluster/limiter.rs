//! Rate-limit counters in Redis: one atomic script per hit (`INCR` this window's counter,
//! `PEXPIRE` it on its first hit, read the previous window's), the same sliding windows as
//! the database counters, so every instance counts into one number.

use std::time::Duration;

use campus_domain::ratelimit::{RateDecision, RateLimiter, WindowPosition};
use sea_orm::DbErr;

use super::RedisLink;

/// Seconds a refused client is told to wait while Redis is unreachable.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local p = tonumber(redis.call('GET', KEYS[2]) or '0')
return {n, p}
";

#[derive(Debug)]
pub struct RedisRateLimiter {
    link: RedisLink,
    script: redis::Script,
}

impl RedisRateLimiter {
    pub fn new(link: RedisLink) -> Self {
        Self {
            link,
            script: redis::Script::new(HIT),
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, bucket: &str, limit: u32, window: Duration) -> Result<RateDecision, DbErr> {
        let at = WindowPosition::at(window, chrono::Utc::now());
        let key = self.link.key(&format!("rl:{bucket}:{}", at.index));
        let previous = self
            .link
            .key(&format!("rl:{bucket}:{}", at.index.saturating_sub(1)));
        let Some(mut conn) = self.link.conn().await else {
            return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
        };
        let mut invocation = self.script.key(&key);
        invocation.key(&previous).arg(at.counter_ttl_ms());
        let call = invocation.invoke_async::<(u64, u64)>(&mut conn);
        let (current, previous) = match tokio::time::timeout(self.link.timeout(), call).await {
            Ok(Ok(counts)) => counts,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "counting a rate limit in Redis failed");
                return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
            }
            Err(_) => {
                tracing::warn!("counting a rate limit in Redis timed out");
                return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
            }
        };
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(RateDecision::sliding(count(current), count(previous), limit, at))
    }
}
