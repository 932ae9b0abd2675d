//! `ledger_entries`: the append-only money history. Positive amounts are owed (charges),
//! negative ones settle (payments, refunds); corrections are reversal entries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i64,
    pub kind: String,
    pub amount_cents: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub method: Option<String>,
    pub status: Option<String>,
    pub notes: Option<String>,
    pub recorded_by: Option<i64>,
    pub enrollment_id: Option<i64>,
    pub reverses_entry_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
