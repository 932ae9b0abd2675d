//! `email_outbox`: messages waiting for (or done with) SMTP delivery.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `Message-ID` header (`<uuid@campus>`): the same on every attempt, so a resend
    /// after a crash is recognisably the same message.
    pub message_id: String,
    pub to_user_id: Option<i64>,
    pub to_address: String,
    /// Which email template renders it: `notice`, `password_reset`, `report`.
    pub template: String,
    pub subject: String,
    /// The message in plain words (templates wrap it in text and HTML).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Template values as JSON (a reset link, a student's name).
    pub params: Option<String>,
    /// A blob store key attached to the message (a report PDF).
    pub attachment_key: Option<String>,
    pub attachment_name: Option<String>,
    /// `queued`, `sending`, `sent` or `dead`.
    pub status: String,
    pub attempts: i32,
    /// Unix milliseconds before which it is not tried (backoff).
    pub next_attempt_ms: i64,
    /// Unix milliseconds until which a worker holds it.
    pub lease_until_ms: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_ms: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
