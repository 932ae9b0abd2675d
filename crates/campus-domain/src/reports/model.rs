//! Report kinds, requests, and the data each document shows. The data structs are what the
//! JSON API returns and what the PDF templates read (campus-pdf), so both show the same
//! numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::finance::money;
use crate::school::gpa::{GpaSummary, SubjectBreakdown};
use crate::validation::FieldIssue;

/// The documents Campus generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportKind {
    /// Grades, term and cumulative GPA, attendance, activities (a report card).
    Progress,
    /// GPA trend across terms, best subjects, activities, attendance rate.
    Achievement,
    /// Every term's grades, credits and GPA.
    Transcript,
    /// A period of the student's ledger with opening and closing balance and aging.
    Statement,
    /// One ledger payment.
    Receipt,
}

impl ReportKind {
    pub const ALL: [Self; 5] = [
        Self::Progress,
        Self::Achievement,
        Self::Transcript,
        Self::Statement,
        Self::Receipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::Achievement => "achievement",
            Self::Transcript => "transcript",
            Self::Statement => "statement",
            Self::Receipt => "receipt",
        }
    }

    /// Case-insensitive (seed 003 says `Progress` and `Achievement`).
    pub fn parse(text: &str) -> Result<Self, FieldIssue> {
        let t = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.as_str() == t).ok_or_else(|| {
            FieldIssue::new(
                "kind",
                "invalid_choice",
                "must be one of: progress, achievement, transcript, statement, receipt",
            )
        })
    }

    /// The printed title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Progress => "Progress report",
            Self::Achievement => "Achievement report",
            Self::Transcript => "Transcript",
            Self::Statement => "Statement of account",
            Self::Receipt => "Payment receipt",
        }
    }

    /// Whether it shows the ledger (finance access rules) rather than school records.
    pub fn is_finance(self) -> bool {
        matches!(self, Self::Statement | Self::Receipt)
    }
}

/// What to report on, beside the kind and the student; which fields apply depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportParams {
    /// Progress: one term (all terms when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// Progress (attendance) and statement: the first day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Progress (attendance) and statement: the last day (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Receipt: the ledger payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<i64>,
    /// Progress: a comment the teacher adds (printed as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A money amount: minor units and as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub text: String,
}

impl Money {
    pub fn of(minor: i64) -> Self {
        Self {
            minor,
            text: money::format(minor),
        }
    }
}

/// Who the document is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentHeader {
    pub id: i64,
    pub name: String,
    pub roll_number: String,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    /// Linked parents' names, then the record's free-text guardian if no parent is linked.
    pub guardians: Vec<String>,
}

/// One grade as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeLine {
    pub subject: String,
    pub term: Option<String>,
    pub score: Option<f64>,
    pub letter: Option<String>,
    pub points: f64,
    pub credits: f64,
    pub graded_at: NaiveDate,
}

/// Attendance over a period (the whole record when `from`/`to` are absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceLine {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub counts: BTreeMap<String, u64>,
    pub total: u64,
    /// Percentage, 2 dp.
    pub attendance_rate: f64,
}

/// One activity as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityLine {
    pub activity_name: String,
    pub role_or_award: Option<String>,
    pub participation_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressReport {
    pub student: StudentHeader,
    pub term: Option<String>,
    pub grades: Vec<GradeLine>,
    /// The term's GPA when a term was asked for.
    pub term_gpa: Option<GpaSummary>,
    pub cumulative_gpa: GpaSummary,
    pub attendance: AttendanceLine,
    pub activities: Vec<ActivityLine>,
    pub teacher_comment: Option<String>,
    /// Printed above everything when the term has no grades ("No grades recorded for ...").
    pub notice: Option<String>,
}

/// One term of a GPA trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermGpa {
    pub term: String,
    pub gpa: f64,
    pub credits: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AchievementReport {
    pub student: StudentHeader,
    pub gpa_trend: Vec<TermGpa>,
    pub cumulative_gpa: GpaSummary,
    /// Up to three subjects with the highest mean points.
    pub best_subjects: Vec<SubjectBreakdown>,
    pub activities: Vec<ActivityLine>,
    pub attendance: AttendanceLine,
}

/// One term of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptTerm {
    /// `""` for grades recorded without a term.
    pub term: String,
    pub grades: Vec<GradeLine>,
    pub gpa: GpaSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transcript {
    pub student: StudentHeader,
    pub terms: Vec<TranscriptTerm>,
    pub cumulative_gpa: GpaSummary,
    pub total_credits: f64,
}

/// One ledger entry of a statement with the balance after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementLine {
    pub id: i64,
    pub date: NaiveDate,
    pub kind: String,
    pub description: Option<String>,
    pub amount: Money,
    pub balance: Money,
    pub reference: Option<String>,
}

/// What is still owed at the end of the period, by the age of the charges it comes from
/// (payments settle the oldest charges first).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aging {
    pub current: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinanceStatement {
    pub student: StudentHeader,
    pub currency: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub opening_balance: Money,
    pub entries: Vec<StatementLine>,
    pub closing_balance: Money,
    pub aging: Aging,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentReceipt {
    pub student: StudentHeader,
    pub entry_id: i64,
    /// When the payment was recorded, as printed (UTC).
    pub received_at: String,
    /// The amount paid (positive).
    pub amount: Money,
    pub currency: String,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub status: Option<String>,
    /// The balance right after this payment.
    pub remaining_balance: Money,
}

/// A document's data, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportData {
    Progress(ProgressReport),
    Achievement(AchievementReport),
    Transcript(Transcript),
    Statement(FinanceStatement),
    Receipt(PaymentReceipt),
}

/// A generated report: what it is, whom it is about, and where its PDF is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: i64,
    pub kind: ReportKind,
    pub student_id: i64,
    pub params: ReportParams,
    /// The code printed on the document; `GET /verify/{code}` shows what it certified.
    pub verification_code: String,
    /// The blob store key of the PDF.
    #[serde(skip)]
    pub blob_key: String,
    pub size_bytes: i64,
    pub batch_id: Option<i64>,
    pub created_by: Option<i64>,
    pub generated_at: DateTime<Utc>,
}

/// A report with the data it certified.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportWithData {
    #[serde(flatten)]
    pub report: Report,
    pub data: serde_json::Value,
}

/// What the public verification page shows: what the document certified, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    pub kind: ReportKind,
    pub title: &'static str,
    pub student_name: String,
    pub generated_at: DateTime<Utc>,
    /// The figures the document states, as label and value.
    pub figures: Vec<(String, String)>,
}
