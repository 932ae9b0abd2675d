//! Email topics, channels and outbox messages.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::notifications::kinds;
use crate::validation::FieldIssue;

/// What a message is about; each user chooses a channel per topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Topic {
    /// Notices from the school and the finance office (enrollment, contact requests, ...).
    Notices,
    /// A payment recorded on your (or your child's) account.
    PaymentReceived,
    /// Your child was marked absent.
    Absence,
    /// Your child received a grade under the school's threshold.
    LowGrade,
    /// A new report card for your child.
    ReportCard,
    /// Your child's dues are overdue.
    DuesOverdue,
}

impl Topic {
    pub const ALL: [Self; 6] = [
        Self::Notices,
        Self::PaymentReceived,
        Self::Absence,
        Self::LowGrade,
        Self::ReportCard,
        Self::DuesOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notices => "notices",
            Self::PaymentReceived => "payment_received",
            Self::Absence => "absence",
            Self::LowGrade => "low_grade",
            Self::ReportCard => "report_card",
            Self::DuesOverdue => "dues_overdue",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text.trim())
            .ok_or_else(|| {
                FieldIssue::new(
                    "topic",
                    "invalid_choice",
                    "must be one of: notices, payment_received, absence, low_grade, report_card, dues_overdue",
                )
            })
    }

    /// The topic of an in-app notification kind.
    pub fn of_notification(kind: &str) -> Self {
        match kind {
            kinds::PAYMENT_RECEIVED => Self::PaymentReceived,
            kinds::ABSENCE => Self::Absence,
            kinds::LOW_GRADE => Self::LowGrade,
            kinds::REPORT_CARD => Self::ReportCard,
            kinds::DUES_OVERDUE => Self::DuesOverdue,
            _ => Self::Notices,
        }
    }

    /// The channel until the user chooses: guardian alerts and payment confirmations by email
    /// at once; the seeds' other notices stay in-app unless the user opts in.
    pub fn default_channel(self) -> Channel {
        match self {
            Self::Notices => Channel::Off,
            _ => Channel::Instant,
        }
    }

    /// The email's subject line.
    pub fn subject(self) -> &'static str {
        match self {
            Self::Notices => "A notice from school",
            Self::PaymentReceived => "Payment received",
            Self::Absence => "Absence recorded",
            Self::LowGrade => "A grade needs your attention",
            Self::ReportCard => "A new report card is available",
            Self::DuesOverdue => "Dues are overdue",
        }
    }
}

/// How a topic reaches a user by email (in-app notifications always arrive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Off,
    /// One email per notification, at once.
    Instant,
    /// Gathered into one email a day.
    Digest,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Instant => "instant",
            Self::Digest => "digest",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldIssue> {
        match text.trim() {
            "off" => Ok(Self::Off),
            "instant" => Ok(Self::Instant),
            "digest" => Ok(Self::Digest),
            _ => Err(FieldIssue::new(
                "channel",
                "invalid_choice",
                "must be off, instant or digest",
            )),
        }
    }
}

/// One topic's setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preference {
    pub topic: Topic,
    pub channel: Channel,
}

/// Message states in the outbox.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const DEAD: &str = "dead";
    /// Waiting for the recipient's daily digest.
    pub const HELD: &str = "held";
    /// Delivered as part of a digest.
    pub const DIGESTED: &str = "digested";
}

/// Which email template renders a message.
pub mod templates {
    pub const NOTICE: &str = "notice";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const DIGEST: &str = "digest";
}

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to_user_id: Option<i64>,
    pub to_address: String,
    pub template: &'static str,
    pub subject: String,
    pub body: String,
    pub params: Option<serde_json::Value>,
    pub attachment: Option<(String, String)>,
}

/// An outbox message as the worker and administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: i64,
    pub message_id: String,
    pub to_user_id: Option<i64>,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub params: Option<serde_json::Value>,
    pub attachment_key: Option<String>,
    pub attachment_name: Option<String>,
    pub status: String,
    /// Attempts started so far.
    pub attempts: i32,
    pub last_error: Option<String>,
    /// While `sending`: the claiming worker's lease (Unix milliseconds).
    pub lease_until_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<campus_db::entities::email_outbox::Model> for OutboxMessage {
    fn from(m: campus_db::entities::email_outbox::Model) -> Self {
        Self {
            id: m.id,
            message_id: m.message_id,
            to_user_id: m.to_user_id,
            to_address: m.to_address,
            template: m.template,
            subject: m.subject,
            body: m.body,
            params: m.params.and_then(|p| serde_json::from_str(&p).ok()),
            attachment_key: m.attachment_key,
            attachment_name: m.attachment_name,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            lease_until_ms: m.lease_until_ms,
            created_at: m.created_at,
        }
    }
}
