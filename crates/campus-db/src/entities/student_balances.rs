//! `student_balances`: the running sum of a student's ledger, updated in the same
//! transaction as each entry (`campus finance verify` proves it).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "student_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub student_id: i64,
    pub balance_cents: i64,
    pub last_payment_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
