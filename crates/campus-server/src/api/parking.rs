//! `/api/v1/parking-events`: the caller's own parking events (seed 001's data on the
//! canonical surface): cursor-paginated list, create, read with landmarks, score and a fresh
//! photo link, status and trip changes, delete, landmarks, the current event, and
//! `/api/v1/me/scores` with a trend. Someone else's event is 404.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use campus_domain::parking::{EventUpdate, NewEvent, NewLandmark, ParkingType, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{PageMeta, page_request};
use super::parking_photos;
pub(crate) use super::parking_views::{
    LandmarkView, ParkingEventDetail, ParkingEventView, ScoreView, detail_view,
};
use super::{Routes, with_layer};
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list, create),
        routes!(latest_active),
        routes!(read, change, remove),
        routes!(add_landmarks),
        routes!(mark_landmark),
        with_layer(routes!(parking_photos::event_photo), DefaultBodyLimit::disable()),
        with_layer(
            routes!(parking_photos::landmark_photo),
            DefaultBodyLimit::disable(),
        ),
        routes!(my_scores),
        routes!(parking_photos::admin_list),
        routes!(parking_photos::upload_link),
        routes!(parking_photos::confirm_upload),
    ]
}

pub(crate) fn invalid(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }])
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// 1 to 200 (default 50).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingEventPage {
    pub events: Vec<ParkingEventView>,
    pub meta: PageMeta,
}

/// The caller's events, newest first.
#[utoipa::path(get, path = "/api/v1/parking-events", tag = "parking", security(("bearer" = [])),
    params(EventsQuery), responses((status = 200, body = ParkingEventPage)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<EventsQuery>,
) -> Result<Json<ParkingEventPage>, ApiError> {
    let page = state
        .parking()
        .page(&who, page_request(q.limit, q.cursor.as_deref())?)
        .await?;
    Ok(Json(ParkingEventPage {
        meta: PageMeta::of(&page),
        events: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParkingEvent {
    /// -90 to 90.
    pub latitude: f64,
    /// -180 to 180.
    pub longitude: f64,
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    /// `outside` (default) or `inside_building`.
    pub parking_type: Option<String>,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
}

/// Records where the caller parked; the event starts `active`.
#[utoipa::path(post, path = "/api/v1/parking-events", tag = "parking", security(("bearer" = [])),
    request_body = NewParkingEvent, responses((status = 201, body = ParkingEventView)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Json(b): Json<NewParkingEvent>,
) -> Result<(StatusCode, Json<ParkingEventView>), ApiError> {
    let parking_type = match b.parking_type.as_deref() {
        None => ParkingType::Outside,
        Some(t) => ParkingType::parse(t.trim()).ok_or_else(|| {
            invalid(
                "parking_type",
                "invalid_choice",
                "must be outside or inside_building",
            )
        })?,
    };
    let input = NewEvent {
        latitude: b.latitude,
        longitude: b.longitude,
        location_name: b.location_name,
        address: b.address,
        notes: b.notes,
        parking_type,
        level_floor: b.level_floor,
        parking_slot: b.parking_slot,
        photo_url: None,
        photo_key: None,
    };
    let event = state.parking().create(&who, input).await?;
    Ok((StatusCode::CREATED, Json(event.into())))
}

/// The caller's current event (active or being retrieved), or `{"event": null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestParkingEvent {
    pub event: Option<ParkingEventDetail>,
}

#[utoipa::path(get, path = "/api/v1/parking-events/latest-active", tag = "parking", security(("bearer" = [])),
    responses((status = 200, body = LatestParkingEvent)))]
pub async fn latest_active(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
) -> Result<Json<LatestParkingEvent>, ApiError> {
    let event = match state.parking().latest_active(&who).await? {
        Some(d) => Some(detail_view(&state, &headers, d).await),
        None => None,
    };
    Ok(Json(LatestParkingEvent { event }))
}

/// One of the caller's events with landmarks, score and a fresh photo link.
#[utoipa::path(get, path = "/api/v1/parking-events/{id}", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ParkingEventDetail)))]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<ParkingEventDetail>, ApiError> {
    let d = state.parking().detail(&who, id).await?;
    Ok(Json(detail_view(&state, &headers, d).await))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParkingEventChange {
    /// active, retrieving ("find my car"), retrieved (arrival: scored once), score_watched,
    /// expired (abandoned).
    pub status: Option<String>,
    pub estimated_time_secs: Option<i64>,
    pub final_screen_time_ms: Option<i64>,
    pub final_map_view_count: Option<i64>,
    pub notes: Option<String>,
}

/// Changes status and trip metrics with the seed's side effects.
#[utoipa::path(patch, path = "/api/v1/parking-events/{id}", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ParkingEventChange, responses((status = 200, body = ParkingEventDetail)))]
pub async fn change(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(b): Json<ParkingEventChange>,
) -> Result<Json<ParkingEventDetail>, ApiError> {
    let status = match b.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s.trim()).ok_or_else(|| {
            invalid(
                "status",
                "invalid_choice",
                "must be active, retrieving, retrieved, score_watched or expired",
            )
        })?),
    };
    let update = EventUpdate {
        status,
        estimated_time: b.estimated_time_secs,
        final_screen_time_ms: b.final_screen_time_ms,
        final_map_view_count: b.final_map_view_count,
        notes: b.notes,
    };
    let parking = state.parking();
    parking.update(&who, id, update).await?;
    let d = parking.detail(&who, id).await?;
    Ok(Json(detail_view(&state, &headers, d).await))
}

/// Deletes one of the caller's events with its landmarks, score and photos.
#[utoipa::path(delete, path = "/api/v1/parking-events/{id}", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204, description = "Deleted")))]
pub async fn remove(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let keys = state.parking().delete(&who, id).await?;
    crate::files::delete_blobs(&state, &keys).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLandmarkBody {
    pub location_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub distance_from_parking: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LandmarksBody {
    /// At most 100 per request; an event holds at most 500.
    pub landmarks: Vec<NewLandmarkBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LandmarksAdded {
    pub added: usize,
}

/// Adds landmarks to one of the caller's events, all or none.
#[utoipa::path(post, path = "/api/v1/parking-events/{id}/landmarks", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = LandmarksBody, responses((status = 201, body = LandmarksAdded)))]
pub async fn add_landmarks(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Json(b): Json<LandmarksBody>,
) -> Result<(StatusCode, Json<LandmarksAdded>), ApiError> {
    let landmarks = b
        .landmarks
        .into_iter()
        .map(|l| NewLandmark {
            location_name: l.location_name,
            latitude: l.latitude,
            longitude: l.longitude,
            distance_from_parking: l.distance_from_parking,
        })
        .collect();
    let added = state.parking().add_landmarks(&who, id, landmarks).await?;
    Ok((StatusCode::CREATED, Json(LandmarksAdded { added })))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LandmarkChange {
    pub is_achieved: bool,
}

/// Marks a landmark reached (or not).
#[utoipa::path(patch, path = "/api/v1/parking-events/{id}/landmarks/{landmark_id}", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path), ("landmark_id" = i64, Path)), request_body = LandmarkChange,
    responses((status = 200, body = LandmarkView)))]
pub async fn mark_landmark(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path((id, landmark_id)): Path<(i64, i64)>,
    Json(b): Json<LandmarkChange>,
) -> Result<Json<LandmarkView>, ApiError> {
    let l = state
        .parking()
        .set_achieved(&who, id, landmark_id, Some(b.is_achieved))
        .await?;
    Ok(Json(l.into()))
}

/// One point of the score trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorePoint {
    pub event_id: i64,
    pub started_at: DateTime<Utc>,
    pub task_score: f64,
    /// The mean of this score and up to two before it (oldest first), two decimals.
    pub moving_average: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyScores {
    /// Watched scores, newest first.
    pub scores: Vec<ScoreView>,
    /// The same scores oldest first, with a 3-point moving average.
    pub trend: Vec<ScorePoint>,
}

/// The caller's watched scores and their trend.
#[utoipa::path(get, path = "/api/v1/me/scores", tag = "parking", security(("bearer" = [])),
    responses((status = 200, body = MyScores)))]
pub async fn my_scores(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<MyScores>, ApiError> {
    let rows = state.parking().scores(&who).await?;
    let mut oldest_first: Vec<(i64, DateTime<Utc>, f64)> = rows
        .iter()
        .map(|r| (r.event.id, r.event.started_at, r.score.task_score))
        .collect();
    oldest_first.sort_by_key(|(id, started, _)| (*started, *id));
    let trend = oldest_first
        .iter()
        .enumerate()
        .map(|(i, (event_id, started_at, task_score))| {
            let window = &oldest_first[i.saturating_sub(2)..=i];
            let mean = window.iter().map(|(_, _, s)| s).sum::<f64>() / window.len() as f64;
            ScorePoint {
                event_id: *event_id,
                started_at: *started_at,
                task_score: *task_score,
                moving_average: (mean * 100.0).round() / 100.0,
            }
        })
        .collect();
    Ok(Json(MyScores {
        scores: rows.into_iter().map(|r| r.score.into()).collect(),
        trend,
    }))
}
