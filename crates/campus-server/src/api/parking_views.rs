//! The views `/api/v1/parking-events` answers with: events, landmarks, scores and an
//! event's detail with fresh photo links.

use axum::http::HeaderMap;
use campus_db::entities::{parking_events, parking_landmarks, parking_scores};
use campus_domain::parking::EventDetail;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// A parking event.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingEventView {
    pub id: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub location_name: Option<String>,
    pub address: Option<String>,
    /// `outside` or `inside_building`.
    pub parking_type: String,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    pub notes: Option<String>,
    /// active, retrieving, retrieved, score_watched or expired.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub navigation_started_at: Option<DateTime<Utc>>,
    pub estimated_time_secs: Option<i64>,
    pub ended_at: Option<DateTime<Utc>>,
    pub final_screen_time_secs: Option<i64>,
    pub final_map_view_count: Option<i64>,
    /// Whether a photo is stored (the detail view carries its link).
    pub has_photo: bool,
}

impl From<parking_events::Model> for ParkingEventView {
    fn from(e: parking_events::Model) -> Self {
        Self {
            id: e.id,
            latitude: e.latitude,
            longitude: e.longitude,
            location_name: e.location_name,
            address: e.address,
            parking_type: e.parking_type,
            level_floor: e.level_floor,
            parking_slot: e.parking_slot,
            notes: e.notes,
            status: e.status,
            started_at: e.started_at,
            navigation_started_at: e.navigation_started_at,
            estimated_time_secs: e.estimated_time,
            ended_at: e.ended_at,
            final_screen_time_secs: e.final_screen_time,
            final_map_view_count: e.final_map_view_count,
            has_photo: e.photo_key.is_some(),
        }
    }
}

/// A landmark.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandmarkView {
    pub id: i64,
    pub location_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Metres.
    pub distance_from_parking: Option<f64>,
    pub is_achieved: bool,
    pub created_at: DateTime<Utc>,
    /// A signed link to the landmark's photo (in an event's detail), or null.
    pub photo_url: Option<String>,
}

impl From<parking_landmarks::Model> for LandmarkView {
    fn from(l: parking_landmarks::Model) -> Self {
        Self {
            id: l.id,
            location_name: l.location_name,
            latitude: l.latitude,
            longitude: l.longitude,
            distance_from_parking: l.distance_from_parking,
            is_achieved: l.is_achieved,
            created_at: l.created_at,
            photo_url: None,
        }
    }
}

/// A cognitive score (docs/COMPAT.md gives the formula).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreView {
    pub id: i64,
    pub event_id: i64,
    pub task_score: f64,
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub no_of_landmarks: i64,
    pub landmarks_recalled: i64,
    pub map_views: i64,
    pub screen_secs: i64,
    pub created_at: DateTime<Utc>,
}

impl From<parking_scores::Model> for ScoreView {
    fn from(s: parking_scores::Model) -> Self {
        Self {
            id: s.id,
            event_id: s.event_id,
            task_score: s.task_score,
            time_factor: s.time_factor,
            landmark_factor: s.landmark_factor,
            path_performance: s.path_performance,
            no_of_landmarks: s.no_of_landmarks,
            landmarks_recalled: s.landmarks_recalled,
            map_views: s.peek_penalty,
            screen_secs: s.assist_penalty,
            created_at: s.created_at,
        }
    }
}

/// An event with its landmarks, score and photo link.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingEventDetail {
    #[serde(flatten)]
    pub event: ParkingEventView,
    /// A signed link valid `storage.link_ttl_secs` (or the link the app gave when it parked),
    /// or null (no photo, or storage failing).
    pub photo_url: Option<String>,
    pub landmarks: Vec<LandmarkView>,
    pub score: Option<ScoreView>,
}

pub(crate) async fn detail_view(state: &AppState, headers: &HeaderMap, d: EventDetail) -> ParkingEventDetail {
    let photo_url = crate::files::event_photo_url(state, headers, &d.event).await;
    let mut landmarks = Vec::with_capacity(d.landmarks.len());
    for l in d.landmarks {
        let link = crate::files::photo_link(
            state,
            headers,
            l.photo_key.as_deref(),
            l.photo_content_type.as_deref(),
        )
        .await;
        landmarks.push(LandmarkView {
            photo_url: link,
            ..l.into()
        });
    }
    ParkingEventDetail {
        event: d.event.into(),
        photo_url,
        landmarks,
        score: d.score.map(Into::into),
    }
}
