//! Paths seed 003 and seed 004 share, dispatched by the request's shape:
//!
//! | Request | Goes to |
//! |---|---|
//! | `GET /api/register`, `GET /api/login`, `GET /api/logout` | 004 pages |
//! | `POST /api/register` with a form body | 004 |
//! | `POST /api/register` with JSON holding `username` and any of `full_name`, `age`, `gender` | 004 |
//! | `POST /api/register`, anything else | 003 |
//! | `POST /api/login` with a form body | 004 |
//! | `POST /api/login` with JSON holding `access_token`, or `username` and no `email` | 004 |
//! | `POST /api/login`, anything else | 003 |
//! | `POST /api/logout` | 003 (revokes the token; also ends a 004 session) |

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::TAG;
use super::accounts;
use super::io::{Ctx, Fields};
use super::schema::{
    KvStoreLoginRequest, KvStoreRegisterRequest, KvStoreSuccess, SharedError, SharedLogin,
    SharedLoginRequest, SharedRegisterRequest,
};
use crate::auth::Meta;
use crate::compat::achievement::accounts as achievement;
use crate::compat::achievement::schema::AchievementRegistered;
use crate::compat::envelopes::ACHIEVEMENT;
use crate::compat::shared::{SeedJson, seed_json_value};
use crate::error::ApiError;
use crate::middleware::{RequestId, render_with};
use crate::state::AppState;
use crate::web::cookies::{SESSION_COOKIE, secure, set_cookie};
use crate::web::csrf::{FORM_LIMIT, is_form};

/// Which facade a shared path's request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Achievement,
    KeyValue,
}

/// A shared path's body, read once.
struct Shared {
    headers: HeaderMap,
    request_id: Option<RequestId>,
    form: Option<axum::body::Bytes>,
    json: Value,
}

async fn read(request: Request) -> Result<Shared, ApiError> {
    let request_id = request.extensions().get::<RequestId>().cloned();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| crate::extract::payload_too_large())?;
    let is_json = crate::extract::is_json_body(&parts.headers);
    let form = is_form(&parts.headers).then(|| bytes.clone());
    let json = seed_json_value(is_json, &bytes)?;
    Ok(Shared {
        headers: parts.headers,
        request_id,
        form,
        json,
    })
}

fn has(json: &Value, key: &str) -> bool {
    json.get(key).is_some_and(|v| !v.is_null())
}

/// Which seed a `POST /api/register` is for: seed 004's form or its `username` with profile
/// fields, else seed 003.
pub fn register_seed(is_form: bool, json: &Value) -> Seed {
    let kv_shape = has(json, "username") && ["full_name", "age", "gender"].iter().any(|k| has(json, k));
    if is_form || kv_shape {
        Seed::KeyValue
    } else {
        Seed::Achievement
    }
}

/// Which seed a `POST /api/login` is for: seed 004's form, `access_token` or username-only
/// body, else seed 003.
pub fn login_seed(is_form: bool, json: &Value) -> Seed {
    let kv_shape = has(json, "access_token") || (has(json, "username") && !has(json, "email"));
    if is_form || kv_shape {
        Seed::KeyValue
    } else {
        Seed::Achievement
    }
}

fn fields(shared: &Shared) -> Fields {
    match &shared.form {
        Some(bytes) => Fields::from_form(bytes),
        None => Fields::from_json(shared.json.clone()),
    }
}

/// A seed 003 answer in seed 003's envelope.
fn as_achievement(shared: &Shared, response: Response) -> Response {
    render_with(
        ACHIEVEMENT,
        response,
        shared.request_id.as_ref().map(RequestId::as_str),
        &axum::http::Method::POST,
    )
}

/// Registers an account: seed 004's form or JSON (`username` with `full_name`, `age`,
/// `gender`), or seed 003's JSON (`name`, `email`, `password`, `role`).
#[utoipa::path(post, path = "/api/register", tags = [TAG, crate::compat::achievement::TAG],
    request_body(content((SharedRegisterRequest = "application/json"), (KvStoreRegisterRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 201, description = "Seed 003: registered", body = AchievementRegistered),
        (status = 200, description = "Seed 004: registered (`data` is the user), or the form again", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "A field is missing or invalid", body = SharedError),
        (status = 403, description = "A role that cannot be chosen, or a form post without its CSRF token", body = SharedError),
        (status = 409, description = "Username or email taken", body = SharedError),
        (status = 429, description = "Too many registrations from this address", body = SharedError),
    ))]
pub(crate) async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ctx: Ctx,
    request: Request,
) -> Result<Response, ApiError> {
    let shared = read(request).await?;
    Ok(match register_seed(shared.form.is_some(), &shared.json) {
        Seed::KeyValue => accounts::register(&state, &meta, ctx, fields(&shared)).await,
        Seed::Achievement => {
            let answer = achievement::register(State(state), Meta(meta), SeedJson(shared.json.clone())).await;
            as_achievement(&shared, answer.into_response())
        }
    })
}

/// Signs in: seed 004's form or JSON (username, password and an access token open a
/// server-side session), or seed 003's JSON (email and password for a token).
#[utoipa::path(post, path = "/api/login", tags = [TAG, crate::compat::achievement::TAG],
    request_body(content((SharedLoginRequest = "application/json"), (KvStoreLoginRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Signed in: seed 003's token, or seed 004's session (a cookie; `data.csrf_token` for later JSON posts)", body = SharedLogin),
        (status = 302, description = "Seed 004 form: signed in, to `/dashboard`"),
        (status = 400, description = "A field is missing", body = SharedError),
        (status = 401, description = "Invalid credentials, or a token of another user", body = SharedError),
        (status = 403, description = "A form post without its CSRF token", body = SharedError),
        (status = 429, description = "Too many attempts", body = SharedError),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ctx: Ctx,
    request: Request,
) -> Result<Response, ApiError> {
    let shared = read(request).await?;
    Ok(match login_seed(shared.form.is_some(), &shared.json) {
        Seed::KeyValue => accounts::login(&state, &meta, ctx, &shared.headers, fields(&shared)).await,
        Seed::Achievement => {
            let answer = achievement::login(State(state), Meta(meta), SeedJson(shared.json.clone())).await;
            as_achievement(&shared, answer.into_response())
        }
    })
}

#[utoipa::path(post, path = "/api/logout", tags = [TAG, crate::compat::achievement::TAG], security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "Signed out", body = crate::compat::schema::SeedMessage),
        (status = 401, description = "No valid token or session", body = crate::compat::schema::SeedErrorMessage),
    ))]
/// `POST /api/logout`: seed 003's logout (the token, or the session that authenticated the
/// request, is revoked); a session cookie sent alongside a token is ended too.
pub(crate) async fn logout(
    State(state): State<AppState>,
    who: Result<crate::auth::AuthUser, ApiError>,
    Meta(meta): Meta,
    headers: HeaderMap,
    request_id: Option<axum::Extension<RequestId>>,
) -> Response {
    let signed_out = who.is_ok();
    // The pages' Sign out button posts a form (with its CSRF token): a browser is sent to
    // the sign-in page rather than shown seed 003's JSON.
    let from_page = is_form(&headers);
    let mut response = match who {
        Ok(who) => achievement::logout(State(state.clone()), who, Meta(meta.clone()))
            .await
            .into_response(),
        Err(e) => e.into_response(),
    };
    // Only a logout that passed authentication (and so the CSRF check) ends a session.
    if let Some(session) = crate::web::cookies::read(&state, &headers, SESSION_COOKIE).filter(|_| signed_out)
    {
        if let Err(e) = state.identity().close_web_session(session, &meta).await {
            tracing::warn!(error = %e, "ending the web session at logout failed");
        }
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), secure(&state, &headers)),
        );
    }
    if from_page && signed_out {
        let cleared = response.headers_mut().remove(header::SET_COOKIE);
        let mut page = super::io::found("/api/login");
        page.headers_mut()
            .extend(cleared.map(|c| (header::SET_COOKIE, c)));
        return page;
    }
    render_with(
        ACHIEVEMENT,
        response,
        request_id.as_ref().map(|r| r.0.as_str()),
        &axum::http::Method::POST,
    )
}
