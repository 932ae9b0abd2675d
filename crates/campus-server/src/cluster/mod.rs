//! What several instances share: rate-limit counters, revocation messages, realtime hints and
//! job leases, through Redis when `redis.url` is set. Without it one instance keeps today's
//! behaviour (rate limits in the database, messages in process) and nothing here touches the
//! network.
//!
//! Nothing correct depends on Redis: a lost message is caught up by the database (the
//! revocation delta sync, the event watcher's poll), a lost lease only means a job runs on two
//! instances (every job is idempotent), and while Redis is unreachable sign-ins are refused
//! with 429 (fail closed) and everything else goes on.

mod bus;
mod limiter;
mod link;

use std::sync::Arc;
use std::time::Duration;

use campus_config::RedisSettings;

pub use bus::{Bus, BusMessage};
pub use limiter::RedisRateLimiter;
pub use link::RedisLink;

/// This instance's view of the cluster. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Names this process in messages, so it skips its own.
    instance: Arc<str>,
    redis: Option<RedisLink>,
}

impl Cluster {
    /// Builds the Redis link if `settings.url` is set. Never fails: an unreachable Redis at
    /// start-up is reconnected in the background.
    pub fn new(settings: &RedisSettings) -> Self {
        let instance: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let redis = settings
            .url
            .as_ref()
            .and_then(|url| match RedisLink::new(url, settings) {
                Ok(link) => Some(link),
                Err(e) => {
                    tracing::error!(error = %e, "redis.url cannot be used; running without Redis");
                    None
                }
            });
        Self { instance, redis }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn redis(&self) -> Option<&RedisLink> {
        self.redis.as_ref()
    }

    /// `Some(true)` when Redis answers a PING now, `Some(false)` when it does not, `None`
    /// without Redis.
    pub async fn redis_up(&self) -> Option<bool> {
        match &self.redis {
            Some(link) => Some(link.ping().await),
            None => None,
        }
    }

    /// Whether this instance should run `job` this tick: with Redis, the one instance that
    /// takes the lease (`SET NX PX` for `ttl`); without Redis, or while it is unreachable,
    /// every instance (the jobs are idempotent, so that only costs work).
    pub async fn take_lease(&self, job: &str, ttl: Duration) -> bool {
        match &self.redis {
            Some(link) => link.take_lease(job, &self.instance, ttl).await,
            None => true,
        }
    }
}
