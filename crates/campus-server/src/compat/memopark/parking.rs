//! Seed 001's parking routes: `/parking`, `/parking/{id}`, landmarks, score, photo,
//! `/parking/latest-active` and `/scores`. Every event is the caller's own (another user's
//! is "Parking event not found"); photo links are signed afresh on every read, and a storage
//! failure shows as `photo_url: null`, never an error.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use campus_domain::parking::{
    EventDetail, EventUpdate, ManualScore, NewEvent, NewLandmark, ParkingType, Status,
};
use campus_storage::{BlobKey, photo};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::parking_schema::*;
use super::{Answer, TAG};
use crate::api::with_layer;
use crate::auth::AuthUser;
use crate::compat::schema::{JwtTokenErrors, SeedMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;
use utoipa_axum::routes;

pub(super) fn routes() -> crate::api::Routes {
    vec![
        routes!(create, list),
        routes!(latest_active),
        routes!(detail, update, delete),
        routes!(add_landmarks),
        routes!(patch_landmark),
        routes!(score),
        with_layer(routes!(upload_photo), DefaultBodyLimit::disable()),
        routes!(scores),
    ]
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// The event id of a path; anything but an integer is no event.
fn event_id(raw: &str) -> Result<i64, ApiError> {
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
    let photo_url = match d.event.photo_key.as_deref() {
        Some(key) => {
            crate::files::photo_link(&state, &headers, Some(key), d.event.photo_content_type.as_deref()).await
        }
        None => d.event.given_photo_url.clone(),
    };
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

/// Uploads the event's photo (multipart field `photo`). Its type comes from its bytes; JPEG
/// metadata (GPS position, camera) is stripped unless `storage.keep_photo_metadata`.
#[utoipa::path(post, path = "/parking/{id}/photo", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Stored", body = PhotoStored),
        (status = 400, description = "No `photo` field, no file name, or a damaged file", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        (status = 413, description = "Larger than `storage.max_photo_bytes`", body = SeedMessage),
        (status = 415, description = "Not a JPEG, PNG, WebP or HEIC image", body = SeedMessage),
        (status = 503, description = "File storage is unavailable", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn upload_photo(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Answer {
    let no_photo = || bad_request("No photo file found in the request");
    let field = loop {
        match form.next_field().await {
            Ok(Some(f)) if f.name() == Some("photo") => break f,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err(no_photo().into()),
        }
    };
    let file_name = field.file_name().map(str::trim).unwrap_or_default().to_owned();
    if file_name.is_empty() {
        return Err(bad_request("No selected file").into());
    }
    let id = event_id(&id)?;
    let parking = state.parking();
    parking.check_photo_target(&who, id).await?;
    let bytes = campus_storage::read_limited(field, state.settings().storage.max_photo_bytes).await?;
    let content_type = photo::photo_type(&bytes)?;
    let bytes = if state.settings().storage.keep_photo_metadata {
        bytes
    } else {
        photo::strip_metadata(content_type, bytes)?
    };
    let unix = state.clock().now().timestamp();
    let name = campus_storage::sanitize_file_name(&file_name);
    let key = BlobKey::parse(&format!("user_{}/parking_{unix}_{name}", who.user_id))?;
    state.storage().put(&key, content_type, bytes).await?;
    match parking.set_photo(&who, id, key.as_str(), content_type).await {
        Ok(Some(old)) => {
            if let Ok(old) = BlobKey::parse(&old)
                && let Err(e) = state.storage().delete(&old).await
            {
                tracing::warn!(error = %e, key = old.as_str(), "a replaced photo stays in storage");
            }
        }
        Ok(None) => {}
        Err(e) => {
            // The event went away meanwhile: keep no orphan.
            let _ = state.storage().delete(&key).await;
            return Err(e.into());
        }
    }
    let body = PhotoStored {
        message: "Photo uploaded successfully",
        s3_key: key.as_str().to_owned(),
    };
    Ok(reply(StatusCode::OK, json!(body)))
}

/// The caller's current event (active or being retrieved), with everything the app's
/// "find my car" and score screens need; `{}` when there is none.
#[utoipa::path(get, path = "/parking/latest-active", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "The current event, or `{}`", body = LatestActive),
        JwtTokenErrors,
    ))]
async fn latest_active(State(state): State<AppState>, AuthUser(who): AuthUser, headers: HeaderMap) -> Answer {
    let Some(d) = state.parking().latest_active(&who).await? else {
        return Ok(reply(StatusCode::OK, json!({})));
    };
    Ok(reply(StatusCode::OK, json!(latest(&state, &headers, d).await)))
}

async fn latest(state: &AppState, headers: &HeaderMap, d: EventDetail) -> LatestActive {
    let photo_url = match d.event.photo_key.as_deref() {
        Some(key) => {
            crate::files::photo_link(state, headers, Some(key), d.event.photo_content_type.as_deref()).await
        }
        None => d.event.given_photo_url.clone(),
    };
    let mut landmarks = Vec::with_capacity(d.landmarks.len());
    for l in d.landmarks {
        landmarks.push(LandmarkFull {
            landmarks_id: l.id,
            parking_events_id: l.event_id,
            landmark_latitude: l.latitude,
            landmark_longitude: l.longitude,
            location_name: l.location_name,
            distance_from_parking: l.distance_from_parking,
            photo_url: crate::files::photo_link(
                state,
                headers,
                l.photo_key.as_deref(),
                l.photo_content_type.as_deref(),
            )
            .await,
            is_achieved: l.is_achieved,
            created_at: iso(l.created_at),
        });
    }
    let e = d.event;
    LatestActive {
        parking_events_id: e.id,
        user_id: e.user_id,
        parking_latitude: e.latitude,
        parking_longitude: e.longitude,
        parking_location_name: e.location_name,
        parking_type: e.parking_type,
        level_floor: e.level_floor,
        notes: e.notes,
        photo_url,
        started_at: iso(e.started_at),
        status: e.status,
        landmarks,
        score: d.score.map(|s| ScoreFull {
            scores_id: s.id,
            parking_events_id: s.event_id,
            time_factor: s.time_factor,
            landmark_factor: s.landmark_factor,
            path_performance: s.path_performance,
            assistance_points: s.assistance_points,
            no_of_landmarks: s.no_of_landmarks,
            landmarks_recalled: s.landmarks_recalled,
            task_score: s.task_score,
            created_at: iso(s.created_at),
        }),
    }
}

/// The caller's watched scores, newest first.
#[utoipa::path(get, path = "/scores", tag = TAG, security(("bearer" = [])),
    responses((status = 200, description = "Scores of events whose score was watched", body = [ScoreRow]), JwtTokenErrors))]
async fn scores(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    let rows: Vec<ScoreRow> = state
        .parking()
        .scores(&who)
        .await?
        .into_iter()
        .map(|r| ScoreRow {
            parking_events_id: r.event.id,
            scores_id: r.score.id,
            time_factor: r.score.time_factor,
            landmark_factor: r.score.landmark_factor,
            path_performance: r.score.path_performance,
            landmarks_recalled: r.score.landmarks_recalled,
            no_of_landmarks: r.score.no_of_landmarks,
            peek_penalty: r.score.peek_penalty,
            assist_penalty: r.score.assist_penalty,
            task_score: r.score.task_score,
            calculated_at: iso(r.score.created_at),
            created_at: iso(r.score.created_at),
            started_at: iso(r.event.started_at),
            ended_at: r.event.ended_at.map(iso),
            parking_location_name: r.event.location_name,
            parking_address: r.event.address,
            assistance_points: r.score.assistance_points,
        })
        .collect();
    Ok(reply(StatusCode::OK, json!(rows)))
}
