//! Web interface settings: the session cookie of the server-rendered pages.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// A session ends this long after sign-in, whatever its use.
    pub session_ttl_secs: u64,
    /// A session ends after this long without a request.
    pub session_idle_secs: u64,
    /// Mark cookies `Secure`. Also set per request when a trusted proxy says
    /// `X-Forwarded-Proto: https` (with `server.trusted_proxies`).
    pub secure_cookies: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            session_ttl_secs: 12 * 3600,
            session_idle_secs: 2 * 3600,
            secure_cookies: false,
        }
    }
}
