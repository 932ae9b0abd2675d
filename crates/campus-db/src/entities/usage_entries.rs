//! `usage_entries`: how long a user used the app, doing what (seed 000's activity log).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "usage_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub action: String,
    pub details: Option<String>,
    /// Where it was started: `v1`, `seed000` or `web`.
    pub source: String,
    /// Unix milliseconds, UTC.
    pub started_ms: i64,
    /// The start or the latest heartbeat, Unix milliseconds.
    pub last_seen_ms: i64,
    /// `None` while open.
    pub ended_ms: Option<i64>,
    /// `stopped`, `replaced`, `idle` or `logout`.
    pub end_reason: Option<String>,
    pub heartbeats: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
