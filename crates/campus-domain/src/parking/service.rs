//! The parking service: a user's own parking events, landmarks, photos and scores, with the
//! seed's status side effects (navigation start, arrival, scoring once, "back to active"
//! after scoring so the app shows the score).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};

use campus_db::entities::{parking_events, parking_scores};

use super::error::ParkingError;
use super::model::{EventDetail, EventUpdate, NewEvent, ScoredEvent, Status, check_coordinates, clean};
use super::policy::{check_own_key, own_event};
use super::repo;
use super::score::{Trip, compute};
use crate::clock::{SharedClock, SystemClock};
use crate::identity::Principal;
use crate::pagination::{Page, PageRequest};
use crate::retry::retry_transient;
use crate::validation::FieldIssue;

/// The parking service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Parking {
    pub(super) db: DatabaseConnection,
    /// SQLite's direct point-read path (see `campus_db::SqliteReads`); `None` elsewhere.
    reads: Option<Arc<campus_db::SqliteReads>>,
    clock: SharedClock,
}

impl Parking {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            reads: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Serves [`latest_active`](Self::latest_active) — the app's hottest read — from `reads`.
    #[must_use]
    pub fn with_reads(mut self, reads: Option<Arc<campus_db::SqliteReads>>) -> Self {
        self.reads = reads;
        self
    }

    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs(self.clock.now(), 6)
    }

    /// Records where the caller parked; the event starts `active`.
    pub async fn create(
        &self,
        who: &Principal,
        input: NewEvent,
    ) -> Result<parking_events::Model, ParkingError> {
        check_coordinates(input.latitude, input.longitude)?;
        if let Some(key) = &input.photo_key {
            check_own_key(who, key, "photo_s3_key")?;
        }
        let now = self.now();
        let round6 = |x: f64| (x * 1e6).round() / 1e6;
        let row = parking_events::ActiveModel {
            user_id: Set(who.user_id),
            latitude: Set(round6(input.latitude)),
            longitude: Set(round6(input.longitude)),
            location_name: Set(clean("parking_location_name", input.location_name, 255)?),
            address: Set(clean("parking_address", input.address, 2000)?),
            parking_type: Set(input.parking_type.as_str().to_owned()),
            level_floor: Set(clean("level_floor", input.level_floor, 20)?),
            parking_slot: Set(clean("parking_slot", input.parking_slot, 20)?),
            notes: Set(clean("notes", input.notes, 2000)?),
            photo_key: Set(input.photo_key),
            photo_content_type: Set(None),
            given_photo_url: Set(clean("photo_url", input.photo_url, 2048)?),
            started_at: Set(now),
            navigation_started_at: Set(None),
            estimated_time: Set(None),
            ended_at: Set(None),
            final_screen_time: Set(None),
            final_map_view_count: Set(None),
            status: Set(Status::Active.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        Ok(row.insert(&self.db).await?)
    }

    /// The caller's events, newest first.
    pub async fn list(&self, who: &Principal) -> Result<Vec<parking_events::Model>, ParkingError> {
        Ok(repo::events_of(&self.db, who.user_id).await?)
    }

    /// The caller's events, newest first, cursor-paginated.
    pub async fn page(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<parking_events::Model>, ParkingError> {
        let rows = repo::events_page(&self.db, who.user_id, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id))
    }

    /// One of the caller's events with its landmarks and score.
    pub async fn detail(&self, who: &Principal, id: i64) -> Result<EventDetail, ParkingError> {
        let event = own_event(&self.db, who, id).await?;
        self.with_parts(event).await
    }

    async fn with_parts(&self, event: parking_events::Model) -> Result<EventDetail, ParkingError> {
        let landmarks = repo::landmarks(&self.db, event.id).await?;
        let score = repo::score(&self.db, event.id).await?;
        Ok(EventDetail {
            event,
            landmarks,
            score,
        })
    }

    /// The caller's most recent event if it is still `active` or `retrieving`.
    pub async fn latest_active(&self, who: &Principal) -> Result<Option<EventDetail>, ParkingError> {
        let current =
            |status: &str| matches!(Status::parse(status), Some(Status::Active | Status::Retrieving));
        if let Some(reads) = &self.reads {
            return Ok(reads
                .parking_latest(who.user_id)?
                .filter(|(event, ..)| current(&event.status))
                .map(|(event, landmarks, score)| EventDetail {
                    event,
                    landmarks,
                    score,
                }));
        }
        Ok(repo::latest_with_parts(&self.db, who.user_id)
            .await?
            .filter(|(event, ..)| current(&event.status))
            .map(|(event, landmarks, score)| EventDetail {
                event,
                landmarks,
                score,
            }))
    }

    /// Applies a `PUT /parking/{id}`: stores what was sent and runs the status's effects, in
    /// one transaction. Arrival (`retrieved`) scores the trip once and puts the event back to
    /// `active` so the app finds it with its score (decision 7).
    pub async fn update(&self, who: &Principal, id: i64, update: EventUpdate) -> Result<(), ParkingError> {
        let notes = clean("notes", update.notes.clone(), 2000)?;
        for (field, value) in [
            ("estimated_time", update.estimated_time),
            ("finalScreenTime", update.final_screen_time_ms),
            ("finalMapViewCount", update.final_map_view_count),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(FieldIssue::new(field, "out_of_range", "must not be negative").into());
            }
        }
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let event = own_event(&txn, who, id).await?;
            let now = self.now();
            let mut row: parking_events::ActiveModel = event.clone().into();
            if let Some(n) = &notes {
                row.notes = Set(Some(n.clone()));
            }
            if let Some(e) = update.estimated_time {
                row.estimated_time = Set(Some(e));
            }
            if let Some(ms) = update.final_screen_time_ms {
                row.final_screen_time = Set(Some(ms / 1000));
            }
            if let Some(m) = update.final_map_view_count {
                row.final_map_view_count = Set(Some(m));
            }
            let mut status = update.status;
            match update.status {
                Some(Status::Retrieving) => {
                    row.navigation_started_at = Set(Some(now));
                    row.overdue_alerted_at = Set(None);
                }
                Some(Status::Retrieved | Status::Expired) if event.ended_at.is_none() => {
                    row.ended_at = Set(Some(now));
                }
                _ => {}
            }
            if update.status == Some(Status::Retrieved) && repo::score(&txn, id).await?.is_none() {
                let landmarks = repo::landmarks(&txn, id).await?;
                let ended = event.ended_at.unwrap_or(now);
                // Whole seconds: request latency must not move a score by a hundredth.
                let duration = event
                    .navigation_started_at
                    .map(|start| (ended - start).num_seconds() as f64);
                let values = compute(Trip {
                    landmarks: landmarks.len() as i64,
                    achieved: landmarks.iter().filter(|l| l.is_achieved).count() as i64,
                    duration_secs: duration,
                    estimated_secs: update.estimated_time.or(event.estimated_time),
                    map_views: update
                        .final_map_view_count
                        .or(event.final_map_view_count)
                        .unwrap_or(0),
                    screen_secs: update
                        .final_screen_time_ms
                        .map(|ms| ms / 1000)
                        .or(event.final_screen_time)
                        .unwrap_or(0),
                });
                parking_scores::ActiveModel {
                    event_id: Set(id),
                    time_factor: Set(values.time_factor),
                    landmark_factor: Set(values.landmark_factor),
                    path_performance: Set(values.path_performance),
                    task_score: Set(values.task_score),
                    assistance_points: Set(values.assistance_points),
                    no_of_landmarks: Set(values.no_of_landmarks),
                    landmarks_recalled: Set(values.landmarks_recalled),
                    peek_penalty: Set(values.peek_penalty),
                    assist_penalty: Set(values.assist_penalty),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                status = Some(Status::Active);
            }
            if let Some(s) = status {
                row.status = Set(s.as_str().to_owned());
            }
            row.updated_at = Set(now);
            row.update(&txn).await?;
            if update.status == Some(Status::Expired) && event.status != Status::Expired.as_str() {
                super::caregivers::alert(
                    &txn,
                    event.user_id,
                    id,
                    "A parking event was abandoned before the car was found.",
                )
                .await?;
            }
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Deletes one of the caller's events with its landmarks and score; returns the photo
    /// keys it held, for the caller to delete from the blob store.
    pub async fn delete(&self, who: &Principal, id: i64) -> Result<Vec<String>, ParkingError> {
        let event = own_event(&self.db, who, id).await?;
        let mut keys: Vec<String> = repo::landmarks(&self.db, id)
            .await?
            .into_iter()
            .filter_map(|l| l.photo_key)
            .collect();
        keys.extend(event.photo_key);
        parking_events::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(keys)
    }

    /// The caller's scores of events whose score was watched, newest first.
    pub async fn scores(&self, who: &Principal) -> Result<Vec<ScoredEvent>, ParkingError> {
        Ok(
            repo::scores_of(&self.db, who.user_id, Status::ScoreWatched.as_str())
                .await?
                .into_iter()
                .map(|(score, event)| ScoredEvent { score, event })
                .collect(),
        )
    }
}
