//! Seed 001 MemoPark accounts: `/auth/register`, `/auth/login`, `/auth/profile`,
//! `/auth/logout`. Tokens live one day, as the seed's did.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::identity::{ContactInput, IdentityError, Registration, TokenLifetime};
use campus_domain::parking::ParkingError;
use campus_storage::StorageError;
use serde_json::{Value, json};

use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::envelopes::MEMOPARK;
use crate::compat::error::{Plain, SeedError, Wording};
use crate::compat::schema::{JwtTokenErrors, SeedMessage};
use crate::compat::shared::{SeedJson, SeedLogin, bad_request, raw_text, reply, seed_login, text};
use crate::error::ApiError;
use crate::middleware::render_errors;
use crate::state::AppState;
use schema::{
    MemoParkContact, MemoParkLoginRequest, MemoParkProfile, MemoParkRegisterRequest, MemoParkToken,
};

mod current;
mod parking;
mod parking_schema;
mod photo;
mod schema;

const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 001 MemoPark";

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

    fn parking(err: ParkingError) -> ApiError {
        match err {
            ParkingError::NotFound("Landmark") => ApiError::not_found("Landmark not found for this event"),
            ParkingError::NotFound(_) => ApiError::not_found("Parking event not found"),
            ParkingError::ScoreExists => ApiError::conflict("A score for this event already exists"),
            other => Plain::parking(other),
        }
    }

    fn storage(err: StorageError) -> ApiError {
        err.into()
    }
}

type Answer = Result<Response, SeedError<Words>>;

/// The seed's routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    let mut all = vec![
        routes!(register),
        routes!(login),
        routes!(profile),
        routes!(logout),
    ];
    all.extend(parking::routes());
    all.extend(current::routes());
    all.extend(photo::routes());
    all
}

pub(crate) fn router() -> Router<AppState> {
    crate::api::router(routes()).route_layer(axum::middleware::from_fn_with_state(MEMOPARK, render_errors))
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

/// Creates an account (with an optional emergency contact) and signs it in.
#[utoipa::path(post, path = "/auth/register", tag = TAG, request_body = MemoParkRegisterRequest,
    responses(
        (status = 201, description = "Registered; a token for one day", body = MemoParkToken),
        (status = 400, description = "A field is missing or invalid, or the password is weak", body = SeedMessage),
        (status = 403, description = "Registration is closed", body = SeedMessage),
        (status = 409, description = "The email is taken", body = SeedMessage),
        (status = 429, description = "Too many registrations from this address", body = SeedMessage),
    ))]
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
    let token = MemoParkToken {
        access_token: outcome.access_token,
    };
    Ok(reply(StatusCode::CREATED, json!(token)))
}

/// Exchanges email and password for a token (one day).
#[utoipa::path(post, path = "/auth/login", tag = TAG, request_body = MemoParkLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = MemoParkToken),
        (status = 400, description = "Email or password missing", body = SeedMessage),
        (status = 401, description = "Invalid credentials", body = SeedMessage),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = SeedMessage),
    ))]
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
    let token = MemoParkToken {
        access_token: outcome.access_token,
    };
    Ok(reply(StatusCode::OK, json!(token)))
}

/// The signed-in user and their emergency contacts.
#[utoipa::path(get, path = "/auth/profile", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = MemoParkProfile),
        JwtTokenErrors,
        (status = 404, description = "The account no longer exists", body = SeedMessage),
    ))]
async fn profile(State(state): State<AppState>, AuthUser(p): AuthUser) -> Answer {
    let identity = state.identity();
    let user = identity.user(p.user_id).await?;
    let contacts = identity.contacts(p.user_id).await?;
    let profile = MemoParkProfile {
        user_id: user.id,
        user_name: user.display_name().to_owned(),
        user_email: user.email.clone(),
        emergency_contacts: contacts
            .into_iter()
            .map(|c| MemoParkContact {
                emergency_id: c.id,
                name: c.name,
                relation: c.relation,
                emergency_phone_number: c.phone,
                emergency_email: c.email,
                is_allow_alerts: c.allow_alerts,
            })
            .collect(),
    };
    Ok(reply(StatusCode::OK, json!(profile)))
}

/// Revokes the token the request was made with.
#[utoipa::path(post, path = "/auth/logout", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed out", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn logout(State(state): State<AppState>, AuthUser(p): AuthUser, Meta(meta): Meta) -> Answer {
    state.identity().logout(&p, &meta).await?;
    Ok(reply(
        StatusCode::OK,
        json!({"message": "Successfully logged out"}),
    ))
}
