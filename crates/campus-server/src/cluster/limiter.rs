//! Rate-limit counters in Redis: one atomic script per hit (`INCR`, and `PEXPIRE` on the
//! window's first hit), the same fixed windows as the database counters, so every instance
//! counts into one number.

use std::time::Duration;

use campus_domain::ratelimit::{RateDecision, RateLimiter, fixed_window};
use sea_orm::DbErr;

use super::RedisLink;

/// Seconds a refused client is told to wait while Redis is unreachable.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
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
        let (index, reset_after_secs) = fixed_window(window, chrono::Utc::now());
        let key = self.link.key(&format!("rl:{bucket}:{index}"));
        // The key outlives its window by a second, so a late hit never restarts a window.
        let ttl_ms = (reset_after_secs + 1) * 1000;
        let Some(mut conn) = self.link.conn().await else {
            return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
        };
        let mut invocation = self.script.key(&key);
        invocation.arg(ttl_ms);
        let call = invocation.invoke_async::<u64>(&mut conn);
        let hits = match tokio::time::timeout(self.link.timeout(), call).await {
            Ok(Ok(hits)) => hits,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "counting a rate limit in Redis failed");
                return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
            }
            Err(_) => {
                tracing::warn!("counting a rate limit in Redis timed out");
                return Ok(RateDecision::unavailable(limit, UNAVAILABLE_RETRY_SECS));
            }
        };
        let hits = u32::try_from(hits).unwrap_or(u32::MAX);
        Ok(RateDecision::counted(hits, limit, reset_after_secs))
    }
}
