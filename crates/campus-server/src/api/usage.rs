//! `/api/v1/usage`: usage tracking (seed 000's activity log on the canonical surface). Start
//! an entry (closing the open one), heartbeat it, stop it; the current entry with its time so
//! far; a cursor-paginated list. Summaries and exports are in `usage_reports`.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::usage::{Entry, EntryFilter, NewEntry, Source};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, page_request};
use super::usage_reports;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list, start),
        routes!(current),
        routes!(heartbeat),
        routes!(stop_current),
        routes!(stop),
        routes!(usage_reports::summary),
        routes!(usage_reports::export),
    ]
}

/// A usage entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageEntryView {
    pub id: i64,
    pub user_id: i64,
    pub action: String,
    pub details: Option<String>,
    /// v1, seed000 or web.
    pub source: String,
    pub started_at: DateTime<Utc>,
    /// The start or the latest heartbeat.
    pub last_seen_at: DateTime<Utc>,
    /// `null` while open.
    pub ended_at: Option<DateTime<Utc>>,
    /// stopped, replaced, idle or logout.
    pub end_reason: Option<String>,
    /// Seconds (two decimals); `null` while open.
    pub duration_sec: Option<f64>,
    pub heartbeats: i32,
}

impl From<Entry> for UsageEntryView {
    fn from(e: Entry) -> Self {
        Self {
            duration_sec: e.duration_sec(),
            id: e.id,
            user_id: e.user_id,
            action: e.action,
            details: e.details,
            source: e.source,
            started_at: e.started_at,
            last_seen_at: e.last_seen_at,
            ended_at: e.ended_at,
            end_reason: e.end_reason,
            heartbeats: e.heartbeats,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartUsage {
    /// 1 to 200 characters (trimmed).
    pub action: String,
    /// At most 2 KiB.
    pub details: Option<String>,
    /// Whose usage (staff only; default: the caller's).
    pub user_id: Option<i64>,
}

/// Starts an entry; the user's open entry, if any, ends (`replaced`).
#[utoipa::path(post, path = "/api/v1/usage", tag = "usage", security(("bearer" = [])),
    request_body = StartUsage,
    responses((status = 201, body = UsageEntryView), (status = 403, description = "Someone else's usage, not staff"),
        (status = 404, description = "No such user"), (status = 422, description = "Invalid action or details")))]
pub async fn start(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Json(b): Json<StartUsage>,
) -> Result<(StatusCode, Json<UsageEntryView>), ApiError> {
    let entry = NewEntry {
        action: b.action,
        details: b.details,
        source: Source::V1,
    };
    let user_id = b.user_id.unwrap_or(who.user_id);
    let started = state.usage().start(&who, user_id, entry).await?;
    Ok((StatusCode::CREATED, Json(started.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CurrentQuery {
    /// Whose (default: the caller's).
    pub user_id: Option<i64>,
}

/// The open entry and its seconds so far, or `{"entry": null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentUsage {
    pub entry: Option<UsageEntryView>,
    /// Seconds since the open entry started (two decimals); `null` when none is open.
    pub so_far_sec: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/usage/current", tag = "usage", security(("bearer" = [])),
    params(CurrentQuery), responses((status = 200, body = CurrentUsage), (status = 403, description = "Not yours to see")))]
pub async fn current(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<CurrentQuery>,
) -> Result<Json<CurrentUsage>, ApiError> {
    let usage = state.usage();
    let entry = usage.current(&who, q.user_id.unwrap_or(who.user_id)).await?;
    let so_far_sec = entry.as_ref().map(|e| e.duration_so_far(usage.now()));
    Ok(Json(CurrentUsage {
        entry: entry.map(Into::into),
        so_far_sec,
    }))
}

/// A sign of life for the caller's open entry (an entry without one for
/// `tracking.idle_timeout_secs` is closed).
#[utoipa::path(post, path = "/api/v1/usage/current/heartbeat", tag = "usage", security(("bearer" = [])),
    responses((status = 200, body = UsageEntryView), (status = 404, description = "Nothing open")))]
pub async fn heartbeat(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<UsageEntryView>, ApiError> {
    Ok(Json(state.usage().heartbeat(&who).await?.into()))
}

/// Stops the caller's open entry.
#[utoipa::path(post, path = "/api/v1/usage/current/stop", tag = "usage", security(("bearer" = [])),
    responses((status = 200, body = UsageEntryView), (status = 404, description = "Nothing open")))]
pub async fn stop_current(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<UsageEntryView>, ApiError> {
    let stopped = state.usage().stop_current(&who, who.user_id, None).await?;
    let last = stopped
        .into_iter()
        .last()
        .ok_or_else(|| ApiError::not_found("No such open usage entry."))?;
    Ok(Json(last.into()))
}

/// Stops an entry (one's own, or anyone's for staff); an ended entry is returned unchanged.
#[utoipa::path(post, path = "/api/v1/usage/{id}/stop", tag = "usage", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = UsageEntryView), (status = 404, description = "No such entry of yours")))]
pub async fn stop(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<UsageEntryView>, ApiError> {
    Ok(Json(state.usage().stop(&who, id).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageListQuery {
    /// Whose (staff: anyone's, default everyone's; parents: a linked child's; default: own).
    pub user_id: Option<i64>,
    /// Entries started at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries started before this instant.
    pub to: Option<DateTime<Utc>>,
    pub action: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsagePage {
    pub entries: Vec<UsageEntryView>,
    pub meta: PageMeta,
}

/// Usage entries in id order.
#[utoipa::path(get, path = "/api/v1/usage", tag = "usage", security(("bearer" = [])),
    params(UsageListQuery), responses((status = 200, body = UsagePage), (status = 403, description = "Not yours to see"),
        (status = 422, description = "from after to")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Query(q): Query<UsageListQuery>,
) -> Result<Json<UsagePage>, ApiError> {
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(super::parking::invalid(
            "from",
            "out_of_range",
            "must not be after to",
        ));
    }
    let filter = EntryFilter {
        user_id: q.user_id,
        from: q.from,
        to: q.to,
        action: q.action.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()),
    };
    let page = state
        .usage()
        .list(&who, &filter, page_request(q.limit, q.cursor.as_deref())?, &meta)
        .await?;
    Ok(Json(UsagePage {
        meta: PageMeta::of(&page),
        entries: page.items.into_iter().map(Into::into).collect(),
    }))
}
