//! `users`: the one identity behind every surface.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub date_of_birth: Option<Date>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    pub language: String,
    pub text_size: String,
    pub icon_size: String,
    pub high_contrast_mode: bool,
    /// The user's IANA time zone for summaries; `None`: the school's.
    pub timezone: Option<String>,
    pub is_active: bool,
    pub tokens_valid_after: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
