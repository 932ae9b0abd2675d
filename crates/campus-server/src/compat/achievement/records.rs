//! Seed 003 school records: `/api/students[/{id}]` (grades, GPA and attendance are in
//! `progress`). Seed 002 owns the literal `/api/students/{enroll,pay,status,payments}`;
//! literal segments win over `{id}` in the router.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::roles::{RoleSet, SchoolStaff};
use campus_domain::school::{SchoolError, Student, StudentFilter, StudentInput, StudentPatch};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::schema::{AchievementStudent, AchievementStudentRequest};
use super::{Answer, TAG, Words};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::error::Wording;
use crate::compat::schema::{BearerErrors, SeedErrorMessage, SeedMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::state::AppState;

/// Most students `GET /api/students` returns (the seed's list is not paginated).
const LIST_CAP: usize = 10_000;

/// The records routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![routes!(list, create), routes!(read, update, remove)]
}

/// `{id}` is an integer in the seed (`<int:id>`): anything else is not a route.
pub(super) fn student_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Resource not found"))
}

async fn student_json(state: &AppState, s: &Student) -> AchievementStudent {
    let email = match s.user_id {
        Some(uid) => state.identity().user(uid).await.ok().and_then(|u| u.email),
        None => None,
    };
    AchievementStudent {
        student_id: s.id,
        user_id: s.user_id,
        name: s.name.clone(),
        email,
        roll_number: s.roll_number.clone(),
        class_level: s.class_level,
        date_of_birth: s.date_of_birth,
        gender: s.gender.clone(),
        address: s.address.clone(),
        contact_number: s.contact_number.clone(),
        guardian_name: s.guardian_name.clone(),
        guardian_contact: s.guardian_contact.clone(),
        created_at: s.created_at.to_rfc3339(),
        updated_at: s.updated_at.to_rfc3339(),
    }
}

/// A date field: absent is `None`, anything but `YYYY-MM-DD` is the seed's 400.
pub(super) fn date_field(body: &Value, key: &str) -> Result<Option<NaiveDate>, ApiError> {
    match text(body, key) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad_request(&format!("{key} must be a date in YYYY-MM-DD format"))),
    }
}

/// Every student (staff only; parents and students read one record).
#[utoipa::path(get, path = "/api/students", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "The students, at most 10,000", body = [AchievementStudent]),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn list(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    // Seed 003's list is the whole school: staff only (parents and students read one record).
    if !SchoolStaff::contains(who.role) {
        return Err(ApiError::forbidden("You do not have permission to do this").into());
    }
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = campus_domain::pagination::PageRequest::parse(Some(500), cursor.as_deref())
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let page = state
            .school()
            .list_students(&who, &StudentFilter::default(), page)
            .await?;
        for s in &page.items {
            out.push(student_json(&state, s).await);
        }
        match page.next_cursor {
            Some(c) if out.len() < LIST_CAP => cursor = Some(c),
            _ => break,
        }
    }
    Ok(reply(StatusCode::OK, json!(out)))
}

/// Creates a student record (staff), optionally linked to a student account.
#[utoipa::path(post, path = "/api/students", tag = TAG, security(("bearer" = [])), request_body = AchievementStudentRequest,
    responses(
        (status = 201, description = "Created", body = AchievementStudent),
        (status = 400, description = "A field is missing or invalid", body = SeedErrorMessage),
        (status = 404, description = "No such user", body = SeedErrorMessage),
        (status = 409, description = "The roll number is taken, or the user has a record", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn create(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    if !body.is_object() {
        return Err(bad_request("Request body must be a JSON object").into());
    }
    let user_id = body.get("user_id").and_then(Value::as_i64);
    let mut name = text(&body, "name");
    if let Some(uid) = user_id {
        let user = state.identity().user(uid).await?;
        name = name.or_else(|| Some(user.display_name().to_owned()));
    }
    let input = StudentInput {
        user_id,
        roll_number: text(&body, "roll_number"),
        name: name.unwrap_or_default(),
        class_level: body
            .get("class_level")
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok()),
        section: text(&body, "section"),
        date_of_birth: date_field(&body, "date_of_birth")?,
        gender: text(&body, "gender"),
        address: text(&body, "address"),
        contact_number: text(&body, "contact_number"),
        guardian_name: text(&body, "guardian_name"),
        guardian_contact: text(&body, "guardian_contact"),
        status: None,
    };
    let student = state
        .school()
        .create_student(&who, input, &meta)
        .await
        .map_err(|e| match e {
            SchoolError::Conflict(_) if user_id.is_some() => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "User already has a student profile",
            ),
            other => Words::school(other),
        })?;
    Ok(reply(
        StatusCode::CREATED,
        json!(student_json(&state, &student).await),
    ))
}

/// One student: staff, the student, or a linked parent (others: 404).
#[utoipa::path(get, path = "/api/students/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    responses(
        (status = 200, description = "The record", body = AchievementStudent),
        (status = 404, description = "No such student, or not one the caller may see", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "The role reads no records", body = SeedErrorMessage),
    ))]
async fn read(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    let student = state.school().student(&who, student_id(&id)?, &meta).await?;
    Ok(reply(StatusCode::OK, json!(student_json(&state, &student).await)))
}

/// Changes a student record (staff); a field sent as null is cleared.
#[utoipa::path(put, path = "/api/students/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    request_body = AchievementStudentRequest,
    responses(
        (status = 200, description = "Changed", body = AchievementStudent),
        (status = 400, description = "A field is invalid", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn update(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = student_id(&id)?;
    let opt = |key: &str| body.get(key).map(|_| text(&body, key));
    let patch = StudentPatch {
        name: text(&body, "name"),
        date_of_birth: match body.get("date_of_birth") {
            Some(_) => Some(date_field(&body, "date_of_birth")?),
            None => None,
        },
        gender: opt("gender"),
        address: opt("address"),
        contact_number: opt("contact_number"),
        guardian_name: opt("guardian_name"),
        guardian_contact: opt("guardian_contact"),
        ..StudentPatch::default()
    };
    let student = state.school().update_student(&who, id, patch, &meta).await?;
    Ok(reply(StatusCode::OK, json!(student_json(&state, &student).await)))
}

/// Deletes a student with their grades and attendance (administrators; not with money history).
#[utoipa::path(delete, path = "/api/students/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    responses(
        (status = 200, description = "Deleted", body = SeedMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        (status = 409, description = "The student has ledger entries", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not an administrator", body = SeedErrorMessage),
    ))]
async fn remove(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    state
        .school()
        .delete_student(&who, student_id(&id)?, &meta)
        .await?;
    let done = SeedMessage {
        message: "Student deleted".to_owned(),
    };
    Ok(reply(StatusCode::OK, json!(done)))
}
