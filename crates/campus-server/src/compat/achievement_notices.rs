//! Seed 003 notifications: `POST /api/notifications/send` (staff) and
//! `GET /api/notifications/{user_id}` (that user or an administrator), newest first.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use campus_domain::notifications::{Notification, NotificationError, Recipients};
use serde_json::{Value, json};

use super::envelopes::ACHIEVEMENT;
use super::shared::{SeedJson, bad_request, reply, text};
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::Path;
use crate::middleware::render_errors;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notifications/send", post(send))
        .route("/api/notifications/{user_id}", get(list))
        .route_layer(axum::middleware::from_fn_with_state(ACHIEVEMENT, render_errors))
}

fn notice(n: &Notification) -> Value {
    json!({
        "notification_id": n.id,
        "user_id": n.user_id,
        "message": n.message,
        "status": if n.read { "read" } else { "unread" },
        "sent_at": n.created_at.to_rfc3339(),
    })
}

fn seed_error(e: NotificationError) -> ApiError {
    match e {
        NotificationError::Invalid(issues) => bad_request(
            &issues
                .first()
                .map(|i| format!("{} {}", i.field, i.message))
                .unwrap_or_else(|| "Invalid input".to_owned()),
        ),
        NotificationError::NotFound => {
            ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "User not found")
        }
        NotificationError::Forbidden => ApiError::forbidden("Access denied"),
        NotificationError::Db(e) => ApiError::from(e),
    }
}

async fn send(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    let Some(message) = text(&body, "message") else {
        return Err(bad_request("message is required"));
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
        _ => return Err(bad_request("user_id or user_ids is required")),
    };
    let sent = state
        .notifications()
        .send(&who, Recipients::Users(ids), None, message, &meta)
        .await
        .map_err(seed_error)?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"message": "Notification sent", "notifications": sent.iter().map(notice).collect::<Vec<_>>()}),
    ))
}

async fn list(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(user_id): Path<i64>,
) -> Result<Response, ApiError> {
    let rows = state
        .notifications()
        .list_for(&who, user_id)
        .await
        .map_err(seed_error)?;
    Ok(reply(
        StatusCode::OK,
        Value::Array(rows.iter().map(notice).collect()),
    ))
}
