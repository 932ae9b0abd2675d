//! `payment_declarations`: students' own payments awaiting finance staff (PENDING), and
//! what became of them (CONFIRMED with the ledger entry, or REJECTED with a note).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payment_declarations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub method: String,
    pub reference: Option<String>,
    pub notes: Option<String>,
    pub declared_by: Option<i64>,
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    pub ledger_entry_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
