//! Seed 003 notifications: `POST /api/notifications/send` (staff) and
//! `GET /api/notifications/{user_id}` (that user or an administrator), newest first.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::notifications::{Notification, Recipients};
use serde_json::{Value, json};

use super::schema::{AchievementNotification, AchievementSendRequest, AchievementSent};
use super::{Answer, TAG};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::{BearerErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::extract::Path;
use crate::state::AppState;

/// The notification routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![routes!(send), routes!(list)]
}

fn notice(n: &Notification) -> AchievementNotification {
    AchievementNotification {
        notification_id: n.id,
        user_id: n.user_id,
        message: n.message.clone(),
        status: if n.read { "read" } else { "unread" },
        sent_at: n.created_at.to_rfc3339(),
    }
}

/// Sends a message to one user or several (staff).
#[utoipa::path(post, path = "/api/notifications/send", tag = TAG, security(("bearer" = [])),
    request_body = AchievementSendRequest,
    responses(
        (status = 201, description = "Sent", body = AchievementSent),
        (status = 400, description = "Message or recipients missing or invalid", body = SeedErrorMessage),
        (status = 404, description = "A recipient does not exist", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn send(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    let Some(message) = text(&body, "message") else {
        return Err(bad_request("message is required").into());
    };
    let ids: Vec<i64> = match (body.get("user_id"), body.get("user_ids")) {
        (Some(id), None) => vec![
            id.as_i64()
                .ok_or_else(|| bad_request("user_id must be an integer"))?,
        ],
        (None, Some(Value::Array(ids))) => ids
            .iter()
            .map(|v| v.as_i64().ok_or_else(|| bad_request("user_ids must be integers")))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad_request("user_id or user_ids is required").into()),
    };
    let sent = state
        .notifications()
        .send(&who, Recipients::Users(ids), None, message, &meta)
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(AchievementSent {
            message: "Notification sent",
            notifications: sent.iter().map(notice).collect(),
        }),
    ))
}

/// A user's notifications, newest first: that user, or an administrator.
#[utoipa::path(get, path = "/api/notifications/{user_id}", tag = TAG, security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses(
        (status = 200, description = "The notifications (at most 1,000)", body = [AchievementNotification]),
        (status = 400, description = "The id is not a number", body = SeedErrorMessage),
        (status = 404, description = "No such user", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Another user's, and not an administrator", body = SeedErrorMessage),
    ))]
async fn list(State(state): State<AppState>, AuthUser(who): AuthUser, Path(user_id): Path<i64>) -> Answer {
    let rows = state.notifications().list_for(&who, user_id).await?;
    Ok(reply(
        StatusCode::OK,
        json!(rows.iter().map(notice).collect::<Vec<_>>()),
    ))
}
