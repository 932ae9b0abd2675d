//! How seed 004's routes read requests and answer: form or JSON bodies, HTML pages or the
//! `{"status", "code", "message"}` envelope, and who is signed in (session or Bearer).

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use campus_domain::identity::Principal;
use serde_json::{Value, json};

use crate::auth::{AuthUser, codes};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::csrf::{Csrf, FORM_LIMIT};
use crate::web::pages::{Chrome, Prefs};

/// Which kind of answer the client wants. JSON when it sent JSON, a Bearer token, or asked
/// for JSON; otherwise the seed's HTML pages (decision for seed 004's ambiguity 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Html,
    Json,
}

impl Mode {
    pub fn of(headers: &HeaderMap) -> Mode {
        let header_has = |name: header::HeaderName, needle: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
        };
        let sent_json = header_has(header::CONTENT_TYPE, "json");
        let wants_json =
            header_has(header::ACCEPT, "application/json") && !header_has(header::ACCEPT, "text/html");
        if sent_json || wants_json || headers.contains_key(header::AUTHORIZATION) {
            Mode::Json
        } else {
            Mode::Html
        }
    }
}

/// The request's mode and the page chrome (CSRF token) the web layer prepared.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub mode: Mode,
    pub chrome: Chrome,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            mode: Mode::of(&parts.headers),
            chrome: Chrome::new(parts.extensions.get::<Csrf>()),
        })
    }
}

/// A seed 004 body: HTML form fields or a JSON object, read the same way. Anything else
/// (no body, another content type, a JSON array) reads as no fields, so the seed's
/// "missing fields" answers apply.
#[derive(Debug, Default)]
pub struct Fields(HashMap<String, Value>);

impl Fields {
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Fields(map.into_iter().collect()),
            _ => Fields::default(),
        }
    }

    pub fn from_form(bytes: &[u8]) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).unwrap_or_default();
        Fields(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
    }

    /// The field as text exactly as sent (numbers as their JSON text); `None` when absent,
    /// null, or empty — Python's falsy values, which the seed treats as missing.
    pub fn raw(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) if n.as_f64() != Some(0.0) => Some(n.to_string()),
            Value::Bool(true) => Some("true".to_owned()),
            _ => None,
        }
    }

    /// The field trimmed, `None` when it is missing or blank.
    pub fn trimmed(&self, name: &str) -> Option<String> {
        self.raw(name)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let is_json = crate::extract::is_json_body(req.headers());
        let is_form = crate::web::csrf::is_form(req.headers());
        let bytes = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
            .await
            .map_err(|_| crate::extract::payload_too_large())?;
        if is_json {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Fields::default());
            }
            let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    "The request body is not valid JSON.",
                )
            })?;
            Ok(Fields::from_json(value))
        } else if is_form {
            Ok(Fields::from_form(&bytes))
        } else {
            Ok(Fields::default())
        }
    }
}

/// A seed 004 error: its status, code and sentence.
pub fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

pub const INVALID_TOKEN: &str = "Invalid access token provided.";

/// `{"status": "success", "message": ..., "data": ...}`.
pub fn success(message: &str, data: Option<Value>) -> Response {
    let body = super::schema::KvStoreSuccess {
        status: "success",
        message: message.to_owned(),
        data,
    };
    (StatusCode::OK, axum::Json(json!(body))).into_response()
}

/// The signed-in user of a data route: the session cookie (pages) or a Bearer token (JSON).
/// Without one, pages go to the sign-in form and JSON clients get 401 `INVALID_TOKEN`.
#[derive(Debug, Clone)]
pub struct Viewer(pub Principal);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mode = Mode::of(&parts.headers);
        match AuthUser::from_request_parts(parts, state).await {
            Ok(AuthUser(p)) => Ok(Viewer(p)),
            Err(e) if e.code() == codes::CSRF_FAILED => {
                Err(error(StatusCode::FORBIDDEN, "CSRF_FAILED", &e.report().detail).into_response())
            }
            Err(_) if mode == Mode::Html => Err(found("/api/login")),
            Err(_) => Err(error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", INVALID_TOKEN).into_response()),
        }
    }
}

/// The chrome of a signed-in page: the user's name and display preferences.
pub async fn signed_in(state: &AppState, mut chrome: Chrome, who: &Principal) -> Result<Chrome, ApiError> {
    let user = state.identity().user(who.user_id).await?;
    chrome.user = Some(
        user.username
            .clone()
            .unwrap_or_else(|| user.display_name().to_owned()),
    );
    chrome.prefs = Prefs {
        text_size: user.text_size.clone(),
        high_contrast: user.high_contrast_mode,
    };
    Ok(chrome)
}

/// `302 Found` to `location`, as Flask's `redirect()` answers.
pub fn found(location: &'static str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, axum::http::HeaderValue::from_static(location))],
    )
        .into_response()
}
