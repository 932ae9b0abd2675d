//! Seed 001's parking routes: `/parking`, `/parking/{id}`, landmarks, score, photo,
//! `/parking/latest-active` and `/scores`. Every event is the caller's own (another user's
//! is "Parking event not found"); photo links are signed afresh on every read, and a storage
//! failure shows as `photo_url: null`, never an error.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::parking::{EventUpdate, ManualScore, NewEvent, NewLandmark, ParkingType, Status};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::parking_schema::*;
use super::{Answer, TAG};
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::compat::schema::{JwtTokenErrors, SeedMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

pub(super) fn routes() -> crate::api::Routes {
    vec![
        routes!(create, list),
        routes!(detail, update, delete),
        routes!(add_landmarks),
        routes!(patch_landmark),
        routes!(score),
    ]
}

pub(super) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// The event id of a path; anything but an integer is no event.
pub(super) fn event_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("Parking event not found"))
}

/// A number, or its text.
fn number(body: &Value, key: &str) -> Result<Option<f64>, ()> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().ok_or(()).map(Some),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// An integer as Python's `int()` takes it: a number (truncated) or an integer's text.
fn integer(body: &Value, key: &str, message: &str) -> Result<Option<i64>, ApiError> {
    let bad = || bad_request(message);
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            None => n
                .as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                .map(|f| Some(f.trunc() as i64))
                .ok_or_else(bad),
        },
        Some(Value::String(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// Records where the caller parked.
#[utoipa::path(post, path = "/parking", tag = TAG, security(("bearer" = [])), request_body = ParkingCreateRequest,
    responses(
        (status = 201, description = "The event, `active`", body = ParkingCreated),
        (status = 400, description = "Coordinates missing or out of range, or a field invalid", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn create(State(state): State<AppState>, AuthUser(who): AuthUser, SeedJson(body): SeedJson) -> Answer {
    let coordinates = (
        number(&body, "parking_latitude"),
        number(&body, "parking_longitude"),
    );
    let (Ok(Some(latitude)), Ok(Some(longitude))) = coordinates else {
        return Err(bad_request("Latitude and longitude are required").into());
    };
    let parking_type = match text(&body, "parking_type") {
        None => ParkingType::Outside,
        Some(t) => ParkingType::parse(&t)
            .ok_or_else(|| bad_request("parking_type must be outside or inside_building"))?,
    };
    let input = NewEvent {
        latitude,
        longitude,
        location_name: text(&body, "parking_location_name"),
        address: text(&body, "parking_address"),
        notes: text(&body, "notes"),
        parking_type,
        level_floor: text(&body, "level_floor"),
        parking_slot: text(&body, "parking_slot"),
        photo_url: text(&body, "photo_url"),
        photo_key: text(&body, "photo_s3_key"),
    };
    let e = state.parking().create(&who, input).await?;
    let created = ParkingCreated {
        parking_events_id: e.id,
        user_id: e.user_id,
        parking_latitude: e.latitude,
        parking_longitude: e.longitude,
        parking_location_name: e.location_name,
        parking_address: e.address,
        notes: e.notes,
        parking_type: e.parking_type,
        level_floor: e.level_floor,
        parking_slot: e.parking_slot,
        photo_url: e.given_photo_url,
        photo_s3_key: e.photo_key,
        started_at: iso(e.started_at),
        ended_at: e.ended_at.map(iso),
        status: e.status,
    };
    Ok(reply(StatusCode::CREATED, json!(created)))
}

/// The caller's events, newest first.
#[utoipa::path(get, path = "/parking", tag = TAG, security(("bearer" = [])),
    responses((status = 200, description = "The caller's events", body = [ParkingSummary]), JwtTokenErrors))]
async fn list(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    let rows: Vec<ParkingSummary> = state
        .parking()
        .list(&who)
        .await?
        .into_iter()
        .map(|e| ParkingSummary {
            parking_events_id: e.id,
            parking_location_name: e.location_name,
            notes: e.notes,
            started_at: iso(e.started_at),
            status: e.status,
        })
        .collect();
    Ok(reply(StatusCode::OK, json!(rows)))
}

/// One event with its landmarks, score and a fresh photo link.
#[utoipa::path(get, path = "/parking/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The event", body = ParkingDetail),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn detail(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let d = state.parking().detail(&who, event_id(&id)?).await?;
    let photo_url = crate::files::event_photo_url(&state, &headers, &d.event).await;
    let e = d.event;
    let body = ParkingDetail {
        parking_events_id: e.id,
        user_id: e.user_id,
        parking_latitude: e.latitude,
        parking_longitude: e.longitude,
        parking_location_name: e.location_name,
        parking_address: e.address,
        notes: e.notes,
        parking_type: e.parking_type,
        level_floor: e.level_floor,
        parking_slot: e.parking_slot,
        photo_url,
        started_at: iso(e.started_at),
        ended_at: e.ended_at.map(iso),
        status: e.status,
        landmarks: d
            .landmarks
            .into_iter()
            .map(|l| LandmarkBrief {
                landmarks_id: l.id,
                location_name: l.location_name,
                is_achieved: l.is_achieved,
            })
            .collect(),
        score: d.score.map(|s| ScoreBrief {
            scores_id: s.id,
            task_score: s.task_score,
        }),
    };
    Ok(reply(StatusCode::OK, json!(body)))
}

/// Changes an event's status and trip metrics; arrival scores the trip once.
#[utoipa::path(put, path = "/parking/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ParkingUpdateRequest,
    responses(
        (status = 200, description = "Updated", body = SeedMessage),
        (status = 400, description = "A field has the wrong type, or the status is unknown", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn update(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = event_id(&id)?;
    let status = match body.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Status::parse(s.trim()).ok_or_else(|| {
            bad_request("Invalid status: use active, retrieving, retrieved, score_watched or expired")
        })?),
        Some(_) => {
            return Err(bad_request(
                "Invalid status: use active, retrieving, retrieved, score_watched or expired",
            )
            .into());
        }
    };
    let notes = match body.get("notes") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_request("Invalid format for notes").into()),
    };
    let update = EventUpdate {
        status,
        estimated_time: integer(&body, "estimated_time", "Invalid format for estimated_time")?,
        final_screen_time_ms: integer(&body, "finalScreenTime", "Invalid format for finalScreenTime")?,
        final_map_view_count: integer(&body, "finalMapViewCount", "Invalid format for finalMapViewCount")?,
        notes,
    };
    state.parking().update(&who, id, update).await?;
    Ok(reply(
        StatusCode::OK,
        json!({"message": format!("Event {id} updated successfully")}),
    ))
}

/// Deletes an event with its landmarks, score and photos.
#[utoipa::path(delete, path = "/parking/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn delete(State(state): State<AppState>, AuthUser(who): AuthUser, Path(id): Path<String>) -> Answer {
    let id = event_id(&id)?;
    let keys = state.parking().delete(&who, id).await?;
    crate::files::delete_blobs(&state, &keys).await;
    Ok(reply(
        StatusCode::OK,
        json!({"message": format!("Event {id} deleted successfully")}),
    ))
}

/// Adds landmarks (at most 100 per request, 500 per event).
#[utoipa::path(post, path = "/parking/{id}/landmarks", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = LandmarksRequest,
    responses(
        (status = 201, description = "Added", body = SeedMessage),
        (status = 400, description = "No `landmarks` array, too many, or a field invalid", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn add_landmarks(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = event_id(&id)?;
    let Some(items) = body.get("landmarks").and_then(Value::as_array) else {
        return Err(bad_request("Request body must contain a 'landmarks' array").into());
    };
    let mut landmarks = Vec::with_capacity(items.len().min(101));
    for item in items
        .iter()
        .take(campus_domain::parking::MAX_LANDMARKS_PER_REQUEST + 1)
    {
        let coordinate =
            |key| number(item, key).map_err(|()| bad_request(&format!("Invalid format for {key}")));
        landmarks.push(NewLandmark {
            location_name: text(item, "location_name"),
            latitude: coordinate("landmark_latitude")?,
            longitude: coordinate("landmark_longitude")?,
            distance_from_parking: coordinate("distance_from_parking")?,
        });
    }
    let added = state.parking().add_landmarks(&who, id, landmarks).await?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"message": format!("{added} landmarks added successfully to event {id}")}),
    ))
}

/// Marks a landmark reached (or not).
#[utoipa::path(patch, path = "/parking/{id}/landmarks/{lid}", tag = TAG, security(("bearer" = [])),
    params(("id" = i64, Path), ("lid" = i64, Path)), request_body = LandmarkPatchRequest,
    responses(
        (status = 200, description = "Updated (no key: unchanged)", body = LandmarkUpdated),
        (status = 400, description = "`is_achieved` is not a boolean", body = SeedMessage),
        (status = 404, description = "No such event of the caller's, or no such landmark on it", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn patch_landmark(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path((id, lid)): Path<(String, String)>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = event_id(&id)?;
    let lid: i64 = lid
        .parse()
        .map_err(|_| ApiError::not_found("Landmark not found for this event"))?;
    let achieved = match body.get("is_achieved") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(bad_request("Invalid data type for 'is_achieved', boolean expected").into()),
    };
    let l = state.parking().set_achieved(&who, id, lid, achieved).await?;
    let body = LandmarkUpdated {
        message: "Landmark updated successfully",
        landmarks_id: l.id,
        is_achieved: l.is_achieved,
    };
    Ok(reply(StatusCode::OK, json!(body)))
}

/// Stores a score the app computed (one per event).
#[utoipa::path(post, path = "/parking/{id}/score", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ManualScoreRequest,
    responses(
        (status = 201, description = "Stored", body = ScoreCreated),
        (status = 400, description = "No body, or a value out of range", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        (status = 409, description = "The event has a score", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn score(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = event_id(&id)?;
    if body.as_object().is_none_or(serde_json::Map::is_empty) {
        return Err(bad_request("Request body is required").into());
    }
    let float = |key: &str| {
        number(&body, key)
            .map(|v| v.unwrap_or(0.0))
            .map_err(|()| bad_request(&format!("Invalid format for {key}")))
    };
    let int = |key: &str| integer(&body, key, &format!("Invalid format for {key}")).map(|v| v.unwrap_or(0));
    let input = ManualScore {
        time_factor: float("time_factor")?,
        landmark_factor: float("landmark_factor")?,
        path_performance: float("path_performance")?,
        assistance_points: int("assistance_points")?,
        no_of_landmarks: int("no_of_landmarks")?,
        landmarks_recalled: int("landmarks_recalled")?,
        task_score: float("task_score")?,
    };
    let s = state.parking().manual_score(&who, id, input).await?;
    let body = ScoreCreated {
        scores_id: s.id,
        parking_events_id: s.event_id,
        task_score: s.task_score,
    };
    Ok(reply(StatusCode::CREATED, json!(body)))
}
