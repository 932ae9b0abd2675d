//! Seed 003's request and response bodies (its original is lost; these are the shapes the
//! seed documents, as Campus serves them). Responses are built from these structs; request
//! bodies are read field by field, so the request structs only document them.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A student record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementStudent {
    pub student_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    /// The linked account's email.
    pub email: Option<String>,
    pub roll_number: String,
    pub class_level: Option<i32>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub address: Option<String>,
    pub contact_number: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/students` (every field optional on `PUT`, where `user_id`, `roll_number` and
/// `class_level` are not changed).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementStudentRequest {
    /// The student's account; its name is used when `name` is absent.
    pub user_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub roll_number: Option<String>,
    pub class_level: Option<i32>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub address: Option<String>,
    pub contact_number: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
}

/// A grade.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementGrade {
    pub grade_id: i64,
    pub student_id: i64,
    pub subject: String,
    /// The letter (`A+` … `F`) when one was given, else the 0–100 score.
    pub grade: Value,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/students/{id}/grades`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementGradeRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub subject: String,
    pub grade: AchievementGradeValue,
}

/// A letter (`A` to `F` with `+` or `-`) or a score from 0 to 100 (a number, or numeric text).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the body; never built
pub enum AchievementGradeValue {
    Letter(String),
    Score(f64),
}

/// `GET /api/students/{id}/gpa`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementGpa {
    pub student_id: i64,
    /// Unweighted, on the 4.0 scale.
    pub gpa: f64,
    pub scale: f64,
    pub graded_subjects: usize,
}

/// One attendance mark.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementAttendance {
    pub attendance_id: i64,
    pub student_id: i64,
    pub date: NaiveDate,
    pub status: String,
    pub created_at: String,
}

/// Counts of the marks in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementAttendanceSummary {
    pub present: u64,
    pub absent: u64,
    pub excused: u64,
    pub late: u64,
    pub total: u64,
    /// Percentage, two decimals; 0 with no marks.
    pub attendance_rate: f64,
}

/// `GET /api/students/{id}/attendance`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementAttendanceList {
    pub records: Vec<AchievementAttendance>,
    pub summary: AchievementAttendanceSummary,
}

/// `POST /api/students/{id}/attendance`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementMarkRequest {
    /// present, absent, excused or late (the school's configured codes).
    #[schema(min_length = 1)]
    pub status: String,
    /// Today when absent.
    pub date: Option<NaiveDate>,
    pub note: Option<String>,
}

/// A notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementNotification {
    pub notification_id: i64,
    pub user_id: i64,
    pub message: String,
    /// `read` or `unread`.
    pub status: &'static str,
    pub sent_at: String,
}

/// `POST /api/notifications/send`: `user_id` or `user_ids`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementSendRequest {
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
    pub user_id: Option<i64>,
    pub user_ids: Option<Vec<i64>>,
}

/// Notifications sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementSent {
    pub message: &'static str,
    pub notifications: Vec<AchievementNotification>,
}

/// Seed 003's user object.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementUser {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `Admin`, `Teacher`, `Student`, `Parent` (or `Finance`, `User`).
    pub role: &'static str,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/register` in seed 003's shape.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementRegisterRequest {
    #[schema(min_length = 1)]
    pub name: String,
    #[schema(format = Email)]
    pub email: String,
    /// At least 8 characters with upper- and lower-case letters, a digit and one of
    /// `!@#$%^&*(),.?":{}|<>`.
    #[schema(min_length = 8)]
    pub password: String,
    /// `Student` (default) or another role the school lets people choose.
    pub role: Option<String>,
}

/// A new account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementRegistered {
    pub message: &'static str,
    pub user: AchievementUser,
}

/// `POST /api/login` in seed 003's shape.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementLoginRequest {
    #[schema(format = Email)]
    pub email: String,
    #[schema(min_length = 1)]
    pub password: String,
}

/// A login: a bearer token for one hour.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementLogin {
    pub access_token: String,
    pub token_type: &'static str,
    pub user: AchievementUser,
}

/// `POST /api/students/{id}/generate-report`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct AchievementReportRequest {
    /// `Progress` (default) or `Achievement`.
    #[serde(rename = "type")]
    pub report_type: Option<String>,
}

/// A generated report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementReport {
    pub report_id: i64,
    pub student_id: i64,
    /// `Progress` or `Achievement` (reports made on `/api/v1` may be of other kinds).
    #[serde(rename = "type")]
    pub report_type: String,
    pub generated_at: String,
    /// A signed, expiring link to the PDF.
    pub report_url: String,
}

/// A report with what it certified.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementReportDetail {
    #[serde(flatten)]
    pub report: AchievementReport,
    /// The document's data: grades, GPA and attendance (Progress), or activities and the GPA
    /// trend (Achievement).
    pub content: serde_json::Value,
}
