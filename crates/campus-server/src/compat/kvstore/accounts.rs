//! Seed 004 accounts: the registration, token and sign-in forms, and sign-out.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_domain::RequestMeta;
use campus_domain::identity::{IdentityError, LoginRequest, Registration, TokenLifetime, User};
use serde_json::{Value, json};

use super::TAG;
use super::io::{Ctx, Fields, INVALID_TOKEN, Mode, error, found, signed_in, success};
use super::schema::{KvStoreError, KvStoreSuccess, KvStoreTokenErrors, KvStoreTokenRequest};
use crate::auth::{MaybeAuthUser, Meta};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::cookies::{SESSION_COOKIE, secure, set_cookie};
use crate::web::csrf::token_for;
use crate::web::pages::{Chrome, Notice, render};

/// The lifetime `/api/token` advertises (`expires_in: 3600`) and now really has.
const TOKEN_TTL: Duration = Duration::from_secs(3600);

const INVALID_REQUEST: &str =
    "Invalid request. Please provide all required fields: username, email, password, full_name, age, gender.";
const USERNAME_EXISTS: &str = "The provided username is already taken. Please choose a different username.";
const EMAIL_EXISTS: &str = "The provided email is already registered. Please use a different email address.";
const INVALID_PASSWORD: &str = "Password must be at least 8 characters long and contain an uppercase letter, lowercase letter, number, and special character.";
const INVALID_AGE: &str = "Invalid age value. Age must be a positive integer.";
const GENDER_REQUIRED: &str = "Gender field is required. Please specify the gender.";
const INVALID_CREDENTIALS: &str = "Invalid credentials. The provided username or password is incorrect.";

#[derive(Template, WebTemplate, Debug)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub chrome: Chrome,
}

#[derive(Template, WebTemplate, Debug)]
#[template(path = "token.html")]
pub struct TokenPage {
    pub chrome: Chrome,
    pub access_token: Option<String>,
}

#[derive(Template, WebTemplate, Debug)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
}

/// The chrome of a page anyone may see, naming the user if a session is open.
async fn chrome(state: &AppState, ctx: Ctx, who: MaybeAuthUser) -> Result<Chrome, ApiError> {
    match who.0 {
        Some(p) => signed_in(state, ctx.chrome, &p).await,
        None => Ok(ctx.chrome),
    }
}

/// The seed's plain greeting.
#[utoipa::path(get, path = "/", tag = TAG,
    responses((status = 200, description = "`Hello World`", content((String = "text/plain")))))]
pub(crate) async fn hello() -> &'static str {
    "Hello World"
}

// The empty forms are plain 200 pages: askama_web's `WebTemplate` renders them; the page
// headers (CSP, no-store) come from the router's layer.
/// The registration form.
#[utoipa::path(get, path = "/api/register", tag = TAG,
    responses((status = 200, description = "The page", content((String = "text/html"))), KvStoreTokenErrors))]
pub(crate) async fn register_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: MaybeAuthUser,
) -> Result<RegisterPage, ApiError> {
    let chrome = chrome(&state, ctx, who).await?;
    Ok(RegisterPage { chrome })
}

/// The access-token form.
#[utoipa::path(get, path = "/api/token", tag = TAG,
    responses((status = 200, description = "The page", content((String = "text/html"))), KvStoreTokenErrors))]
pub(crate) async fn token_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: MaybeAuthUser,
) -> Result<TokenPage, ApiError> {
    let chrome = chrome(&state, ctx, who).await?;
    Ok(TokenPage {
        chrome,
        access_token: None,
    })
}

/// The sign-in form.
#[utoipa::path(get, path = "/api/login", tag = TAG,
    responses((status = 200, description = "The page", content((String = "text/html"))), KvStoreTokenErrors))]
pub(crate) async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: MaybeAuthUser,
) -> Result<LoginPage, ApiError> {
    let chrome = chrome(&state, ctx, who).await?;
    Ok(LoginPage { chrome })
}

/// An error as a page (the form again, with the seed's code and sentence) or as JSON.
fn failed(ctx: Ctx, err: ApiError, page: impl FnOnce(Chrome) -> Response) -> Response {
    if ctx.mode == Mode::Json || err.status().is_server_error() {
        return err.into_response();
    }
    let notice = Notice::from_error(&err);
    let mut response = page(ctx.chrome.notice(notice));
    *response.status_mut() = err.status();
    response
}

fn user_data(user: &User) -> Value {
    json!({
        "user_id": user.id,
        "username": user.username,
        "email": user.email,
        "full_name": user.name,
        "age": user.age,
        "gender": user.gender,
    })
}

/// `POST /api/register` (seed 004 shape; reached through the dispatcher).
pub(crate) async fn register(state: &AppState, meta: &RequestMeta, ctx: Ctx, fields: Fields) -> Response {
    match register_user(state, meta, &fields).await {
        Ok(user) if ctx.mode == Mode::Json => {
            success("User successfully registered!", Some(user_data(&user)))
        }
        Ok(user) => {
            let mut notice = Notice::success("User successfully registered!");
            if let Value::Object(map) = user_data(&user) {
                for (k, v) in map {
                    notice = notice.with(&k, plain(&v));
                }
            }
            render(
                StatusCode::OK,
                &RegisterPage {
                    chrome: ctx.chrome.notice(notice),
                },
            )
        }
        Err(e) => failed(ctx, e, |chrome| render(StatusCode::OK, &RegisterPage { chrome })),
    }
}

/// A JSON value as a person reads it (strings without quotes).
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The seed's validation order: all six fields, username free, email free, password rule,
/// age a positive integer, gender not blank. The registration limit applies before any
/// lookup, so "username taken" cannot be asked without limit.
async fn register_user(state: &AppState, meta: &RequestMeta, f: &Fields) -> Result<User, ApiError> {
    let (Some(username), Some(email), Some(password), Some(full_name), Some(age), Some(gender)) = (
        f.raw("username"),
        f.raw("email"),
        f.raw("password"),
        f.raw("full_name"),
        f.raw("age"),
        f.raw("gender"),
    ) else {
        return Err(error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", INVALID_REQUEST));
    };
    let (username, email) = (username.trim().to_owned(), email.trim().to_owned());
    let identity = state.identity();
    let permit = identity.permit_registration(None, meta).await?;
    if !username.contains('@') && identity.find_by_identifier(&username).await?.is_some() {
        return Err(error(StatusCode::CONFLICT, "USERNAME_EXISTS", USERNAME_EXISTS));
    }
    if email.contains('@') && identity.find_by_identifier(&email).await?.is_some() {
        return Err(error(StatusCode::CONFLICT, "EMAIL_EXISTS", EMAIL_EXISTS));
    }
    if identity
        .policy()
        .check(&password, Some(&username), Some(&email))
        .is_err()
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_PASSWORD",
            INVALID_PASSWORD,
        ));
    }
    let age = match age.trim().parse::<i32>() {
        Ok(age) if age > 0 => age,
        _ => return Err(error(StatusCode::BAD_REQUEST, "INVALID_AGE", INVALID_AGE)),
    };
    if gender.trim().is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "GENDER_REQUIRED", GENDER_REQUIRED));
    }
    let registration = Registration {
        username: Some(username),
        email: Some(email),
        name: full_name.trim().to_owned(),
        password,
        age: Some(age),
        gender: Some(gender.trim().to_owned()),
        ..Registration::default()
    };
    identity
        .register_permitted(permit, registration, meta)
        .await
        .map_err(|e| match e {
            IdentityError::UsernameTaken => error(StatusCode::CONFLICT, "USERNAME_EXISTS", USERNAME_EXISTS),
            IdentityError::EmailTaken => error(StatusCode::CONFLICT, "EMAIL_EXISTS", EMAIL_EXISTS),
            IdentityError::WeakPassword(_) => {
                error(StatusCode::BAD_REQUEST, "INVALID_PASSWORD", INVALID_PASSWORD)
            }
            IdentityError::Invalid(issues) => match issues.first() {
                Some(i) if i.field == "age" => error(StatusCode::BAD_REQUEST, "INVALID_AGE", INVALID_AGE),
                Some(i) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    format!("{} {}", i.field, i.message),
                ),
                None => error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", INVALID_REQUEST),
            },
            other => other.into(),
        })
}

/// Checks a username and password through the identity service (rate limits, lockout and
/// audit included) and returns the user with a token of the seed's lifetime.
async fn check_credentials(
    state: &AppState,
    meta: &RequestMeta,
    username: String,
    password: String,
) -> Result<campus_domain::identity::LoginOutcome, ApiError> {
    let request = LoginRequest {
        identifier: username,
        password,
        lifetime: TokenLifetime::Fixed(TOKEN_TTL),
    };
    state.identity().login(request, meta).await.map_err(|e| match e {
        IdentityError::InvalidCredentials => error(
            StatusCode::UNAUTHORIZED,
            "INVALID_CREDENTIALS",
            INVALID_CREDENTIALS,
        ),
        other => other.into(),
    })
}

/// An access token (one hour) for a username and password.
#[utoipa::path(post, path = "/api/token", tag = TAG, request_body(content((KvStoreTokenRequest = "application/json"), (KvStoreTokenRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "The token (`data.access_token`, `data.expires_in`), or the form showing it", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "A field is missing (`MISSING_FIELDS`)", body = KvStoreError),
        (status = 401, description = "Invalid credentials (`INVALID_CREDENTIALS`)", body = KvStoreError),
        (status = 429, description = "Too many attempts", body = KvStoreError),
        (status = 403, description = "A form post without the page's CSRF token (`CSRF_FAILED`)", body = KvStoreError),
    ))]
pub(crate) async fn token(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ctx: Ctx,
    fields: Fields,
) -> Response {
    let result = match (fields.trimmed("username"), fields.raw("password")) {
        (Some(username), Some(password)) => check_credentials(&state, &meta, username, password).await,
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "MISSING_FIELDS",
            "Missing fields. Please provide both username and password.",
        )),
    };
    match result {
        Ok(outcome) if ctx.mode == Mode::Json => success(
            "Access token generated successfully.",
            Some(json!({"access_token": outcome.access_token, "expires_in": outcome.expires_in})),
        ),
        Ok(outcome) => {
            let notice = Notice::success("Access token generated successfully.")
                .with("expires_in", outcome.expires_in);
            render(
                StatusCode::OK,
                &TokenPage {
                    chrome: ctx.chrome.notice(notice),
                    access_token: Some(outcome.access_token),
                },
            )
        }
        Err(e) => failed(ctx, e, |chrome| {
            render(
                StatusCode::OK,
                &TokenPage {
                    chrome,
                    access_token: None,
                },
            )
        }),
    }
}

/// `POST /api/login` (seed 004 shape; reached through the dispatcher): the password and an
/// access token of the same user open a server-side session.
pub(crate) async fn login(
    state: &AppState,
    meta: &RequestMeta,
    ctx: Ctx,
    headers: &axum::http::HeaderMap,
    fields: Fields,
) -> Response {
    let result = open_session(state, meta, &fields).await;
    let (user, session) = match result {
        Ok(ok) => ok,
        Err(e) => return failed(ctx, e, |chrome| render(StatusCode::OK, &LoginPage { chrome })),
    };
    // A session cookie the browser still holds is ended: one browser, one session.
    crate::web::cookies::end_previous_session(state, headers, meta).await;
    let cookie = crate::web::cookies::session_cookie(state, headers, &session);
    let mut response = if ctx.mode == Mode::Json {
        success(
            "Login successful.",
            Some(json!({
                "user_id": user.id,
                "username": user.username,
                "csrf_token": token_for(state, &session.token),
            })),
        )
    } else {
        found("/dashboard")
    };
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

async fn open_session(
    state: &AppState,
    meta: &RequestMeta,
    f: &Fields,
) -> Result<(User, campus_domain::identity::NewWebSession), ApiError> {
    let (Some(username), Some(password), Some(token)) = (
        f.trimmed("username"),
        f.raw("password"),
        f.trimmed("access_token"),
    ) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "MISSING_FIELDS",
            "Missing fields. Please provide username, password, and access token.",
        ));
    };
    let outcome = check_credentials(state, meta, username, password).await?;
    // The token must be valid and belong to the same user (the seed only decoded it).
    match state.identity().authenticate(&token).await {
        Ok(p) if p.user_id == outcome.user.id => {}
        _ => return Err(error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", INVALID_TOKEN)),
    }
    let session = state.identity().open_web_session(outcome.user.id, meta).await?;
    Ok((outcome.user, session))
}

/// Ends the session on the server, deletes the cookie and goes back to sign-in.
#[utoipa::path(get, path = "/api/logout", tag = TAG,
    responses((status = 302, description = "To `/api/login`, with the session cookie cleared")))]
pub(crate) async fn logout_page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (parts, _) = request.into_parts();
    if let Some(session) = crate::web::cookies::read(&state, &parts.headers, SESSION_COOKIE) {
        state.identity().close_web_session(session, &meta).await?;
    }
    let mut response = found("/api/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure(&state, &parts.headers)),
    );
    Ok(response)
}
