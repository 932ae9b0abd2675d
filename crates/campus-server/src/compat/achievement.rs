//! Seed 003 achievement-tracking accounts: `/api/register`, `/api/login`, `/api/logout`.
//! Seed 004 shares these paths, so they are routed by `kvstore::dispatch` (decision 3),
//! which calls these handlers for requests of seed 003's shape.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::identity::{IdentityError, Registration, Role, User};
use serde_json::{Value, json};

use super::shared::{
    SeedJson, SeedLogin, bad_request, raw_text, reply, seed_identity_error, seed_login, text,
};
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::state::AppState;

const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// Seed 003's user object.
pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "user_id": user.id,
        "name": user.display_name(),
        "email": user.email,
        "role": user.role.title_case(),
        "created_at": user.created_at.to_rfc3339(),
        "updated_at": user.updated_at.to_rfc3339(),
    })
}

pub(crate) async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    let (Some(name), Some(email), Some(password)) = (
        text(&body, "name"),
        text(&body, "email"),
        raw_text(&body, "password"),
    ) else {
        return Err(bad_request("name, email and password are required"));
    };
    let role = match text(&body, "role") {
        None => Some(Role::Student),
        Some(r) => match Role::parse(&r) {
            Some(role @ (Role::Admin | Role::Teacher | Role::Student | Role::Parent)) => Some(role),
            _ => return Err(bad_request("role must be one of Admin, Teacher, Student, Parent")),
        },
    };
    let registration = Registration {
        email: Some(email),
        name,
        password,
        ..Registration::default()
    };
    let user = state
        .identity()
        .register_public(registration, role, &meta)
        .await
        .map_err(|e| match e {
            IdentityError::EmailTaken => {
                ApiError::new(StatusCode::CONFLICT, "email_taken", "Email already registered")
            }
            IdentityError::RoleNotAllowed(role) => ApiError::new(
                StatusCode::FORBIDDEN,
                "role_not_allowed",
                format!(
                    "The {} role cannot be self-assigned; an administrator grants it",
                    role.title_case()
                ),
            ),
            IdentityError::Invalid(issues) if issues.iter().any(|i| i.field == "email") => {
                bad_request("email is not a valid email address")
            }
            other => seed_identity_error(other),
        })?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"message": "User registered successfully", "user": user_json(&user)}),
    ))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    let outcome = seed_login(
        &state,
        &meta,
        &body,
        SeedLogin {
            identifier_keys: &["email"],
            password_key: "password",
            missing: "email and password are required",
            invalid: "Invalid email or password",
            ttl: TOKEN_TTL,
        },
    )
    .await?;
    Ok(reply(
        StatusCode::OK,
        json!({
            "access_token": outcome.access_token,
            "token_type": "Bearer",
            "user": user_json(&outcome.user),
        }),
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Meta(meta): Meta,
) -> Result<Response, ApiError> {
    state
        .identity()
        .logout(&p, &meta)
        .await
        .map_err(seed_identity_error)?;
    Ok(reply(
        StatusCode::OK,
        json!({"message": "Logged out successfully"}),
    ))
}
