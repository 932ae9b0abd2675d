//! The first administrator on an exposed server. While no administrator exists, seed 002's
//! `POST /api/auth/register-admin` makes its caller one; on a server bound to anything but
//! loopback that would hand the school to whoever calls first, so there it also needs the
//! setup token: `HMAC(signing secret, purpose)`, the same on every instance of a deployment,
//! printed by `serve` and written to `<data_dir>/setup-token` (0600) while no administrator
//! exists, and useless once one does.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use secrecy::SecretString;

use crate::web::csrf::keyed_mac;

/// The header that carries the setup token.
pub const SETUP_TOKEN_HEADER: &str = "x-setup-token";
/// The file in the data directory that holds it.
const SETUP_TOKEN_FILE: &str = "setup-token";
const PURPOSE: &[u8] = b"campus-setup-token-v1\0";

/// Whether the open bootstrap needs the setup token, and how to check one.
#[derive(Debug, Clone)]
pub struct SetupGate {
    required: bool,
    secret: SecretString,
}

impl SetupGate {
    /// The gate of a server listening on `bound`: loopback-only servers keep the seed's open
    /// bootstrap; any other address requires the token.
    pub fn new(bound: SocketAddr, secret: &SecretString) -> Self {
        Self {
            required: !bound.ip().is_loopback(),
            secret: secret.clone(),
        }
    }

    pub fn required(&self) -> bool {
        self.required
    }

    /// The token (only for printing at start-up and the file).
    pub fn token(&self) -> String {
        URL_SAFE_NO_PAD.encode(keyed_mac(&self.secret, PURPOSE).finalize().into_bytes())
    }

    /// Whether the request may use the open bootstrap: always on loopback, elsewhere only
    /// with the token (compared in constant time).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        if !self.required {
            return true;
        }
        let Some(sent) = headers.get(SETUP_TOKEN_HEADER).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        match URL_SAFE_NO_PAD.decode(sent.trim()) {
            Ok(bytes) => keyed_mac(&self.secret, PURPOSE).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    /// At start-up: while no administrator exists on an exposed server, writes the token to
    /// the data directory (owner-only) and says where it is; once one exists, removes the file.
    pub fn announce(&self, data_dir: &Path, admin_exists: bool) {
        let path = token_path(data_dir);
        if admin_exists || !self.required {
            if path.exists()
                && let Err(e) = std::fs::remove_file(&path)
            {
                tracing::warn!(path = %path.display(), error = %e, "could not remove the spent setup token");
            }
            if !admin_exists {
                tracing::warn!(
                    "no administrator exists yet; create one with `campus user create --role admin --email you@school.example` \
                     or POST /api/auth/register-admin from this machine"
                );
            }
            return;
        }
        let token = self.token();
        match write_owner_only(&path, &token) {
            Ok(()) => tracing::warn!(
                file = %path.display(),
                "no administrator exists yet and this server is reachable from other hosts: \
                 POST /api/auth/register-admin needs the header `X-Setup-Token: {token}` \
                 (also in the file), or run `campus user create --role admin`"
            ),
            Err(e) => tracing::warn!(
                file = %path.display(),
                error = %e,
                "no administrator exists yet: POST /api/auth/register-admin needs the header `X-Setup-Token: {token}`"
            ),
        }
    }
}

fn token_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SETUP_TOKEN_FILE)
}

fn write_owner_only(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(token.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(addr: &str) -> SetupGate {
        SetupGate::new(addr.parse().unwrap(), &SecretString::from("s".repeat(40)))
    }

    #[test]
    fn loopback_needs_no_token_and_any_other_address_does() {
        assert!(!gate("127.0.0.1:5000").required());
        assert!(!gate("[::1]:5000").required());
        assert!(gate("0.0.0.0:5000").required());
        assert!(gate("10.1.2.3:5000").required());
    }

    #[test]
    fn only_the_right_token_is_admitted() {
        let g = gate("0.0.0.0:5000");
        let mut headers = HeaderMap::new();
        assert!(!g.admits(&headers));
        headers.insert(SETUP_TOKEN_HEADER, "nope".parse().unwrap());
        assert!(!g.admits(&headers));
        headers.insert(SETUP_TOKEN_HEADER, g.token().parse().unwrap());
        assert!(g.admits(&headers));
        let other = SetupGate::new(
            "0.0.0.0:5000".parse().unwrap(),
            &SecretString::from("t".repeat(40)),
        );
        assert_ne!(
            other.token(),
            g.token(),
            "the token follows the deployment's secret"
        );
    }
}
