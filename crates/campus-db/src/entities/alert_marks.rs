//! `alert_marks`: one row per alert that went out (`absence:<student>:<date>`,
//! `dues:<student>:<week>`), so each goes out once however many instances or re-marks.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "alert_marks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mark: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
