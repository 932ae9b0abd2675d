//! `/api/v1/auth`: register, login, refresh, logout.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::{LoginRequest, Registration, TokenLifetime};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Routes;
use super::dto::UserResponse;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(register),
        routes!(login),
        routes!(refresh),
        routes!(logout),
        routes!(logout_all),
    ]
}

/// A new account. Give an email, a username, or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub name: String,
    pub password: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    /// Only the configured registration role may be asked for; anything else is 403.
    pub role: Option<String>,
    /// Never honoured: `true` is refused with 403.
    pub is_admin: Option<bool>,
}

/// Credentials. `login` is an email or a username.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub login: String,
    pub password: String,
}

/// Tokens issued by login or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: each refresh returns a new one. Reusing an old one revokes the session.
    pub refresh_token: Option<String>,
    pub user: UserResponse,
}

impl From<campus_domain::identity::LoginOutcome> for TokenResponse {
    fn from(o: campus_domain::identity::LoginOutcome) -> Self {
        Self {
            access_token: o.access_token,
            token_type: "Bearer",
            expires_in: o.expires_in,
            refresh_token: o.refresh_token,
            user: o.user.into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    pub refresh_token: String,
}

/// Self-registration (when enabled), granting `auth.registration_role`.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = UserResponse),
        (status = 403, description = "Registration disabled, or a role was asked for"),
        (status = 409, description = "Username or email taken"),
        (status = 422, description = "Invalid fields or weak password"),
        (status = 429, description = "Too many registrations from this address"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let registration = Registration {
        username: body.username,
        email: body.email,
        name: body.name,
        password: body.password,
        date_of_birth: body.date_of_birth,
        age: body.age,
        gender: body.gender,
        emergency_contact: None,
    };
    let user = state
        .identity()
        .register_self(
            registration,
            body.role.as_deref(),
            body.is_admin == Some(true),
            &meta,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Exchanges credentials for an access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Invalid credentials"),
        (status = 429, description = "Rate limited or locked after repeated failures"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<LoginBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let outcome = state
        .identity()
        .login(
            LoginRequest {
                identifier: body.login,
                password: body.password,
                lifetime: TokenLifetime::Canonical,
            },
            &meta,
        )
        .await?;
    Ok(Json(outcome.into()))
}

/// Rotates a refresh token: returns a new access token and a new refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<RefreshBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let outcome = state.identity().refresh(&body.refresh_token, &meta).await?;
    Ok(Json(outcome.into()))
}

/// Revokes this access token and its refresh token family.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, description = "Not authenticated")))]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(principal): AuthUser,
    Meta(meta): Meta,
) -> Result<StatusCode, ApiError> {
    state.identity().logout(&principal, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes every token of the signed-in user, on every device.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "All sessions ended"), (status = 401, description = "Not authenticated")))]
pub async fn logout_all(
    State(state): State<AppState>,
    AuthUser(principal): AuthUser,
    Meta(meta): Meta,
) -> Result<StatusCode, ApiError> {
    state
        .identity()
        .logout_all(principal.user_id, principal.user_id, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
