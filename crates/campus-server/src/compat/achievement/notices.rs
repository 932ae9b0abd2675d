//! Seed 003 notifications: `POST /api/notifications/send` (staff) and
//! `GET /api/notifications/{user_id}` (that user or an administrator), newest first.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use campus_domain::notifications::{Notification, Recipients};
use serde_json::{Value, json};

use super::Answer;
use crate::auth::{AuthUser, Meta};
use crate::compat::envelopes::ACHIEVEMENT;
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::extract::Path;
use crate::middleware::render_errors;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
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
        json!({"message": "Notification sent", "notifications": sent.iter().map(notice).collect::<Vec<_>>()}),
    ))
}

async fn list(State(state): State<AppState>, AuthUser(who): AuthUser, Path(user_id): Path<i64>) -> Answer {
    let rows = state.notifications().list_for(&who, user_id).await?;
    Ok(reply(
        StatusCode::OK,
        Value::Array(rows.iter().map(notice).collect()),
    ))
}
