//! `guardianships`: which parent accounts may see which students.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "guardianships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_user_id: i64,
    pub student_id: i64,
    pub relationship: Option<String>,
    pub may_receive_notices: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
