//! Seed 002 finance accounts: `/api/health`, `/api/auth/register`, `/api/auth/login`,
//! `/api/auth/register-admin`. Tokens live 8 hours, as the seed's did.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use campus_domain::identity::{Registration, Role, User};
use serde_json::json;

use super::schema::{
    FinanceHealth, FinanceLogin, FinanceLoginRequest, FinanceRegisterRequest, FinanceRegistered,
};
use super::{Answer, TAG};
use crate::auth::{MaybeAuthUser, Meta};
use crate::compat::schema::{JwtTokenErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, SeedLogin, bad_request, raw_text, reply, seed_login, text};
use crate::error::ApiError;
use crate::state::AppState;

const TOKEN_TTL: Duration = Duration::from_secs(8 * 3600);

/// The seed's health check.
#[utoipa::path(get, path = "/api/health", tag = TAG,
    responses((status = 200, description = "The API is running", body = FinanceHealth)))]
pub(super) async fn health() -> Response {
    let health = FinanceHealth {
        status: "ok",
        message: "Student Management and Finance System API is running",
    };
    reply(StatusCode::OK, json!(health))
}

/// `{username*, password*, email?}` as a registration.
fn registration(body: &serde_json::Value) -> Result<Registration, ApiError> {
    let (Some(username), Some(password)) = (text(body, "username"), raw_text(body, "password")) else {
        return Err(bad_request("Username and password are required"));
    };
    Ok(Registration {
        username: Some(username),
        email: text(body, "email"),
        password,
        ..Registration::default()
    })
}

fn username_of(user: &User) -> &str {
    user.username
        .as_deref()
        .or(user.email.as_deref())
        .unwrap_or_default()
}

/// Registers a student (the finance seed's users are the students who enroll and pay).
#[utoipa::path(post, path = "/api/auth/register", tag = TAG, request_body = FinanceRegisterRequest,
    responses(
        (status = 201, description = "Registered", body = FinanceRegistered),
        (status = 400, description = "Username or password missing, a field invalid, or the password weak", body = SeedErrorMessage),
        (status = 403, description = "Registration is closed", body = SeedErrorMessage),
        (status = 409, description = "Username or email taken", body = SeedErrorMessage),
        (status = 429, description = "Too many registrations from this address", body = SeedErrorMessage),
    ))]
pub(super) async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    let user = state
        .identity()
        .register_public(registration(&body)?, Some(Role::Student), &meta)
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(FinanceRegistered {
            msg: "User registered successfully",
            user_id: user.id,
            username: username_of(&user).to_owned(),
            is_admin: None,
        }),
    ))
}

/// Signs in (a token for 8 hours) and tells the student's dues.
#[utoipa::path(post, path = "/api/auth/login", tag = TAG, request_body = FinanceLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = FinanceLogin),
        (status = 400, description = "Username or password missing", body = SeedErrorMessage),
        (status = 401, description = "Invalid username or password", body = SeedErrorMessage),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = SeedErrorMessage),
    ))]
pub(super) async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    let outcome = seed_login(
        &state,
        &meta,
        &body,
        SeedLogin {
            identifier_keys: &["username"],
            password_key: "password",
            missing: "Username and password are required",
            invalid: "Invalid username or password",
            ttl: TOKEN_TTL,
        },
    )
    .await?;
    let user = &outcome.user;
    let dues = dues_of(&state, user).await?;
    Ok(reply(
        StatusCode::OK,
        json!(FinanceLogin {
            access_token: outcome.access_token.clone(),
            user_id: user.id,
            username: username_of(user).to_owned(),
            email: user.email.clone(),
            is_admin: user.role == Role::Admin,
            dues_balance: super::dues(dues),
            credit_balance: super::credit(dues),
        }),
    ))
}

/// The balance of the user's student record (0 without one).
async fn dues_of(state: &AppState, user: &User) -> Result<i64, ApiError> {
    let who = campus_domain::identity::Principal::acting_as(user.id, user.role);
    let finance = state.finance();
    match finance.student_of_user(&who, false).await {
        Ok(student) => Ok(finance
            .balance(&who, student.id)
            .await
            .map(|b| b.balance_cents)
            .unwrap_or(0)),
        Err(_) => Ok(0),
    }
}

/// Creates an administrator when none exists yet, or when an administrator asks.
#[utoipa::path(post, path = "/api/auth/register-admin", tag = TAG, request_body = FinanceRegisterRequest,
    security((), ("bearer" = [])),
    params(("X-Setup-Token" = Option<String>, Header,
        description = "Needed, while no administrator exists, on a server bound to a non-loopback address: the token `campus serve` prints and writes to `<data_dir>/setup-token`")),
    responses(
        (status = 201, description = "Administrator created", body = FinanceRegistered),
        (status = 400, description = "Username or password missing, a field invalid, or the password weak", body = SeedErrorMessage),
        (status = 403, description = "An administrator exists and the caller is not one, or (on a server bound to a non-loopback address) the `X-Setup-Token` header is missing or wrong", body = SeedErrorMessage),
        (status = 409, description = "Username or email taken", body = SeedErrorMessage),
        JwtTokenErrors,
    ))]
pub(super) async fn register_admin(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Answer {
    let registration = registration(&body)?;
    let caller_is_admin = caller.as_ref().is_some_and(|p| p.role == Role::Admin);
    if !caller_is_admin && !state.setup().admits(&headers) {
        return Err(super::error(
            StatusCode::FORBIDDEN,
            "This server is reachable from other hosts: creating the first administrator needs the X-Setup-Token header (printed by `campus serve` and kept in the data directory's setup-token file), or an administrator's token",
        )
        .into());
    }
    let user = state
        .identity()
        .bootstrap_admin(caller.as_ref(), registration, &meta)
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(FinanceRegistered {
            msg: "Admin user registered successfully",
            user_id: user.id,
            username: username_of(&user).to_owned(),
            is_admin: Some(true),
        }),
    ))
}
