//! `report_batches`: report cards for a whole class, rendered in the background by whichever
//! instance claims the batch.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "report_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub class_level: i32,
    pub term: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The students in the batch, as a JSON array of ids (fixed when the batch is created).
    #[sea_orm(column_type = "Text")]
    pub student_ids: String,
    pub total: i32,
    pub done: i32,
    pub failed: i32,
    /// How many times a worker claimed it (a crashed worker's lease runs out and another
    /// instance claims it again).
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Unix milliseconds until which the claiming worker owns it.
    pub lease_until_ms: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
