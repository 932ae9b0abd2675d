//! `students`: a child's school record, optionally linked to a student user account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "students")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Option<i64>,
    pub roll_number: String,
    pub name: String,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    pub date_of_birth: Option<Date>,
    pub gender: Option<String>,
    pub address: Option<String>,
    pub contact_number: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
