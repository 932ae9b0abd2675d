//! What seed 001's app shows: the current event (`/parking/latest-active`) and the score
//! history (`/scores`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::parking::EventDetail;
use serde_json::json;

use super::parking::iso;
use super::parking_schema::*;
use super::{Answer, TAG};
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::compat::schema::JwtTokenErrors;
use crate::compat::shared::reply;
use crate::state::AppState;

pub(super) fn routes() -> crate::api::Routes {
    vec![routes!(latest_active), routes!(scores)]
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
    let photo_url = crate::files::event_photo_url(state, headers, &d.event).await;
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
