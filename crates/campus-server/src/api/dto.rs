//! Response shapes shared by several `/api/v1` resources.

use campus_domain::identity::User;
use campus_domain::pagination::Page;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: String,
    /// admin, teacher, finance, student, parent or user.
    pub role: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    pub preferences: PreferencesResponse,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Display preferences (seed 001's accessibility settings).
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesResponse {
    pub language: String,
    /// small, medium or large.
    pub text_size: String,
    /// default, medium or large.
    pub icon_size: String,
    pub high_contrast_mode: bool,
    /// IANA time zone for usage summaries; `null`: the school's.
    pub timezone: Option<String>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            date_of_birth: u.date_of_birth,
            age: u.age,
            gender: u.gender,
            preferences: PreferencesResponse {
                language: u.language,
                text_size: u.text_size,
                icon_size: u.icon_size,
                high_contrast_mode: u.high_contrast_mode,
                timezone: u.timezone,
            },
            is_active: u.is_active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Pagination facts of a list response.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    pub limit: u64,
}

impl PageMeta {
    pub fn of<T>(page: &Page<T>) -> Self {
        Self {
            next_cursor: page.next_cursor.clone(),
            limit: page.limit,
        }
    }
}

/// Parses `?limit=&cursor=` into a page request (400 `invalid_page` when out of range).
pub fn page_request(
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<campus_domain::pagination::PageRequest, crate::error::ApiError> {
    campus_domain::pagination::PageRequest::parse(limit, cursor).map_err(|e| {
        crate::error::ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_page", e.to_string())
    })
}

/// Deserialises a PATCH field so that absent = `None`, `null` = `Some(None)`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
