//! `/api/v1/students`: student records and their guardians.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::{Guardian, Student, StudentFilter, StudentInput, StudentPatch, StudentStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, double_option, page_request};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_students, create_student),
        routes!(get_student, update_student, delete_student),
        routes!(list_guardians, link_guardian),
        routes!(unlink_guardian),
    ]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StudentListQuery {
    pub class_level: Option<i32>,
    pub section: Option<String>,
    /// active, graduated or withdrawn.
    pub status: Option<String>,
    /// Prefix of the name.
    pub name: Option<String>,
    /// 1..=500, default 50.
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudentList {
    pub students: Vec<Student>,
    pub meta: PageMeta,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStudentRequest {
    /// Link to a user account with the student role.
    pub user_id: Option<i64>,
    /// Unique external id; generated (`S00042`) when absent.
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStudentRequest {
    pub roll_number: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub class_level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    pub section: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub date_of_birth: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    pub gender: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub contact_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub guardian_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub guardian_contact: Option<Option<String>>,
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuardianList {
    pub guardians: Vec<Guardian>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkGuardianRequest {
    /// A user with the parent role.
    pub user_id: i64,
    pub relationship: Option<String>,
    #[serde(default = "yes")]
    pub may_receive_notices: bool,
}

fn yes() -> bool {
    true
}

/// Students the caller may see (staff and finance: all; parents: their children; students:
/// themselves), filtered and cursor-paginated.
#[utoipa::path(get, path = "/api/v1/students", tag = "students", security(("bearer" = [])), params(StudentListQuery),
    responses((status = 200, body = StudentList), (status = 403, description = "Role without access to student records")))]
pub async fn list_students(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<StudentListQuery>,
) -> Result<Json<StudentList>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(StudentStatus::parse(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "status must be one of: active, graduated, withdrawn",
            )
        })?),
    };
    let filter = StudentFilter {
        class_level: q.class_level,
        section: q.section,
        status,
        name: q.name,
    };
    let page = state
        .school()
        .list_students(&who, &filter, page_request(q.limit, q.cursor.as_deref())?)
        .await?;
    Ok(Json(StudentList {
        meta: PageMeta::of(&page),
        students: page.items,
    }))
}

#[utoipa::path(post, path = "/api/v1/students", tag = "students", security(("bearer" = [])), request_body = CreateStudentRequest,
    responses((status = 201, body = Student), (status = 409, description = "Roll number or user already used"),
        (status = 422, description = "Invalid fields")))]
pub async fn create_student(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<CreateStudentRequest>,
) -> Result<(StatusCode, Json<Student>), ApiError> {
    let input = StudentInput {
        user_id: b.user_id,
        roll_number: b.roll_number,
        name: b.name,
        class_level: b.class_level,
        section: b.section,
        date_of_birth: b.date_of_birth,
        gender: b.gender,
        address: b.address,
        contact_number: b.contact_number,
        guardian_name: b.guardian_name,
        guardian_contact: b.guardian_contact,
        status: b.status,
    };
    let student = state.school().create_student(&who, input, &meta).await?;
    Ok((StatusCode::CREATED, Json(student)))
}

/// One student. Reads by staff are recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/students/{id}", tag = "students", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Student), (status = 404, description = "No such student, or not one of yours")))]
pub async fn get_student(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<Student>, ApiError> {
    Ok(Json(state.school().student(&who, id, &meta).await?))
}

#[utoipa::path(patch, path = "/api/v1/students/{id}", tag = "students", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdateStudentRequest, responses((status = 200, body = Student), (status = 422, description = "Invalid fields")))]
pub async fn update_student(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<UpdateStudentRequest>,
) -> Result<Json<Student>, ApiError> {
    let patch = StudentPatch {
        roll_number: b.roll_number,
        name: b.name,
        class_level: b.class_level,
        section: b.section,
        date_of_birth: b.date_of_birth,
        gender: b.gender,
        address: b.address,
        contact_number: b.contact_number,
        guardian_name: b.guardian_name,
        guardian_contact: b.guardian_contact,
        status: b.status,
    };
    Ok(Json(state.school().update_student(&who, id, patch, &meta).await?))
}

/// Deletes a student with their grades, attendance and guardian links (administrators).
#[utoipa::path(delete, path = "/api/v1/students/{id}", tag = "students", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not an administrator")))]
pub async fn delete_student(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.school().delete_student(&who, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/students/{id}/guardians", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = GuardianList)))]
pub async fn list_guardians(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<GuardianList>, ApiError> {
    let guardians = state.school().guardians(&who, id).await?;
    Ok(Json(GuardianList { guardians }))
}

/// Links a parent account to the student (staff).
#[utoipa::path(post, path = "/api/v1/students/{id}/guardians", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = LinkGuardianRequest,
    responses((status = 201, body = GuardianList), (status = 409, description = "Already linked")))]
pub async fn link_guardian(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<LinkGuardianRequest>,
) -> Result<(StatusCode, Json<GuardianList>), ApiError> {
    let school = state.school();
    school
        .link_guardian(&who, id, b.user_id, b.relationship, b.may_receive_notices, &meta)
        .await?;
    let guardians = school.guardians(&who, id).await?;
    Ok((StatusCode::CREATED, Json(GuardianList { guardians })))
}

#[utoipa::path(delete, path = "/api/v1/students/{id}/guardians/{user_id}", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Unlinked"), (status = 404, description = "No such link")))]
pub async fn unlink_guardian(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.school().unlink_guardian(&who, id, user_id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
