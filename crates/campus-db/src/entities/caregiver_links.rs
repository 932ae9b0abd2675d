//! `caregiver_links`: who may follow whose parking, read-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "caregiver_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The driver who invited.
    pub user_id: i64,
    pub contact_id: Option<i64>,
    pub invited_email: String,
    pub token_hash: String,
    /// The caregiver's account, once the invitation is accepted.
    pub caregiver_id: Option<i64>,
    /// PENDING, ACTIVE or REVOKED.
    pub status: String,
    pub allow_alerts: bool,
    pub created_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
