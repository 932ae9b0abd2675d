//! Seed 003 achievement-tracking accounts: `/api/register`, `/api/login`, `/api/logout`.
//! Seed 004 shares these paths, so they are routed by `kvstore::dispatch` (by body shape),
//! which calls these handlers for requests of seed 003's shape.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::{Registration, Role, User};
use serde_json::json;

use super::Answer;
use super::schema::{AchievementLogin, AchievementRegistered, AchievementUser};
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::SeedMessage;
use crate::compat::shared::{SeedJson, SeedLogin, bad_request, raw_text, reply, seed_login, text};
use crate::state::AppState;

const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// Seed 003's user object.
pub(crate) fn user_json(user: &User) -> AchievementUser {
    AchievementUser {
        user_id: user.id,
        name: user.display_name().to_owned(),
        email: user.email.clone(),
        role: user.role.title_case(),
        created_at: user.created_at.to_rfc3339(),
        updated_at: user.updated_at.to_rfc3339(),
    }
}

pub(crate) async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    let (Some(name), Some(email), Some(password)) = (
        text(&body, "name"),
        text(&body, "email"),
        raw_text(&body, "password"),
    ) else {
        return Err(bad_request("name, email and password are required").into());
    };
    let role = match text(&body, "role") {
        None => Some(Role::Student),
        Some(r) => match Role::parse(&r) {
            Some(role @ (Role::Admin | Role::Teacher | Role::Student | Role::Parent)) => Some(role),
            _ => return Err(bad_request("role must be one of Admin, Teacher, Student, Parent").into()),
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
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(AchievementRegistered {
            message: "User registered successfully",
            user: user_json(&user),
        }),
    ))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
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
        json!(AchievementLogin {
            access_token: outcome.access_token.clone(),
            token_type: "Bearer",
            user: user_json(&outcome.user),
        }),
    ))
}

pub(crate) async fn logout(State(state): State<AppState>, AuthUser(p): AuthUser, Meta(meta): Meta) -> Answer {
    state.identity().logout(&p, &meta).await?;
    Ok(reply(
        StatusCode::OK,
        json!(SeedMessage {
            message: "Logged out successfully".to_owned(),
        }),
    ))
}
