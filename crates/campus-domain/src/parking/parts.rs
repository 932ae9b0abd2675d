//! The parts of a parking event beside its status: landmarks, a manual score, photos, and
//! the administrator's audited read.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use campus_db::entities::{parking_events, parking_landmarks, parking_scores};

use super::Parking;
use super::error::ParkingError;
use super::model::{
    MAX_LANDMARKS_PER_EVENT, MAX_LANDMARKS_PER_REQUEST, ManualScore, NewLandmark, check_coordinates, clean,
};
use super::policy::{check_own_key, own_event};
use super::repo;
use crate::identity::Principal;
use crate::pagination::{Page, PageRequest};
use crate::retry::retry_transient;
use crate::validation::FieldIssue;

impl Parking {
    /// Adds landmarks to one of the caller's events (at most
    /// [`MAX_LANDMARKS_PER_REQUEST`] at once and [`MAX_LANDMARKS_PER_EVENT`] in all).
    pub async fn add_landmarks(
        &self,
        who: &Principal,
        id: i64,
        landmarks: Vec<NewLandmark>,
    ) -> Result<usize, ParkingError> {
        if landmarks.len() > MAX_LANDMARKS_PER_REQUEST {
            return Err(FieldIssue::new(
                "landmarks",
                "too_many",
                format!("at most {MAX_LANDMARKS_PER_REQUEST} landmarks per request"),
            )
            .into());
        }
        let mut rows = Vec::with_capacity(landmarks.len());
        let now = self.now();
        for l in landmarks {
            if let (Some(lat), Some(lon)) = (l.latitude, l.longitude) {
                check_coordinates(lat, lon).map_err(|mut issue| {
                    issue.field = "landmark_latitude";
                    issue
                })?;
            }
            if l.distance_from_parking.is_some_and(|d| !d.is_finite() || d < 0.0) {
                return Err(FieldIssue::new(
                    "distance_from_parking",
                    "out_of_range",
                    "must be a distance in metres",
                )
                .into());
            }
            rows.push(parking_landmarks::ActiveModel {
                event_id: Set(id),
                latitude: Set(l.latitude),
                longitude: Set(l.longitude),
                location_name: Set(clean("location_name", l.location_name, 255)?),
                distance_from_parking: Set(l.distance_from_parking),
                photo_key: Set(None),
                photo_content_type: Set(None),
                is_achieved: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        let added = rows.len();
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            own_event(&txn, who, id).await?;
            if repo::landmark_count(&txn, id).await? + added as u64 > MAX_LANDMARKS_PER_EVENT {
                return Err(ParkingError::from(FieldIssue::new(
                    "landmarks",
                    "too_many",
                    format!("an event holds at most {MAX_LANDMARKS_PER_EVENT} landmarks"),
                )));
            }
            if !rows.is_empty() {
                parking_landmarks::Entity::insert_many(rows.clone())
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await?;
            Ok::<(), ParkingError>(())
        })
        .await?;
        Ok(added)
    }

    /// Marks a landmark of one of the caller's events achieved or not (`None`: unchanged).
    pub async fn set_achieved(
        &self,
        who: &Principal,
        id: i64,
        landmark_id: i64,
        achieved: Option<bool>,
    ) -> Result<parking_landmarks::Model, ParkingError> {
        own_event(&self.db, who, id).await?;
        let landmark = parking_landmarks::Entity::find_by_id(landmark_id)
            .one(&self.db)
            .await?
            .filter(|l| l.event_id == id)
            .ok_or(ParkingError::NotFound("Landmark"))?;
        let Some(achieved) = achieved else {
            return Ok(landmark);
        };
        let mut row: parking_landmarks::ActiveModel = landmark.into();
        row.is_achieved = Set(achieved);
        row.updated_at = Set(self.now());
        Ok(row.update(&self.db).await?)
    }

    /// Stores a score the app computed itself; one per event.
    pub async fn manual_score(
        &self,
        who: &Principal,
        id: i64,
        s: ManualScore,
    ) -> Result<parking_scores::Model, ParkingError> {
        own_event(&self.db, who, id).await?;
        for (field, value) in [
            ("time_factor", s.time_factor),
            ("landmark_factor", s.landmark_factor),
            ("path_performance", s.path_performance),
            ("task_score", s.task_score),
        ] {
            if !value.is_finite() || !(0.0..=100.0).contains(&value) {
                return Err(FieldIssue::new(field, "out_of_range", "must be between 0 and 100").into());
            }
        }
        if repo::score(&self.db, id).await?.is_some() {
            return Err(ParkingError::ScoreExists);
        }
        let row = parking_scores::ActiveModel {
            event_id: Set(id),
            time_factor: Set(s.time_factor),
            landmark_factor: Set(s.landmark_factor),
            path_performance: Set(s.path_performance),
            task_score: Set(s.task_score),
            assistance_points: Set(s.assistance_points),
            no_of_landmarks: Set(s.no_of_landmarks),
            landmarks_recalled: Set(s.landmarks_recalled),
            peek_penalty: Set(0),
            assist_penalty: Set(0),
            created_at: Set(self.now()),
            ..Default::default()
        };
        match row.insert(&self.db).await {
            Ok(m) => Ok(m),
            // Two requests at once: the unique event id lets one through.
            Err(e) if campus_db::constraint_violation(&e).is_some() => Err(ParkingError::ScoreExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks that the caller may attach a photo to event `id` (before anything is stored).
    pub async fn check_photo_target(&self, who: &Principal, id: i64) -> Result<(), ParkingError> {
        own_event(&self.db, who, id).await.map(|_| ())
    }

    /// Records the stored photo of one of the caller's events; returns the key it replaced.
    pub async fn set_photo(
        &self,
        who: &Principal,
        id: i64,
        key: &str,
        content_type: &str,
    ) -> Result<Option<String>, ParkingError> {
        check_own_key(who, key, "key")?;
        let event = own_event(&self.db, who, id).await?;
        parking_events::Entity::update_many()
            .col_expr(parking_events::Column::PhotoKey, Expr::value(key))
            .col_expr(
                parking_events::Column::PhotoContentType,
                Expr::value(content_type),
            )
            .col_expr(parking_events::Column::UpdatedAt, Expr::value(self.now()))
            .filter(parking_events::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(event.photo_key.filter(|old| old != key))
    }

    /// Records the stored photo of a landmark of one of the caller's events; returns the key
    /// it replaced.
    pub async fn set_landmark_photo(
        &self,
        who: &Principal,
        id: i64,
        landmark_id: i64,
        key: &str,
        content_type: &str,
    ) -> Result<Option<String>, ParkingError> {
        check_own_key(who, key, "key")?;
        own_event(&self.db, who, id).await?;
        let landmark = parking_landmarks::Entity::find_by_id(landmark_id)
            .one(&self.db)
            .await?
            .filter(|l| l.event_id == id)
            .ok_or(ParkingError::NotFound("Landmark"))?;
        parking_landmarks::Entity::update_many()
            .col_expr(parking_landmarks::Column::PhotoKey, Expr::value(key))
            .col_expr(
                parking_landmarks::Column::PhotoContentType,
                Expr::value(content_type),
            )
            .col_expr(parking_landmarks::Column::UpdatedAt, Expr::value(self.now()))
            .filter(parking_landmarks::Column::Id.eq(landmark_id))
            .exec(&self.db)
            .await?;
        Ok(landmark.photo_key.filter(|old| old != key))
    }

    /// An administrator lists another user's parking events (newest first); audited.
    pub async fn admin_page(
        &self,
        who: &Principal,
        user_id: i64,
        page: PageRequest,
        meta: &crate::RequestMeta,
    ) -> Result<Page<parking_events::Model>, ParkingError> {
        if who.role != crate::identity::Role::Admin {
            return Err(ParkingError::Forbidden);
        }
        let rows = repo::events_page(&self.db, user_id, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        crate::audit::record(
            &self.db,
            meta,
            crate::audit::AuditEntry::new("parking.admin_read")
                .actor(Some(who.user_id))
                .target("user", user_id)
                .after(serde_json::json!({"events": page.items.len()})),
        )
        .await?;
        Ok(page)
    }

    /// Every photo key any event or landmark refers to (for `campus files check`).
    pub async fn photo_keys(&self) -> Result<Vec<String>, ParkingError> {
        let mut keys: Vec<String> = parking_events::Entity::find()
            .filter(parking_events::Column::PhotoKey.is_not_null())
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|e| e.photo_key)
            .collect();
        keys.extend(
            parking_landmarks::Entity::find()
                .filter(parking_landmarks::Column::PhotoKey.is_not_null())
                .all(&self.db)
                .await?
                .into_iter()
                .filter_map(|l| l.photo_key),
        );
        Ok(keys)
    }
}
