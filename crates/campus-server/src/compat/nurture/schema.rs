//! Seed 000's request and response bodies. Responses are built from these structs; request
//! bodies are read field by field (a missing field is the seed's 400 sentence), so the request
//! structs only document them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `POST /signup`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct NurtureSignupRequest {
    /// `name` is accepted too.
    #[schema(min_length = 1)]
    pub full_name: String,
    #[schema(format = Email)]
    pub email: String,
    /// At least 8 characters with upper- and lower-case letters, a digit and one of
    /// `!@#$%^&*(),.?":{}|<>`; a weak password is a 400 with the policy sentence.
    #[schema(min_length = 8)]
    pub password: String,
    /// Derived from the email's local part when absent.
    pub username: Option<String>,
}

/// `POST /login`: `email` or `username`, and the password.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct NurtureLoginRequest {
    #[schema(format = Email, min_length = 3)]
    pub email: Option<String>,
    #[schema(min_length = 1)]
    pub username: Option<String>,
    #[schema(min_length = 1)]
    pub password: String,
}

/// A successful signup or login.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureAccount {
    pub success: bool,
    pub message: &'static str,
    pub user_id: i64,
    /// Signup only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<Option<String>>,
    /// Login only: a bearer token for one hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// A failed signup or login.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureAccountError {
    /// Always `false`.
    pub success: bool,
    pub message: String,
}

/// One marks row.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureMarksRow {
    /// A number when the roll number is numeric, text otherwise.
    pub roll: Value,
    pub name: String,
    pub subject: String,
    pub class: Option<i32>,
    /// A whole number when it is one.
    pub marks: Value,
}

/// Rows under one key naming the query, such as `"name=Arnav"` or `"class=1_subject=Science"`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
pub struct NurtureMarks(pub BTreeMap<String, Vec<NurtureMarksRow>>);

/// A column's values under the column's name, such as `{"subject": ["Maths", "ART"]}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
pub struct NurtureValues(pub BTreeMap<&'static str, Vec<String>>);

/// `POST /kv/{column}`: one value or a list.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct NurtureValuesRequest {
    pub value: Option<Value>,
    pub values: Option<Vec<Value>>,
}

/// A document, or (with a `_LINE<n>` key) one of its lines.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NurtureDocument {
    Whole {
        key: String,
        text: String,
        lines: Vec<String>,
        line_count: usize,
    },
    Line {
        key: String,
        line: usize,
        text: String,
    },
}

/// `POST /kvdoc/{key}`: the whole text (`set_text` wins), or one line (`line` or a `_LINE<n>`
/// key) replaced or, with `insert_at`, inserted into.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct NurtureDocumentRequest {
    pub set_text: Option<Value>,
    #[schema(minimum = 1)]
    pub line: Option<u64>,
    pub text: Option<Value>,
    pub insert_at: Option<i64>,
}

/// What a document write did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NurtureDocumentUpdated {
    Whole {
        message: &'static str,
        key: String,
        line_count: usize,
    },
    Line {
        message: &'static str,
        /// `line_replaced` or `inserted_into_line`.
        operation: &'static str,
        key: String,
        line: usize,
        new_line_text: String,
    },
}

/// The five columns seed 000 answers for (any case).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // documents a path parameter; never built
pub enum NurtureColumn {
    Roll,
    Name,
    Subject,
    Class,
    Marks,
}

/// A 404 of the marks query: no rows (`message`), or not a route (`error`). Untagged: the
/// body is one of the two objects as it is, not wrapped in the variant's name.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents a response; never built
pub enum NurtureNotFound {
    NoRows(crate::compat::schema::SeedMessage),
    NoRoute(crate::compat::schema::SeedErrorMessage),
}

/// `POST /action` and `POST /end_action`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct NurtureTrackRequest {
    /// Whose activity (default: the token's user; anyone's for staff).
    pub user_id: Option<i64>,
    /// `/action`: required, 1 to 200 characters. `/end_action`: ends only this one.
    #[schema(max_length = 200)]
    pub action: Option<String>,
    /// `/action` only: at most 2 KiB.
    pub details: Option<String>,
}

/// `POST /end_action`: the seed's message and how long the ended activity ran.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureEndAction {
    pub message: &'static str,
    /// Seconds, two decimals (the sum if several were open).
    pub duration_sec: f64,
}

/// One activity of `GET /logs/{user_id}`; times are `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureLogEntry {
    pub action: String,
    pub details: Option<String>,
    pub start_time: String,
    /// `null` while the activity is open.
    pub end_time: Option<String>,
}

/// One activity of `GET /report`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureReportEntry {
    #[serde(flatten)]
    pub entry: NurtureLogEntry,
    /// Seconds, two decimals; 0 while open.
    pub duration_sec: f64,
}

/// `GET /report`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureReport {
    pub username: Option<String>,
    pub full_name: String,
    pub email: Option<String>,
    /// When the account was created, `YYYY-MM-DD HH:MM:SS` UTC.
    pub signup_time: String,
    pub total_time_spent_seconds: f64,
    pub activity_log: Vec<NurtureReportEntry>,
}
