//! Seed 001's parking bodies, as its mobile app sends and reads them. Responses are built
//! from these structs, so the OpenAPI document is what the handlers send.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /parking`. Read field by field (the seed's sentences for missing ones).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct ParkingCreateRequest {
    /// -90 to 90; 0 is a real place (decision 6).
    pub parking_latitude: f64,
    /// -180 to 180.
    pub parking_longitude: f64,
    pub parking_location_name: Option<String>,
    pub parking_address: Option<String>,
    pub notes: Option<String>,
    /// `outside` (default) or `inside_building`.
    pub parking_type: Option<String>,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    pub photo_url: Option<String>,
    /// A key in the caller's own folder (`user_<id>/...`).
    pub photo_s3_key: Option<String>,
}

/// `PUT /parking/{id}`: any of these.
#[derive(Debug, ToSchema)]
#[allow(dead_code, non_snake_case)] // documents the body; never built; the app's field names
pub struct ParkingUpdateRequest {
    /// active, retrieving, retrieved, score_watched or expired.
    pub status: Option<String>,
    /// Seconds (an integer or its text).
    pub estimated_time: Option<i64>,
    /// Milliseconds; stored as seconds.
    pub finalScreenTime: Option<i64>,
    pub finalMapViewCount: Option<i64>,
    pub notes: Option<String>,
}

/// One landmark to add.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct LandmarkInput {
    pub location_name: Option<String>,
    pub landmark_latitude: Option<f64>,
    pub landmark_longitude: Option<f64>,
    /// Metres.
    pub distance_from_parking: Option<f64>,
}

/// `POST /parking/{id}/landmarks` (at most 100 at once, 500 per event).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct LandmarksRequest {
    pub landmarks: Vec<LandmarkInput>,
}

/// `PATCH /parking/{id}/landmarks/{lid}`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct LandmarkPatchRequest {
    pub is_achieved: Option<bool>,
}

/// `POST /parking/{id}/score`: a score the app computed.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct ManualScoreRequest {
    pub time_factor: Option<f64>,
    pub landmark_factor: Option<f64>,
    pub path_performance: Option<f64>,
    pub assistance_points: Option<i64>,
    pub no_of_landmarks: Option<i64>,
    pub landmarks_recalled: Option<i64>,
    pub task_score: Option<f64>,
}

/// `POST /parking/{id}/photo` (multipart).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct PhotoUpload {
    /// JPEG, PNG, WebP or HEIC, at most `storage.max_photo_bytes`.
    #[schema(format = Binary, value_type = String)]
    pub photo: Vec<u8>,
}

/// The created event.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingCreated {
    pub parking_events_id: i64,
    pub user_id: i64,
    pub parking_latitude: f64,
    pub parking_longitude: f64,
    pub parking_location_name: Option<String>,
    pub parking_address: Option<String>,
    pub notes: Option<String>,
    pub parking_type: String,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    pub photo_url: Option<String>,
    pub photo_s3_key: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub status: String,
}

/// An event in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingSummary {
    pub parking_events_id: i64,
    pub parking_location_name: Option<String>,
    pub notes: Option<String>,
    pub started_at: String,
    pub status: String,
}

/// A landmark in an event's detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandmarkBrief {
    pub landmarks_id: i64,
    pub location_name: Option<String>,
    pub is_achieved: bool,
}

/// A score in an event's detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreBrief {
    pub scores_id: i64,
    pub task_score: f64,
}

/// `GET /parking/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingDetail {
    pub parking_events_id: i64,
    pub user_id: i64,
    pub parking_latitude: f64,
    pub parking_longitude: f64,
    pub parking_location_name: Option<String>,
    pub parking_address: Option<String>,
    pub notes: Option<String>,
    pub parking_type: String,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    /// A fresh signed link (one hour), or null.
    pub photo_url: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub status: String,
    pub landmarks: Vec<LandmarkBrief>,
    pub score: Option<ScoreBrief>,
}

/// A landmark of the active event.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandmarkFull {
    pub landmarks_id: i64,
    pub parking_events_id: i64,
    pub landmark_latitude: Option<f64>,
    pub landmark_longitude: Option<f64>,
    pub location_name: Option<String>,
    pub distance_from_parking: Option<f64>,
    pub photo_url: Option<String>,
    pub is_achieved: bool,
    pub created_at: String,
}

/// The active event's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreFull {
    pub scores_id: i64,
    pub parking_events_id: i64,
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub assistance_points: i64,
    pub no_of_landmarks: i64,
    pub landmarks_recalled: i64,
    pub task_score: f64,
    pub created_at: String,
}

/// `GET /parking/latest-active` when there is one (`{}` otherwise).
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestActive {
    pub parking_events_id: i64,
    pub user_id: i64,
    pub parking_latitude: f64,
    pub parking_longitude: f64,
    pub parking_location_name: Option<String>,
    pub parking_type: String,
    pub level_floor: Option<String>,
    pub notes: Option<String>,
    pub photo_url: Option<String>,
    pub started_at: String,
    pub status: String,
    pub landmarks: Vec<LandmarkFull>,
    pub score: Option<ScoreFull>,
}

/// `PATCH` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandmarkUpdated {
    pub message: &'static str,
    pub landmarks_id: i64,
    pub is_achieved: bool,
}

/// `POST /parking/{id}/score` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreCreated {
    pub scores_id: i64,
    pub parking_events_id: i64,
    pub task_score: f64,
}

/// `POST /parking/{id}/photo` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoStored {
    pub message: &'static str,
    pub s3_key: String,
}

/// A row of `GET /scores`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreRow {
    pub parking_events_id: i64,
    pub scores_id: i64,
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub landmarks_recalled: i64,
    pub no_of_landmarks: i64,
    pub peek_penalty: i64,
    pub assist_penalty: i64,
    pub task_score: f64,
    pub calculated_at: String,
    pub created_at: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub parking_location_name: Option<String>,
    pub parking_address: Option<String>,
    pub assistance_points: i64,
}
