//! Seed 002's request and response bodies. Amounts are major units (floats), dates the seed's
//! `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC. Responses are built from these structs; request bodies
//! are read field by field (a missing field is the seed's 400 sentence, not a parse error), so
//! the request structs only document them.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /api/auth/register` and `/api/auth/register-admin`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceRegisterRequest {
    #[schema(min_length = 1)]
    pub username: String,
    /// At least 8 characters with upper- and lower-case letters, a digit and one of
    /// `!@#$%^&*(),.?":{}|<>`; a weak password is a 400 with the policy sentence.
    #[schema(min_length = 8)]
    pub password: String,
    #[schema(format = Email, min_length = 3)]
    pub email: Option<String>,
}

/// `POST /api/auth/login`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceLoginRequest {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
    pub password: String,
}

/// `GET /api/health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceHealth {
    pub status: &'static str,
    pub message: &'static str,
}

/// A new account.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceRegistered {
    pub msg: &'static str,
    pub user_id: i64,
    pub username: String,
    /// Present (true) when an administrator was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

/// A login: the token (8 hours) and the student's dues.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceLogin {
    pub access_token: String,
    pub user_id: i64,
    pub username: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub dues_balance: f64,
    /// Set when the account is in credit (paid more than owed): `dues_balance` then shows 0,
    /// as the seed never shows negative dues; the ledger keeps the credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_balance: Option<f64>,
}

/// `POST /api/students/enroll`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceEnrollRequest {
    pub course_id: i64,
}

/// An enrollment and the dues after its charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceEnrolled {
    pub msg: &'static str,
    pub enrollment_id: i64,
    pub course_name: String,
    pub course_fee: f64,
    pub updated_dues_balance: f64,
}

/// `POST /api/students/pay`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinancePaymentRequest {
    /// Greater than 0, at most two decimals.
    #[schema(minimum = 0.01, multiple_of = 0.01)]
    pub amount: f64,
    pub payment_method: Option<String>,
    pub reference_number: Option<String>,
    pub notes: Option<String>,
}

/// `POST /api/finance/record-payment`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceRecordPaymentRequest {
    /// The student's user id.
    pub student_id: i64,
    /// Greater than 0, at most two decimals.
    #[schema(minimum = 0.01, multiple_of = 0.01)]
    pub amount: f64,
    pub payment_method: Option<String>,
    pub reference_number: Option<String>,
    pub notes: Option<String>,
}

/// A recorded payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancePaid {
    pub msg: &'static str,
    pub payment_id: i64,
    /// The student's user id (`record-payment` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub student_id: Option<i64>,
    pub amount: f64,
    pub remaining_dues: f64,
    /// `pay` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<String>,
    /// `PENDING` when the payment is a declaration the finance office confirms
    /// (`finance.self_service_payments = "pending"`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Set when the account is in credit (paid more than owed): `dues_balance` then shows 0,
    /// as the seed never shows negative dues; the ledger keeps the credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_balance: Option<f64>,
}

/// `GET /api/students/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceStatus {
    pub user_id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub dues_balance: f64,
    pub enrollments: Vec<FinanceEnrollment>,
    pub total_enrolled_courses: usize,
    pub total_course_fees: f64,
    /// Set when the account is in credit (paid more than owed): `dues_balance` then shows 0,
    /// as the seed never shows negative dues; the ledger keeps the credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_balance: Option<f64>,
}

/// One enrollment in the status.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceEnrollment {
    pub id: i64,
    pub course_id: i64,
    pub course_name: String,
    pub course_fee: f64,
    pub enrollment_date: String,
    pub status: String,
}

/// `GET /api/students/payments`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancePayments {
    pub user_id: i64,
    pub username: Option<String>,
    pub total_paid: f64,
    pub payments: Vec<FinancePayment>,
}

/// One payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancePayment {
    pub id: i64,
    pub amount: f64,
    pub payment_date: String,
    pub payment_method: Option<String>,
    pub status: Option<String>,
    pub reference_number: Option<String>,
}

/// `POST /api/courses` and `PUT /api/courses/{id}` (every field optional on `PUT`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceCourseRequest {
    /// The course code, such as `CS101`.
    #[schema(min_length = 1)]
    pub course_id: String,
    #[schema(min_length = 1)]
    pub name: String,
    /// A whole number; 0 counts as missing, as in the seed.
    #[schema(minimum = 1, maximum = 100)]
    pub credits: i32,
    /// Greater than 0, at most two decimals; 0 counts as missing, as in the seed.
    #[schema(minimum = 0.01, multiple_of = 0.01)]
    pub total_fee: f64,
    pub description: Option<String>,
}

/// A course.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceCourse {
    pub id: i64,
    /// The course code.
    pub course_id: String,
    pub name: String,
    pub credits: i32,
    pub total_fee: f64,
    pub description: Option<String>,
    /// `GET /api/courses/{id}` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// `GET /api/courses`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceCourses {
    pub total_courses: usize,
    pub courses: Vec<FinanceCourse>,
}

/// A course created, changed or deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceCourseChanged {
    pub msg: &'static str,
    pub course_id: i64,
    /// Absent on delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One student's dues.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceDues {
    pub user_id: Option<i64>,
    pub username: String,
    pub email: Option<String>,
    pub dues_balance: f64,
    pub total_enrollments: u64,
    pub last_payment_date: Option<String>,
}

/// `GET /api/finance/dues`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceDuesList {
    pub total_students_with_dues: usize,
    pub total_outstanding_amount: f64,
    pub students: Vec<FinanceDues>,
}

/// One student in the unpaid report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinanceUnpaidStudent {
    pub user_id: Option<i64>,
    pub username: String,
    pub email: Option<String>,
    pub dues_balance: f64,
    pub enrollments: Vec<FinanceUnpaidEnrollment>,
    /// The five latest.
    pub recent_payments: Vec<FinanceRecentPayment>,
}

/// An enrollment in the unpaid report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinanceUnpaidEnrollment {
    pub course_name: String,
    pub course_fee: f64,
    pub enrollment_date: String,
}

/// A payment in the unpaid report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinanceRecentPayment {
    pub amount: f64,
    pub payment_date: String,
    pub payment_method: Option<String>,
}

/// Students with dues by how much they owe.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceByStatus {
    pub critical: Vec<FinanceUnpaidStudent>,
    pub moderate: Vec<FinanceUnpaidStudent>,
    pub low: Vec<FinanceUnpaidStudent>,
}

/// `GET /api/finance/unpaid-report`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceUnpaidReport {
    pub report_date: String,
    pub total_students: usize,
    pub total_outstanding: f64,
    pub students_by_status: FinanceByStatus,
    pub detailed_report: Vec<FinanceUnpaidStudent>,
}

/// `PUT /api/finance/action/contact/{student_id}`.
#[derive(Debug, ToSchema)]
#[schema(min_properties = 1)]
#[allow(dead_code)] // documents the body; never built
pub struct FinanceContactRequest {
    pub contact_method: Option<String>,
    pub notes: Option<String>,
}

/// A logged contact action.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceContacted {
    pub msg: &'static str,
    pub action_id: i64,
    pub student_id: i64,
    pub contact_date: String,
}

/// One student in the pass/fail report.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceStatusEntry {
    pub user_id: Option<i64>,
    pub username: String,
    pub email: Option<String>,
    pub dues_balance: f64,
    pub total_fees: f64,
    pub total_enrollments: u64,
    /// `PASS` or `FAIL`.
    pub status: &'static str,
    /// Set when the account is in credit (paid more than owed): `dues_balance` then shows 0,
    /// as the seed never shows negative dues; the ledger keeps the credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_balance: Option<f64>,
}

/// `GET /api/finance/reports/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceStatusReport {
    pub report_date: String,
    pub total_students: usize,
    pub pass_count: usize,
    pub fail_count: usize,
    pub threshold: f64,
    pub pass_students: Vec<FinanceStatusEntry>,
    pub fail_students: Vec<FinanceStatusEntry>,
}

/// The finance office's gate: a token problem, or a caller who is not finance staff.
#[derive(Debug, utoipa::IntoResponses)]
#[allow(dead_code)] // documents responses; never built
pub enum FinanceOfficeErrors {
    /// Token missing, expired or revoked
    #[response(status = 401)]
    Unauthorized(crate::compat::schema::SeedTokenError),
    /// Not an administrator or finance staff
    #[response(status = 403)]
    Forbidden(crate::compat::schema::SeedErrorMessage),
    /// Token malformed
    #[response(status = 422)]
    Malformed(crate::compat::schema::SeedTokenError),
}
