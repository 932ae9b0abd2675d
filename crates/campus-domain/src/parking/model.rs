//! Parking events, landmarks and scores, and the inputs that make and change them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use campus_db::entities::{parking_events, parking_landmarks, parking_scores};

use crate::validation::FieldIssue;

/// Most landmarks one request may add (the app adds up to four).
pub const MAX_LANDMARKS_PER_REQUEST: usize = 100;
/// Most landmarks one event may hold.
pub const MAX_LANDMARKS_PER_EVENT: u64 = 500;

/// Where an event stands. The server stores what the app asks for (the seed validates no
/// transition) and runs each status's side effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Retrieving,
    Retrieved,
    ScoreWatched,
    Expired,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Active,
        Status::Retrieving,
        Status::Retrieved,
        Status::ScoreWatched,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retrieving => "retrieving",
            Self::Retrieved => "retrieved",
            Self::ScoreWatched => "score_watched",
            Self::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Outside or inside a building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkingType {
    Outside,
    InsideBuilding,
}

impl ParkingType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outside => "outside",
            Self::InsideBuilding => "inside_building",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "outside" => Some(Self::Outside),
            "inside_building" => Some(Self::InsideBuilding),
            _ => None,
        }
    }
}

/// A new parking event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub latitude: f64,
    pub longitude: f64,
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub parking_type: ParkingType,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    /// A photo link the app already has (kept as given, shown only if no photo is stored).
    pub photo_url: Option<String>,
    /// A key the app uploaded to; accepted only under the user's own folder.
    pub photo_key: Option<String>,
}

/// A change to an event (`PUT /parking/{id}`): any of these.
#[derive(Debug, Clone, Default)]
pub struct EventUpdate {
    pub status: Option<Status>,
    pub estimated_time: Option<i64>,
    /// Milliseconds, as the app sends them (stored as seconds).
    pub final_screen_time_ms: Option<i64>,
    pub final_map_view_count: Option<i64>,
    pub notes: Option<String>,
}

/// A landmark to add.
#[derive(Debug, Clone, Default)]
pub struct NewLandmark {
    pub location_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub distance_from_parking: Option<f64>,
}

/// A score the app computed itself (`POST /parking/{id}/score`).
#[derive(Debug, Clone, Default)]
pub struct ManualScore {
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub assistance_points: i64,
    pub no_of_landmarks: i64,
    pub landmarks_recalled: i64,
    pub task_score: f64,
}

/// An event with its landmarks and score.
#[derive(Debug, Clone)]
pub struct EventDetail {
    pub event: parking_events::Model,
    pub landmarks: Vec<parking_landmarks::Model>,
    pub score: Option<parking_scores::Model>,
}

/// A score with the event it belongs to (`GET /scores`).
#[derive(Debug, Clone)]
pub struct ScoredEvent {
    pub score: parking_scores::Model,
    pub event: parking_events::Model,
}

/// When a score's event began and ended, for trend views.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreTimes {
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Checks a coordinate pair (0 is a real place: decision 6).
pub(crate) fn check_coordinates(latitude: f64, longitude: f64) -> Result<(), FieldIssue> {
    if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
        return Err(FieldIssue::new(
            "parking_latitude",
            "out_of_range",
            "must be between -90 and 90",
        ));
    }
    if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
        return Err(FieldIssue::new(
            "parking_longitude",
            "out_of_range",
            "must be between -180 and 180",
        ));
    }
    Ok(())
}

/// Trims optional text and refuses what is longer than the column (or holds control
/// characters other than newlines).
pub(crate) fn clean(
    field: &'static str,
    value: Option<String>,
    max_chars: usize,
) -> Result<Option<String>, FieldIssue> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max_chars || v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldIssue::new(
            field,
            "invalid_format",
            format!("must be at most {max_chars} printable characters"),
        ));
    }
    Ok(Some(v))
}
