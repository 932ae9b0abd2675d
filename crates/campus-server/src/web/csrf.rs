//! CSRF protection for the web pages.
//!
//! A form's token is `HMAC-SHA256(signing secret, binding)`, where the binding is the session
//! cookie once signed in, or before that a random `campus_csrf` cookie. Both cookies are
//! HttpOnly, so another site can neither read them nor compute the token. [`layer`] checks
//! every form post to a web route; the `AuthUser` extractor checks the `X-CSRF-Token`
//! header when a session cookie (not a Bearer token) authenticates any other unsafe request.
//! Requests carrying an `Authorization` header are not ambient credentials and need no token.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::cookies::{CSRF_COOKIE, SESSION_COOKIE, cookie, secure, set_cookie, wire_name};
use crate::state::AppState;

/// The form field and the header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Largest form body the web pages accept.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Marks a request whose form token the layer has checked.
#[derive(Debug, Clone, Copy)]
pub struct CsrfVerified;

/// Marks a multipart upload to the portal's import form, whose token is the body's first
/// field: its handler must check it (`portal::admin`) before acting on anything.
#[derive(Debug, Clone, Copy)]
pub struct TokenInBody;

/// The token to embed in this request's forms, and whether cookies are `Secure`.
#[derive(Debug, Clone)]
pub struct Csrf {
    pub token: String,
    pub secure: bool,
}

fn mac(state: &AppState, binding: &str) -> Hmac<Sha256> {
    let mut mac = keyed_mac(state.signing_secret(), b"campus-csrf-v1\0");
    mac.update(binding.as_bytes());
    mac
}

/// An HMAC-SHA256 under the signing secret, started with `purpose` so that values made for
/// one purpose (a CSRF token, the setup token) can never stand for another's.
pub(crate) fn keyed_mac(secret: &SecretString, purpose: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; the error arm is unreachable.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(purpose);
    mac
}

/// The token for `binding`.
pub fn token_for(state: &AppState, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(state, binding).finalize().into_bytes())
}

/// Whether `token` is the token for `binding` (compared in constant time).
pub fn verify(state: &AppState, binding: &str, token: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(token.trim()) {
        Ok(bytes) => mac(state, binding).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// The `X-CSRF-Token` header matches the session cookie `session`.
pub fn header_matches(state: &AppState, headers: &HeaderMap, session: &str) -> bool {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| verify(state, session, t))
}

pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub fn is_form(headers: &HeaderMap) -> bool {
    crate::extract::media_type(headers) == "application/x-www-form-urlencoded"
}

fn is_multipart(headers: &HeaderMap) -> bool {
    crate::extract::media_type(headers) == "multipart/form-data"
}

/// The browser says the request was made by a page of another site (`Sec-Fetch-Site`, sent
/// by every current browser). `Origin` is not compared with `Host`: a reverse proxy may
/// rewrite `Host`. Requests without the header (scripts, old browsers) rely on the token and
/// SameSite=Lax.
fn from_another_site(headers: &HeaderMap) -> bool {
    matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("cross-site" | "same-site")
    )
}

/// Middleware of the web routes: works out this request's CSRF binding (setting a fresh
/// `campus_csrf` cookie when there is none), checks the token of form posts, and leaves
/// [`Csrf`] in the request for the pages to render.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let secure = secure(&state, &parts.headers);
    let session = cookie(&parts.headers, &wire_name(SESSION_COOKIE, secure)).map(str::to_owned);
    let anonymous = cookie(&parts.headers, &wire_name(CSRF_COOKIE, secure)).map(str::to_owned);
    let (binding, fresh) = match (session, anonymous) {
        (Some(s), _) => (s, None),
        (None, Some(a)) => (a, None),
        (None, None) => {
            let (value, _) = campus_domain::identity::tokens::new_refresh_token();
            (value.clone(), Some(value))
        }
    };
    let mut body = Body::new(body);
    if is_unsafe(&parts.method) && !parts.headers.contains_key(header::AUTHORIZATION) {
        // Nothing a page of another site sends here is accepted, whatever its body: this
        // also stops a JSON-mode sign-in posted from another site (login CSRF).
        if from_another_site(&parts.headers) {
            return refused();
        }
        if is_form(&parts.headers) {
            let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    return super::pages::error_page(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PAYLOAD_TOO_LARGE",
                        "The form is larger than this server accepts.",
                    );
                }
            };
            let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
            if !sent.is_some_and(|t| verify(&state, &binding, &t)) {
                return refused();
            }
            parts.extensions.insert(CsrfVerified);
            body = Body::from(bytes);
        } else if is_multipart(&parts.headers) {
            if header_matches(&state, &parts.headers, &binding) {
                parts.extensions.insert(CsrfVerified);
            } else if parts.uri.path() == crate::middleware::PORTAL_IMPORT_PATH {
                // A file upload form cannot set a header without script: the portal's import
                // form sends its token as the body's first field, which the handler checks
                // before it reads anything else (never in the address, where logs keep it).
                parts.extensions.insert(TokenInBody);
            } else {
                return refused();
            }
        }
    }
    parts.extensions.insert(Csrf {
        token: token_for(&state, &binding),
        secure,
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(value) = fresh {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &value, None, secure));
    }
    response
}

fn refused() -> Response {
    super::pages::error_page(
        StatusCode::FORBIDDEN,
        "CSRF_FAILED",
        "This form was not sent from this site's page, or the page is too old. Reload the page and try again.",
    )
}
