//! `parking_scores`: one cognitive score per parking event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "parking_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub task_score: f64,
    pub assistance_points: i64,
    pub no_of_landmarks: i64,
    pub landmarks_recalled: i64,
    pub peek_penalty: i64,
    pub assist_penalty: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::parking_events::Entity",
        from = "Column::EventId",
        to = "super::parking_events::Column::Id"
    )]
    Event,
}

impl Related<super::parking_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
