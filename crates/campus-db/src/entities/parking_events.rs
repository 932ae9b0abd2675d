//! `parking_events`: where a MemoPark user parked, and how finding the car went.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "parking_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub parking_type: String,
    pub level_floor: Option<String>,
    pub parking_slot: Option<String>,
    pub notes: Option<String>,
    pub photo_key: Option<String>,
    pub photo_content_type: Option<String>,
    pub given_photo_url: Option<String>,
    pub started_at: DateTimeUtc,
    pub navigation_started_at: Option<DateTimeUtc>,
    pub estimated_time: Option<i64>,
    pub ended_at: Option<DateTimeUtc>,
    pub final_screen_time: Option<i64>,
    pub final_map_view_count: Option<i64>,
    pub status: String,
    /// When caregivers were told this retrieval runs past twice its estimate.
    pub overdue_alerted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The trip's cognitive score, once scored.
    #[sea_orm(has_one = "super::parking_scores::Entity")]
    Score,
    /// What the user noted on the way from the car.
    #[sea_orm(has_many = "super::parking_landmarks::Entity")]
    Landmarks,
}

impl Related<super::parking_scores::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Score.def()
    }
}

impl Related<super::parking_landmarks::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Landmarks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
