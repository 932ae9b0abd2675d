//! `/api/v1/courses`: the course catalogue. Anyone reads it; finance staff change it.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::{Course, CourseInput, CoursePatch};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::double_option;
use super::finance::amount;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_courses, create_course),
        routes!(get_course, update_course, delete_course),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseList {
    pub courses: Vec<Course>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CourseListQuery {
    /// Include deactivated courses.
    #[serde(default)]
    pub all: bool,
}

/// The course catalogue (public).
#[utoipa::path(get, path = "/api/v1/courses", tag = "finance", params(CourseListQuery),
    responses((status = 200, body = CourseList)))]
pub async fn list_courses(
    State(state): State<AppState>,
    Query(q): Query<CourseListQuery>,
) -> Result<Json<CourseList>, ApiError> {
    let courses = state.finance().courses(q.all).await?;
    Ok(Json(CourseList { courses }))
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "finance", params(("id" = i64, Path)),
    responses((status = 200, body = Course), (status = 404, description = "No such course")))]
pub async fn get_course(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Course>, ApiError> {
    Ok(Json(state.finance().course(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourseRequest {
    /// Unique code such as CS101.
    pub code: String,
    pub name: String,
    pub credits: i32,
    /// Major units, at most two decimals (`4000`, `"4000.50"`).
    #[schema(value_type = f64)]
    pub fee: Value,
    pub description: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/courses", tag = "finance", security(("bearer" = [])), request_body = CreateCourseRequest,
    responses((status = 201, body = Course), (status = 403, description = "Admins and finance staff only"), (status = 409, description = "Code taken")))]
pub async fn create_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<CreateCourseRequest>,
) -> Result<(StatusCode, Json<Course>), ApiError> {
    let fee_cents = if b.fee == 0 { 0 } else { amount(&b.fee, "fee")? };
    let input = CourseInput {
        code: b.code,
        name: b.name,
        credits: b.credits,
        fee_cents,
        description: b.description,
    };
    let course = state.finance().create_course(&who, input, &meta).await?;
    Ok((StatusCode::CREATED, Json(course)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCourseRequest {
    pub name: Option<String>,
    pub credits: Option<i32>,
    /// Major units; existing enrollments keep their fee.
    #[schema(value_type = Option<f64>)]
    pub fee: Option<Value>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/courses/{id}", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdateCourseRequest, responses((status = 200, body = Course)))]
pub async fn update_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<UpdateCourseRequest>,
) -> Result<Json<Course>, ApiError> {
    let fee_cents = match &b.fee {
        None => None,
        Some(v) if *v == 0 => Some(0),
        Some(v) => Some(amount(v, "fee")?),
    };
    let patch = CoursePatch {
        name: b.name,
        credits: b.credits,
        fee_cents,
        description: b.description,
        active: b.active,
    };
    Ok(Json(state.finance().update_course(&who, id, patch, &meta).await?))
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "The course has enrollments")))]
pub async fn delete_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.finance().delete_course(&who, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
