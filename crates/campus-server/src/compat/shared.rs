//! Helpers the facades share: JSON replies, request bodies that tolerate missing fields, and
//! identity errors rendered with a seed's own sentences.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use campus_domain::identity::IdentityError;
use serde_json::Value;

use crate::auth::identity_error;
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

/// A 400 with a seed's sentence.
pub fn bad_request(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Identity errors for a facade: validation and weak passwords become 400 with the first
/// problem's sentence (the seeds answer 400 for bad input); the rest map as everywhere.
pub fn seed_identity_error(err: IdentityError) -> ApiError {
    match err {
        IdentityError::WeakPassword(message) => bad_request(&message),
        IdentityError::Invalid(issues) => {
            let message = issues
                .first()
                .map(|i| format!("{} {}", i.field, i.message))
                .unwrap_or_else(|| "Invalid input".to_owned());
            bad_request(&message)
        }
        other => identity_error(other),
    }
}

/// A facade's JSON body. Like Flask's `request.get_json(silent=True)`: an empty body or a
/// non-JSON content type gives `Value::Null` (so the seed's "required" message answers);
/// JSON that does not parse is a 400.
#[derive(Debug)]
pub struct SeedJson(pub Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for SeedJson {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                crate::extract::payload_too_large()
            } else {
                bad_request("Could not read the request body")
            }
        })?;
        if !is_json || bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(SeedJson(Value::Null));
        }
        serde_json::from_slice(&bytes).map(SeedJson).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("Failed to decode JSON object: {e}"),
            )
        })
    }
}
