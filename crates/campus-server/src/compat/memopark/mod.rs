//! Seed 001 MemoPark accounts: `/auth/register`, `/auth/login`, `/auth/profile`,
//! `/auth/logout`. Tokens live one day, as the seed's did.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use campus_domain::identity::{ContactInput, IdentityError, Registration, TokenLifetime};
use serde_json::{Value, json};

use crate::auth::{AuthUser, Meta};
use crate::compat::envelopes::MEMOPARK;
use crate::compat::error::{Plain, SeedError, Wording};
use crate::compat::shared::{SeedJson, SeedLogin, bad_request, raw_text, reply, seed_login, text};
use crate::error::ApiError;
use crate::middleware::render_errors;
use crate::state::AppState;

const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// Seed 001's words for a taken email.
struct Words;

impl Wording for Words {
    fn identity(err: IdentityError) -> ApiError {
        match err {
            IdentityError::EmailTaken => ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "User with this email already exists",
            ),
            IdentityError::NotFound => ApiError::not_found("User not found"),
            other => Plain::identity(other),
        }
    }
}

type Answer = Result<Response, SeedError<Words>>;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/profile", get(profile))
        .route("/auth/logout", post(logout))
        .route_layer(axum::middleware::from_fn_with_state(MEMOPARK, render_errors))
}

fn contact_from(body: &Value) -> Option<ContactInput> {
    let c = body.get("emergency_contact")?;
    let name = text(c, "emergency_contact_name")?;
    Some(ContactInput {
        name,
        relation: text(c, "relation"),
        email: text(c, "emergency_email"),
        phone: text(c, "emergency_phone_number"),
        allow_alerts: c.get("is_allow_alerts").and_then(Value::as_bool).unwrap_or(false),
        is_primary: false,
    })
}

async fn register(State(state): State<AppState>, Meta(meta): Meta, SeedJson(body): SeedJson) -> Answer {
    let (Some(email), Some(password)) = (text(&body, "user_email"), raw_text(&body, "user_password")) else {
        return Err(bad_request("Email and password are required").into());
    };
    let Some(name) = text(&body, "user_name") else {
        return Err(bad_request("User name is required").into());
    };
    let identity = state.identity();
    let registration = Registration {
        email: Some(email),
        name,
        password,
        emergency_contact: contact_from(&body),
        ..Registration::default()
    };
    let user = identity.register_public(registration, None, &meta).await?;
    let outcome = identity
        .sign_in_new(user, TokenLifetime::Fixed(TOKEN_TTL))
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"access_token": outcome.access_token}),
    ))
}

async fn login(State(state): State<AppState>, Meta(meta): Meta, SeedJson(body): SeedJson) -> Answer {
    let outcome = seed_login(
        &state,
        &meta,
        &body,
        SeedLogin {
            identifier_keys: &["user_email"],
            password_key: "user_password",
            missing: "Email and password are required",
            invalid: "Invalid credentials",
            ttl: TOKEN_TTL,
        },
    )
    .await?;
    Ok(reply(
        StatusCode::OK,
        json!({"access_token": outcome.access_token}),
    ))
}

async fn profile(State(state): State<AppState>, AuthUser(p): AuthUser) -> Answer {
    let identity = state.identity();
    let user = identity.user(p.user_id).await?;
    let contacts = identity.contacts(p.user_id).await?;
    let contacts: Vec<Value> = contacts
        .into_iter()
        .map(|c| {
            json!({
                "emergency_id": c.id,
                "name": c.name,
                "relation": c.relation,
                "emergency_phone_number": c.phone,
                "emergency_email": c.email,
                "is_allow_alerts": c.allow_alerts,
            })
        })
        .collect();
    Ok(reply(
        StatusCode::OK,
        json!({
            "user_id": user.id,
            "user_name": user.display_name(),
            "user_email": user.email,
            "emergency_contacts": contacts,
        }),
    ))
}

async fn logout(State(state): State<AppState>, AuthUser(p): AuthUser, Meta(meta): Meta) -> Answer {
    state.identity().logout(&p, &meta).await?;
    Ok(reply(
        StatusCode::OK,
        json!({"message": "Successfully logged out"}),
    ))
}
