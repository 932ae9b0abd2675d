//! Student value types and their validation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use campus_db::entities::students;

use super::error::SchoolError;
use crate::validation::FieldIssue;

/// Where a student is in their schooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StudentStatus {
    Active,
    Graduated,
    Withdrawn,
}

impl StudentStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "graduated" => Some(Self::Graduated),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Graduated => "graduated",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A student record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Student {
    pub id: i64,
    pub user_id: Option<i64>,
    pub roll_number: String,
    pub name: String,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub address: Option<String>,
    pub contact_number: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub status: StudentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<students::Model> for Student {
    fn from(m: students::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            roll_number: m.roll_number,
            name: m.name,
            class_level: m.class_level,
            section: m.section,
            date_of_birth: m.date_of_birth,
            gender: m.gender,
            address: m.address,
            contact_number: m.contact_number,
            guardian_name: m.guardian_name,
            guardian_contact: m.guardian_contact,
            status: StudentStatus::parse(&m.status).unwrap_or(StudentStatus::Active),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A new student.
#[derive(Debug, Clone, Default)]
pub struct StudentInput {
    pub user_id: Option<i64>,
    pub roll_number: Option<String>,
    pub name: String,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub address: Option<String>,
    pub contact_number: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub status: Option<String>,
}

/// Changes to a student; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct StudentPatch {
    pub roll_number: Option<String>,
    pub name: Option<String>,
    pub class_level: Option<Option<i32>>,
    pub section: Option<Option<String>>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    pub gender: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub contact_number: Option<Option<String>>,
    pub guardian_name: Option<Option<String>>,
    pub guardian_contact: Option<Option<String>>,
    pub status: Option<String>,
}

/// Collects field problems, then fails once with all of them.
#[derive(Debug, Default)]
pub(crate) struct Checks(pub Vec<FieldIssue>);

impl Checks {
    pub fn text(&mut self, field: &'static str, value: Option<String>, max: usize) -> Option<String> {
        let v = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
        if v.chars().count() > max {
            self.0.push(FieldIssue::new(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
        if v.chars().any(char::is_control) {
            self.0.push(FieldIssue::new(
                field,
                "invalid_format",
                "must not contain control characters",
            ));
        }
        Some(v)
    }

    pub fn required(&mut self, field: &'static str, value: Option<String>, max: usize) -> String {
        match self.text(field, value, max) {
            Some(v) => v,
            None => {
                self.0.push(FieldIssue::new(field, "required", "is required"));
                String::new()
            }
        }
    }

    pub fn class_level(&mut self, value: Option<i32>) -> Option<i32> {
        if value.is_some_and(|c| !(0..=13).contains(&c)) {
            self.0.push(FieldIssue::new(
                "class_level",
                "out_of_range",
                "must be between 0 and 13",
            ));
        }
        value
    }

    pub fn status(&mut self, value: Option<String>) -> Option<StudentStatus> {
        let v = value?;
        let parsed = StudentStatus::parse(&v);
        if parsed.is_none() {
            self.0.push(FieldIssue::new(
                "status",
                "invalid_choice",
                "must be one of: active, graduated, withdrawn",
            ));
        }
        parsed
    }

    pub fn date_of_birth(&mut self, value: Option<NaiveDate>) -> Option<NaiveDate> {
        if value.is_some_and(|d| d > Utc::now().date_naive()) {
            self.0.push(FieldIssue::new(
                "date_of_birth",
                "out_of_range",
                "must not be in the future",
            ));
        }
        value
    }

    pub fn finish(self) -> Result<(), SchoolError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(SchoolError::Invalid(self.0))
        }
    }
}
