//! Signed, expiring links to the local store's files, served by the server's `/files/{key}`
//! route: `?expires=<unix seconds>&ct=<content type>&name=<file name>&sig=<HMAC>`. The HMAC
//! (under the deployment's signing secret, with its own purpose label) covers the method,
//! key, expiry, content type and name, so none can be changed; it is checked in constant
//! time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// What a link lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMethod {
    Get,
    Put,
}

impl LinkMethod {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
        }
    }
}

/// The parts of a link that are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    pub method: LinkMethod,
    pub key: String,
    /// Unix seconds.
    pub expires: i64,
    pub content_type: String,
    /// The name a download is saved as.
    pub file_name: String,
}

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link's signature does not match")]
    BadSignature,
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks local links.
#[derive(Clone)]
pub struct LinkSigner {
    secret: SecretString,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner([redacted])")
    }
}

impl LinkSigner {
    pub fn new(secret: &SecretString) -> Self {
        Self {
            secret: secret.clone(),
        }
    }

    fn mac(&self, c: &LinkClaims) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; the error arm is unreachable.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        for part in [
            "campus-file-link-v1",
            c.method.as_str(),
            &c.key,
            &c.expires.to_string(),
            &c.content_type,
            &c.file_name,
        ] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac
    }

    /// The signature of `claims`.
    pub fn sign(&self, claims: &LinkClaims) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(claims).finalize().into_bytes())
    }

    /// Whether `sig` signs `claims` and they have not expired at `now` (unix seconds).
    pub fn verify(&self, claims: &LinkClaims, sig: &str, now: i64) -> Result<(), LinkError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sig.trim())
            .map_err(|_| LinkError::BadSignature)?;
        self.mac(claims)
            .verify_slice(&bytes)
            .map_err(|_| LinkError::BadSignature)?;
        if claims.expires < now {
            return Err(LinkError::Expired);
        }
        Ok(())
    }

    /// The query string of a link for `claims`.
    pub fn query(&self, claims: &LinkClaims) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("expires", &claims.expires.to_string())
            .append_pair("ct", &claims.content_type)
            .append_pair("name", &claims.file_name)
            .append_pair("sig", &self.sign(claims))
            .finish()
    }
}

/// A key as a URL path (each segment percent-encoded).
pub fn key_path(key: &str) -> String {
    key.split('/')
        .map(|segment| {
            url::form_urlencoded::byte_serialize(segment.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(secret: &str) -> LinkSigner {
        LinkSigner::new(&SecretString::from(secret.to_owned()))
    }

    fn claims() -> LinkClaims {
        LinkClaims {
            method: LinkMethod::Get,
            key: "user_1/parking_1_car.jpg".to_owned(),
            expires: 1_000,
            content_type: "image/jpeg".to_owned(),
            file_name: "car.jpg".to_owned(),
        }
    }

    #[test]
    fn a_link_verifies_until_it_expires() {
        let s = signer("a-secret-of-some-length-0123456789");
        let sig = s.sign(&claims());
        assert_eq!(s.verify(&claims(), &sig, 999), Ok(()));
        assert_eq!(s.verify(&claims(), &sig, 1_000), Ok(()));
        assert_eq!(s.verify(&claims(), &sig, 1_001), Err(LinkError::Expired));
    }

    #[test]
    fn changing_any_signed_part_breaks_the_signature() {
        let s = signer("a-secret-of-some-length-0123456789");
        let sig = s.sign(&claims());
        let variants = [
            LinkClaims {
                method: LinkMethod::Put,
                ..claims()
            },
            LinkClaims {
                key: "user_2/parking_1_car.jpg".to_owned(),
                ..claims()
            },
            LinkClaims {
                expires: 99_999,
                ..claims()
            },
            LinkClaims {
                content_type: "text/html".to_owned(),
                ..claims()
            },
            LinkClaims {
                file_name: "car.html".to_owned(),
                ..claims()
            },
        ];
        for v in variants {
            assert_eq!(s.verify(&v, &sig, 0), Err(LinkError::BadSignature), "{v:?}");
        }
        assert_eq!(
            signer("another-secret-0123456789-abcdefgh").verify(&claims(), &sig, 0),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            s.verify(&claims(), "not base64!", 0),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn key_paths_encode_each_segment() {
        assert_eq!(key_path("user_1/a b#c.jpg"), "user_1/a%20b%23c.jpg");
    }
}
