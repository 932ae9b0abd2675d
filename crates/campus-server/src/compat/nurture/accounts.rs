//! Seed 000 Nurture Dreams accounts: `POST /signup`, `POST /login`. The seed's
//! `success`/`message` body is kept, with real status codes (201, 400, 401, 409).
//! `/login` also returns an `access_token` (one hour) for the endpoints that now need one.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::identity::{Identity, IdentityError, Registration};
use serde_json::json;

use super::schema::{NurtureAccount, NurtureAccountError, NurtureLoginRequest, NurtureSignupRequest};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::Meta;
use crate::compat::envelopes::NURTURE_ACCOUNTS;
use crate::compat::error::{Plain, SeedError, Wording};
use crate::compat::shared::{SeedJson, SeedLogin, bad_request, raw_text, reply, seed_login, text};
use crate::error::ApiError;
use crate::middleware::render_errors;
use crate::state::AppState;

const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// Seed 000's words: one sentence for a taken username or email.
struct Words;

impl Wording for Words {
    fn identity(err: IdentityError) -> ApiError {
        match err {
            IdentityError::UsernameTaken | IdentityError::EmailTaken => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "Username or email already exists",
            ),
            other => Plain::identity(other),
        }
    }
}

type Answer<T = Response> = Result<T, SeedError<Words>>;

/// The accounts routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![routes!(signup), routes!(login)]
}

pub(crate) fn router() -> Router<AppState> {
    crate::api::router(routes()).route_layer(axum::middleware::from_fn_with_state(
        NURTURE_ACCOUNTS,
        render_errors,
    ))
}

/// The seed collected no username; derive one from the email's local part, unique.
async fn derive_username(identity: &Identity, email: &str) -> Answer<Option<String>> {
    let local: String = email
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(140)
        .collect();
    if local.is_empty() {
        return Ok(None);
    }
    for n in 1..=50 {
        let candidate = if n == 1 {
            local.clone()
        } else {
            format!("{local}{n}")
        };
        let taken = identity.find_by_identifier(&candidate).await?.is_some();
        if !taken {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Creates an account.
#[utoipa::path(post, path = "/signup", tag = super::TAG, request_body = NurtureSignupRequest,
    responses(
        (status = 201, description = "Registered", body = NurtureAccount),
        (status = 400, description = "A field is missing or invalid, or the password is weak", body = NurtureAccountError),
        (status = 403, description = "Registration is closed", body = NurtureAccountError),
        (status = 409, description = "Username or email taken", body = NurtureAccountError),
        (status = 429, description = "Too many registrations from this address", body = NurtureAccountError),
    ))]
async fn signup(State(state): State<AppState>, Meta(meta): Meta, SeedJson(body): SeedJson) -> Answer {
    let name = text(&body, "full_name").or_else(|| text(&body, "name"));
    let (Some(name), Some(email), Some(password)) = (name, text(&body, "email"), raw_text(&body, "password"))
    else {
        return Err(bad_request("All fields are required").into());
    };
    let identity = state.identity();
    let username = match text(&body, "username") {
        Some(u) => Some(u),
        None => derive_username(identity, &email).await?,
    };
    let registration = Registration {
        username,
        email: Some(email),
        name,
        password,
        ..Registration::default()
    };
    let user = identity.register_public(registration, None, &meta).await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(NurtureAccount {
            success: true,
            message: "User registered successfully",
            user_id: user.id,
            username: Some(user.username.clone()),
            access_token: None,
        }),
    ))
}

/// Signs in with email or username; the token (one hour) opens the staff-only data endpoints.
#[utoipa::path(post, path = "/login", tag = super::TAG, request_body = NurtureLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = NurtureAccount),
        (status = 400, description = "Username and password required", body = NurtureAccountError),
        (status = 401, description = "Invalid username or password", body = NurtureAccountError),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = NurtureAccountError),
    ))]
async fn login(State(state): State<AppState>, Meta(meta): Meta, SeedJson(body): SeedJson) -> Answer {
    let outcome = seed_login(
        &state,
        &meta,
        &body,
        SeedLogin {
            identifier_keys: &["email", "username"],
            password_key: "password",
            missing: "Username and password required",
            invalid: "Invalid username or password",
            ttl: TOKEN_TTL,
        },
    )
    .await?;
    // The seed logs the sign-in as the user's current activity.
    state
        .usage()
        .start_login(outcome.user.id, campus_domain::usage::Source::Seed000)
        .await
        .map_err(ApiError::from)?;
    Ok(reply(
        StatusCode::OK,
        json!(NurtureAccount {
            success: true,
            message: "Login successful",
            user_id: outcome.user.id,
            username: None,
            access_token: Some(outcome.access_token.clone()),
        }),
    ))
}
