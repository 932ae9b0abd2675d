//! The connection to Redis: a `ConnectionManager` (multiplexed, reconnecting) made lazily, so
//! an instance starts while Redis is down and connects when it returns.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use campus_config::RedisSettings;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

/// A handle to Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisLink {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    conn: RwLock<Option<ConnectionManager>>,
    connecting: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.inner.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    pub fn new(url: &SecretString, settings: &RedisSettings) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url.expose_secret())?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                prefix: settings.key_prefix.clone(),
                timeout: Duration::from_millis(settings.timeout_ms),
                conn: RwLock::new(None),
                connecting: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// `prefix` + `name`: every key and channel Campus uses.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.inner.prefix)
    }

    pub fn client(&self) -> &redis::Client {
        &self.inner.client
    }

    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The shared connection, made on first use (one attempt at a time, bounded by the
    /// timeout). `None` while Redis cannot be reached.
    pub async fn conn(&self) -> Option<ConnectionManager> {
        if let Some(conn) = self.read().clone() {
            return Some(conn);
        }
        let _one_attempt = self.inner.connecting.lock().await;
        if let Some(conn) = self.read().clone() {
            return Some(conn);
        }
        let timeout = self.inner.timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let made = tokio::time::timeout(
            timeout * 2,
            self.inner.client.get_connection_manager_with_config(config),
        )
        .await;
        match made {
            Ok(Ok(conn)) => {
                *self
                    .inner
                    .conn
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(conn.clone());
                Some(conn)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot connect to Redis");
                None
            }
            Err(_) => {
                tracing::warn!("connecting to Redis timed out");
                None
            }
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<ConnectionManager>> {
        self.inner
            .conn
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `cmd` on the shared connection within the timeout. `None` if Redis could not be
    /// reached or answered with an error (logged).
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Option<T> {
        let mut conn = self.conn().await?;
        match tokio::time::timeout(self.inner.timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Redis command failed");
                None
            }
            Err(_) => {
                tracing::warn!("Redis command timed out");
                None
            }
        }
    }

    pub async fn ping(&self) -> bool {
        self.query::<String>(&redis::cmd("PING")).await.is_some()
    }

    /// `SET <prefix>lease:<job> <holder> NX PX <ttl>`: true if this holder took it (or Redis
    /// is unreachable: the caller then runs the idempotent job anyway).
    pub async fn take_lease(&self, job: &str, holder: &str, ttl: Duration) -> bool {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(&format!("lease:{job}")))
            .arg(holder)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms);
        match self.query::<Option<String>>(&cmd).await {
            Some(answer) => answer.is_some(),
            None => true,
        }
    }
}
