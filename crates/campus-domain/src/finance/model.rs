//! Finance value types.

use chrono::{DateTime, Utc};
use serde::Serialize;

use campus_db::entities::{courses, enrollments, ledger_entries};

/// Ledger entry kinds. Charges and refunds raise what a student owes; payments lower it;
/// adjustments go either way; a reversal is the negation of the entry it reverses.
pub mod kinds {
    pub const CHARGE: &str = "charge";
    pub const PAYMENT: &str = "payment";
    pub const ADJUSTMENT: &str = "adjustment";
    pub const REFUND: &str = "refund";
    pub const REVERSAL: &str = "reversal";
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: i64,
    /// Unique code such as CS101.
    pub code: String,
    pub name: String,
    pub credits: i32,
    pub fee_cents: i64,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<courses::Model> for Course {
    fn from(m: courses::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            credits: m.credits,
            fee_cents: m.fee_cents,
            description: m.description,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrollment {
    pub id: i64,
    pub student_id: i64,
    pub course_id: i64,
    /// The course fee when the student enrolled (later fee changes do not touch it).
    pub fee_cents: i64,
    /// ACTIVE, COMPLETED or DROPPED.
    pub status: String,
    pub enrolled_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<enrollments::Model> for Enrollment {
    fn from(m: enrollments::Model) -> Self {
        Self {
            id: m.id,
            student_id: m.student_id,
            course_id: m.course_id,
            fee_cents: m.fee_cents,
            status: m.status,
            enrolled_at: m.enrolled_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: i64,
    pub student_id: i64,
    /// charge, payment, adjustment, refund or reversal.
    pub kind: String,
    /// Signed minor units: positive is owed, negative is paid.
    pub amount_cents: i64,
    pub currency: String,
    pub reference: Option<String>,
    /// MANUAL, BANK_TRANSFER, ONLINE, CASH, ... (payments).
    pub method: Option<String>,
    /// RECEIVED, PENDING or RECONCILED (payments).
    pub status: Option<String>,
    pub notes: Option<String>,
    pub recorded_by: Option<i64>,
    pub enrollment_id: Option<i64>,
    pub reverses_entry_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<ledger_entries::Model> for LedgerEntry {
    fn from(m: ledger_entries::Model) -> Self {
        Self {
            id: m.id,
            student_id: m.student_id,
            kind: m.kind,
            amount_cents: m.amount_cents,
            currency: m.currency,
            reference: m.reference,
            method: m.method,
            status: m.status,
            notes: m.notes,
            recorded_by: m.recorded_by,
            enrollment_id: m.enrollment_id,
            reverses_entry_id: m.reverses_entry_id,
            created_at: m.created_at,
        }
    }
}

/// What a student owes now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub student_id: i64,
    /// Positive: owed; negative: credit.
    pub balance_cents: i64,
    pub currency: String,
    pub last_payment_at: Option<DateTime<Utc>>,
}

/// A period of the ledger with its opening and closing balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub student_id: i64,
    pub currency: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub opening_balance_cents: i64,
    pub entries: Vec<LedgerEntry>,
    pub closing_balance_cents: i64,
}

/// The result of an enrollment: the enrollment, its charge and the new balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentReceipt {
    pub enrollment: Enrollment,
    pub course: Course,
    pub charge: LedgerEntry,
    pub balance_cents: i64,
}

/// The result of a payment, a refund or a reversal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryReceipt {
    pub entry: LedgerEntry,
    pub balance_cents: i64,
}
