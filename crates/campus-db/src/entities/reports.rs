//! `reports`: one rendered report (PDF in the blob store) and the data it certified.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `progress`, `achievement`, `transcript`, `statement` or `receipt`.
    pub kind: String,
    pub student_id: i64,
    /// The request's parameters as JSON (`term`, `from`, `to`, `entry_id`).
    pub params: String,
    /// SHA-256 (hex) of the kind, student and parameters: which request this answers.
    pub params_key: String,
    /// The document's data as JSON: exactly what the PDF shows.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    /// SHA-256 (hex) of `data`.
    pub data_hash: String,
    /// The verification code printed on the document.
    pub code: String,
    pub blob_key: String,
    pub size_bytes: i64,
    pub batch_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
