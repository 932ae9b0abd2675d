//! Notifications: what a user is told, the kinds the services use, and who a staff message
//! goes to; with the checks a message and a kind must pass.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use campus_db::entities::notifications;

use crate::identity::Role;
use crate::validation::FieldIssue;

/// Notification kinds the services use (seed 002's names).
pub mod kinds {
    pub const ENROLLMENT: &str = "ENROLLMENT";
    pub const FINANCE_ALERT: &str = "FINANCE_ALERT";
    pub const PAYMENT_RECEIVED: &str = "PAYMENT_RECEIVED";
    pub const CONTACT_REQUEST: &str = "CONTACT_REQUEST";
    pub const GENERAL: &str = "GENERAL";
    /// Guardian alerts (see `mail::alerts`).
    pub const ABSENCE: &str = "ABSENCE";
    pub const LOW_GRADE: &str = "LOW_GRADE";
    pub const REPORT_CARD: &str = "REPORT_CARD";
    pub const DUES_OVERDUE: &str = "DUES_OVERDUE";
}

/// Most recipients of one send.
pub const MAX_RECIPIENTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    /// ENROLLMENT, FINANCE_ALERT, PAYMENT_RECEIVED, CONTACT_REQUEST, GENERAL, ...
    pub kind: String,
    pub message: String,
    pub data: Option<Value>,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<notifications::Model> for Notification {
    fn from(m: notifications::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            kind: m.kind,
            message: m.message,
            data: m.data.and_then(|d| serde_json::from_str(&d).ok()),
            read: m.read_at.is_some(),
            read_at: m.read_at,
            created_at: m.created_at,
        }
    }
}

/// Who a staff notification goes to.
#[derive(Debug, Clone)]
pub enum Recipients {
    Users(Vec<i64>),
    Role(Role),
}

/// A staff message: 1 to 2000 characters once trimmed.
pub(crate) fn message(text: &str) -> Result<String, FieldIssue> {
    let message = text.trim().to_owned();
    if message.is_empty() || message.chars().count() > 2000 {
        return Err(FieldIssue::new(
            "message",
            "invalid_length",
            "must be 1 to 2000 characters",
        ));
    }
    Ok(message)
}

/// A kind: 1 to 30 letters A-Z or `_` (upper-cased); `GENERAL` when none is given.
pub(crate) fn kind(text: Option<String>) -> Result<String, FieldIssue> {
    let kind = text
        .map(|k| k.trim().to_ascii_uppercase())
        .unwrap_or_else(|| kinds::GENERAL.to_owned());
    if kind.is_empty() || kind.len() > 30 || !kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(FieldIssue::new(
            "kind",
            "invalid_format",
            "must be 1 to 30 letters A-Z or _",
        ));
    }
    Ok(kind)
}
