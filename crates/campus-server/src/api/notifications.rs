//! `/api/v1/me/notifications` (the caller's own) and `/api/v1/notifications` (staff send).

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::Role;
use campus_domain::notifications::{Notification, Recipients};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, page_request};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_mine),
        routes!(read_all),
        routes!(read_one),
        routes!(send),
    ]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only unread ones.
    #[serde(default)]
    pub unread: bool,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<Notification>,
    pub meta: PageMeta,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", security(("bearer" = [])), params(NotificationQuery),
    responses((status = 200, body = NotificationList)))]
pub async fn list_mine(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<NotificationList>, ApiError> {
    let page = state
        .notifications()
        .list(&who, q.unread, page_request(q.limit, q.cursor.as_deref())?)
        .await?;
    Ok(Json(NotificationList {
        meta: PageMeta::of(&page),
        notifications: page.items,
    }))
}

#[utoipa::path(post, path = "/api/v1/me/notifications/{id}/read", tag = "me", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Notification), (status = 404, description = "Not one of yours")))]
pub async fn read_one(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<Notification>, ApiError> {
    Ok(Json(state.notifications().mark_read(&who, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllResponse {
    pub marked_read: u64,
}

#[utoipa::path(post, path = "/api/v1/me/notifications/read-all", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = ReadAllResponse)))]
pub async fn read_all(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<ReadAllResponse>, ApiError> {
    let marked_read = state.notifications().mark_all_read(&who).await?;
    Ok(Json(ReadAllResponse { marked_read }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// One user ...
    pub user_id: Option<i64>,
    /// ... a list of users ...
    pub user_ids: Option<Vec<i64>>,
    /// ... or every active user of a role.
    pub role: Option<String>,
    pub message: String,
    /// Default GENERAL.
    pub kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SendResponse {
    pub sent: usize,
    pub notifications: Vec<Notification>,
}

/// Staff (admin, teacher, finance) send a notification.
#[utoipa::path(post, path = "/api/v1/notifications", tag = "users", security(("bearer" = [])), request_body = SendRequest,
    responses((status = 201, body = SendResponse), (status = 404, description = "Unknown user")))]
pub async fn send(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<SendRequest>,
) -> Result<(StatusCode, Json<SendResponse>), ApiError> {
    let to = recipients(b.user_id, b.user_ids, b.role.as_deref())?;
    let notifications = state
        .notifications()
        .send(&who, to, b.kind, b.message, &meta)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SendResponse {
            sent: notifications.len(),
            notifications,
        }),
    ))
}

/// Exactly one of `user_id`, `user_ids`, `role`.
pub(crate) fn recipients(
    user_id: Option<i64>,
    user_ids: Option<Vec<i64>>,
    role: Option<&str>,
) -> Result<Recipients, ApiError> {
    let bad = || ApiError::bad_request("Give exactly one of user_id, user_ids or role.");
    match (user_id, user_ids, role) {
        (Some(id), None, None) => Ok(Recipients::Users(vec![id])),
        (None, Some(ids), None) => Ok(Recipients::Users(ids)),
        (None, None, Some(r)) => Role::parse(r).map(Recipients::Role).ok_or_else(|| {
            ApiError::bad_request("role must be one of: admin, teacher, finance, student, parent, user")
        }),
        _ => Err(bad()),
    }
}
