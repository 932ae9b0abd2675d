//! Redis: the state several instances share (rate limits, revocation messages, realtime
//! fan-out, job leases). Optional: without `redis.url` one instance keeps its rate limits in
//! the database and its messages in process.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://[[user]:password@]host:port[/db]`; unset: no Redis. (No TLS: reach Redis over
    /// a private network or a TLS tunnel such as stunnel.)
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub url: Option<SecretString>,
    /// Prefix of every key and channel, so several deployments can share one Redis.
    pub key_prefix: String,
    /// How long one command may take before Redis counts as unreachable, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            key_prefix: "campus:".to_owned(),
            timeout_ms: 500,
        }
    }
}

impl RedisSettings {
    /// The URL with any password masked, for status pages and logs.
    pub fn redacted_url(&self) -> Option<String> {
        let url = self.url.as_ref()?;
        Some(match url::Url::parse(url.expose_secret()) {
            Ok(mut parsed) => {
                if parsed.password().is_some() {
                    let _ = parsed.set_password(Some("****"));
                }
                parsed.to_string()
            }
            Err(_) => "[unparsable]".to_owned(),
        })
    }

    pub(crate) fn validate(&self) -> Result<(), crate::ConfigError> {
        let invalid = |expected: &str| crate::ConfigError::Invalid {
            key: "redis.url".to_owned(),
            expected: expected.to_owned(),
        };
        if let Some(url) = &self.url {
            let parsed = url::Url::parse(url.expose_secret())
                .map_err(|_| invalid("a URL such as redis://127.0.0.1:6379"))?;
            if parsed.scheme() != "redis" || parsed.host_str().is_none() {
                return Err(invalid(
                    "a redis:// URL with a host (TLS is not built in; use a tunnel)",
                ));
            }
        }
        if self.timeout_ms == 0 || self.timeout_ms > 60_000 {
            return Err(crate::ConfigError::Invalid {
                key: "redis.timeout_ms".to_owned(),
                expected: "milliseconds from 1 to 60000".to_owned(),
            });
        }
        if self.key_prefix.len() > 64 || self.key_prefix.chars().any(char::is_whitespace) {
            return Err(crate::ConfigError::Invalid {
                key: "redis.key_prefix".to_owned(),
                expected: "at most 64 characters, no spaces".to_owned(),
            });
        }
        Ok(())
    }
}
