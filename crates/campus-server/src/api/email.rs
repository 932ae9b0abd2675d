//! Email on `/api/v1`: password reset by email (request and confirm), the caller's
//! notification preferences, and the outbox for administrators (dead messages, retry).

use crate::api::routing::routes;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::mail::{OutboxMessage, Preference};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use crate::auth::{Admins, AuthUser, Meta, RequireRole};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes() -> Routes {
    vec![
        routes!(request_reset),
        routes!(confirm_reset),
        routes!(get_preferences, set_preferences),
        routes!(list_outbox),
        routes!(retry_message),
    ]
}

/// Where reset links point: `email.public_url`, else the configured listen address — never
/// the request's `Host` header (a client could make the victim's email link to its own site
/// and collect the token).
pub(crate) fn reset_link_base(state: &AppState) -> String {
    let base = match &state.settings().email.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => crate::reports::configured_base(state.settings()),
    };
    format!("{base}/reset-password/confirm?token=")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetAccepted {
    pub message: &'static str,
}

/// The answer to every well-formed reset request, whether or not the address has an account.
pub(crate) const RESET_SENT: &str = "If that address belongs to an account, a link to choose a new password is on its way. It works once, for 30 minutes.";

/// Emails a single-use link (30 minutes) to choose a new password. The answer is the same
/// whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = ResetAccepted), (status = 422, description = "Not an email address"),
        (status = 429, description = "Too many requests from this address")))]
pub async fn request_reset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<ResetRequest>,
) -> Result<(StatusCode, Json<ResetAccepted>), ApiError> {
    let base = reset_link_base(&state);
    state
        .identity()
        .request_password_reset(&body.email, &base, &meta)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ResetAccepted { message: RESET_SENT })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub password: String,
}

/// Sets a new password with the emailed token; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "The password is changed"),
        (status = 422, description = "The token was used, expired or mistyped, or the password is too weak")))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    state
        .identity()
        .reset_password(&body.token, body.password, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How each topic reaches the caller by email (`off`, `instant`, `digest`); in-app
/// notifications always arrive.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [Preference])))]
pub async fn get_preferences(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<Vec<Preference>>, ApiError> {
    Ok(Json(state.mail().preferences(&who).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceChange {
    /// notices, payment_received, absence, low_grade, report_card or dues_overdue.
    pub topic: String,
    /// off, instant or digest.
    pub channel: String,
}

/// Changes some topics' channels; answers every topic's.
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "me", security(("bearer" = [])),
    request_body = [PreferenceChange], responses((status = 200, body = [Preference]),
        (status = 422, description = "Unknown topic or channel")))]
pub async fn set_preferences(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(body): Json<Vec<PreferenceChange>>,
) -> Result<Json<Vec<Preference>>, ApiError> {
    if body.len() > 20 {
        return Err(ApiError::from(vec![campus_domain::validation::FieldIssue::new(
            "topic",
            "too_many",
            "give at most 20 changes",
        )]));
    }
    let changes: Vec<(String, String)> = body.into_iter().map(|c| (c.topic, c.channel)).collect();
    Ok(Json(state.mail().set_preferences(&who, &changes, &meta).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// dead (default), queued, sending, sent, held or digested.
    pub status: Option<String>,
}

/// Outbox messages by status, newest first (at most 500): dead ones are what failed for good.
#[utoipa::path(get, path = "/api/v1/admin/email/outbox", tag = "users", security(("bearer" = [])),
    params(OutboxQuery), responses((status = 200, body = [OutboxMessage])))]
pub async fn list_outbox(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    Ok(Json(state.mail().outbox(&admin, q.status.as_deref()).await?))
}

/// Puts a dead message back in the queue.
#[utoipa::path(post, path = "/api/v1/admin/email/outbox/{id}/retry", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204, description = "Queued again"), (status = 404, description = "No such dead message")))]
pub async fn retry_message(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.mail().retry(&admin, id, state.clock().now(), &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
