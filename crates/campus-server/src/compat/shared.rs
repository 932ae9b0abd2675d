//! Helpers the facades share: JSON replies, request bodies that tolerate missing fields, and
//! a seed's login.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use campus_domain::identity::IdentityError;
use serde_json::Value;

pub use super::error::bad_request;
use super::error::{Plain, Wording};
use crate::error::ApiError;

/// A JSON reply with `status`.
pub fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A string field: present, a string, not blank after trimming.
pub fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A string field kept exactly as sent (passwords are not trimmed).
pub fn raw_text(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A facade's JSON body. Like Flask's `request.get_json(silent=True)`: an empty body or a
/// non-JSON content type gives `Value::Null` (so the seed's "required" message answers);
/// JSON that does not parse is a 400.
#[derive(Debug)]
pub struct SeedJson(pub Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for SeedJson {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = crate::extract::is_json_body(req.headers());
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                crate::extract::payload_too_large()
            } else {
                bad_request("Could not read the request body")
            }
        })?;
        seed_json_value(is_json, &bytes).map(SeedJson)
    }
}

/// A facade body as Flask's `get_json(silent=True)` reads it: `Null` unless the body is JSON
/// and not blank; JSON that does not parse is a 400.
pub fn seed_json_value(is_json: bool, bytes: &[u8]) -> Result<Value, ApiError> {
    if !is_json || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Failed to decode JSON object: {e}"),
        )
    })
}

/// How one seed's login endpoint reads its body and words its errors.
#[derive(Debug, Clone, Copy)]
pub struct SeedLogin {
    /// Body keys tried in order for the email or username.
    pub identifier_keys: &'static [&'static str],
    pub password_key: &'static str,
    /// Answer (400) when a field is missing.
    pub missing: &'static str,
    /// Answer (401) for wrong credentials.
    pub invalid: &'static str,
    /// The seed's access-token lifetime.
    pub ttl: std::time::Duration,
}

/// A seed's login: read the fields, log in through the identity service, word the errors.
pub async fn seed_login(
    state: &crate::state::AppState,
    meta: &campus_domain::RequestMeta,
    body: &Value,
    spec: SeedLogin,
) -> Result<campus_domain::identity::LoginOutcome, ApiError> {
    let identifier = spec.identifier_keys.iter().find_map(|k| text(body, k));
    let (Some(identifier), Some(password)) = (identifier, raw_text(body, spec.password_key)) else {
        return Err(bad_request(spec.missing));
    };
    let request = campus_domain::identity::LoginRequest {
        identifier,
        password,
        lifetime: campus_domain::identity::TokenLifetime::Fixed(spec.ttl),
    };
    state.identity().login(request, meta).await.map_err(|e| match e {
        IdentityError::InvalidCredentials => {
            ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", spec.invalid)
        }
        other => Plain::identity(other),
    })
}
