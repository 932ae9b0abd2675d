//! Access tokens (JWT, HS256) and refresh tokens (random, stored hashed).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::model::Role;

/// Claims of an access token. `sub` is the user id as a string (PyJWT ≥ 2.10 clients need a
/// string subject).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: String,
    pub jti: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    /// Issue time in milliseconds, so "tokens issued before this instant" is exact.
    #[serde(default)]
    pub iat_ms: i64,
    /// Refresh-token family this access token was issued with, if any; logout revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
    /// Seed-002 clients read these extra claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

impl AccessClaims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }

    pub fn issued_at(&self) -> DateTime<Utc> {
        let ms = if self.iat_ms > 0 {
            self.iat_ms
        } else {
            self.iat.saturating_mul(1000)
        };
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_default()
    }
}

/// Why a presented access token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("Token has expired")]
    Expired,
    /// Malformed, wrong algorithm, bad signature, missing claims.
    #[error("{0}")]
    Invalid(String),
}

/// Signing and verification keys for access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none` and algorithm-confusion tokens fail here.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        }
    }

    /// Issues an access token for `user_id` valid for `ttl`.
    pub fn issue(
        &self,
        user_id: i64,
        role: Role,
        ttl: Duration,
        family: Option<String>,
        username: Option<String>,
    ) -> Result<(String, AccessClaims), String> {
        let now = Utc::now();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            jti: uuid::Uuid::new_v4().to_string(),
            role: role.as_str().to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            iat_ms: now.timestamp_millis(),
            fam: family,
            username,
            is_admin: Some(role == Role::Admin),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| e.to_string())?;
        Ok((token, claims))
    }

    /// Verifies signature, algorithm and expiry.
    pub fn decode(&self, token: &str) -> Result<AccessClaims, TokenError> {
        match jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation) {
            Ok(data) if data.claims.user_id().is_some() && !data.claims.jti.is_empty() => Ok(data.claims),
            Ok(_) => Err(TokenError::Invalid("Subject must be a string user id".to_owned())),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidSignature => {
                    TokenError::Invalid("Signature verification failed".to_owned())
                }
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    TokenError::Invalid("The specified alg value is not allowed".to_owned())
                }
                _ => TokenError::Invalid("Not enough segments or invalid token".to_owned()),
            }),
        }
    }
}

/// A new refresh token: the value for the client and the hash to store.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256 hex of a refresh token; tokens are high-entropy, so no salt is needed.
pub fn hash_refresh_token(token: &str) -> String {
    crate::digest::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(secret.to_owned()))
    }

    #[test]
    fn issued_tokens_decode_with_string_subject() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let (token, claims) = k
            .issue(7, Role::Teacher, Duration::minutes(5), None, None)
            .unwrap();
        let back = k.decode(&token).unwrap();
        assert_eq!(back, claims);
        assert_eq!(back.sub, "7");
    }

    #[test]
    fn wrong_key_tampering_none_and_expiry_are_refused() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let (token, _) = k.issue(7, Role::User, Duration::minutes(5), None, None).unwrap();
        let other = keys("ffffffffffffffffffffffffffffffff");
        assert!(matches!(other.decode(&token), Err(TokenError::Invalid(_))));

        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
        let tampered = String::from_utf8(payload)
            .unwrap()
            .replace("\"user\"", "\"admin\"");
        parts[1] = URL_SAFE_NO_PAD.encode(tampered);
        assert!(matches!(k.decode(&parts.join(".")), Err(TokenError::Invalid(_))));

        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert!(matches!(k.decode(&unsigned), Err(TokenError::Invalid(_))));

        let (old, _) = k
            .issue(7, Role::User, Duration::minutes(-10), None, None)
            .unwrap();
        assert_eq!(k.decode(&old), Err(TokenError::Expired));
        assert!(matches!(k.decode("garbage"), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, hb) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(ha.len(), 64);
        assert_eq!(hash_refresh_token(&a), ha);
        assert_ne!(ha, hb);
    }
}
