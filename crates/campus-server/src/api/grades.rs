//! `/api/v1`: grades and GPA (cumulative, per term, per subject, what-if, needed).

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::gpa::GpaReport;
use campus_domain::school::{Grade, GradeInput, GradePatch, NeededGrade, WhatIfGrade};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::double_option;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_grades, create_grade),
        routes!(update_grade, delete_grade),
        routes!(get_gpa),
        routes!(gpa_what_if),
        routes!(gpa_needed),
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGradeRequest {
    pub subject: String,
    /// 0–100.
    pub score: Option<f64>,
    /// A, B, C, D or F with optional + or -.
    pub letter: Option<String>,
    pub term: Option<String>,
    /// Default 1.
    pub credits: Option<f64>,
    /// Default today.
    pub graded_at: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGradeRequest {
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub score: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub letter: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub term: Option<Option<String>>,
    pub credits: Option<f64>,
    pub graded_at: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GradeList {
    pub grades: Vec<Grade>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfEntry {
    /// Id of a recorded grade to replace; absent to add a grade.
    pub replaces: Option<i64>,
    pub subject: Option<String>,
    pub score: Option<f64>,
    pub letter: Option<String>,
    pub credits: Option<f64>,
    pub term: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    pub grades: Vec<WhatIfEntry>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NeededQuery {
    /// Target credit-weighted GPA (0–4).
    pub target: f64,
    pub remaining_credits: f64,
}

#[utoipa::path(get, path = "/api/v1/students/{id}/grades", tag = "grades", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = GradeList), (status = 404, description = "No such student, or not one of yours")))]
pub async fn list_grades(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<GradeList>, ApiError> {
    let grades = state.school().grades(&who, id).await?;
    Ok(Json(GradeList { grades }))
}

#[utoipa::path(post, path = "/api/v1/students/{id}/grades", tag = "grades", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CreateGradeRequest, responses((status = 201, body = Grade), (status = 422, description = "Invalid grade")))]
pub async fn create_grade(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<CreateGradeRequest>,
) -> Result<(StatusCode, Json<Grade>), ApiError> {
    let input = GradeInput {
        subject: b.subject,
        score: b.score,
        letter: b.letter,
        term: b.term,
        credits: b.credits,
        graded_at: b.graded_at,
    };
    let grade = state.school().add_grade(&who, id, input, &meta).await?;
    Ok((StatusCode::CREATED, Json(grade)))
}

/// Changes a grade (audited with before and after).
#[utoipa::path(patch, path = "/api/v1/grades/{id}", tag = "grades", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdateGradeRequest, responses((status = 200, body = Grade), (status = 422, description = "Invalid grade")))]
pub async fn update_grade(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<UpdateGradeRequest>,
) -> Result<Json<Grade>, ApiError> {
    let patch = GradePatch {
        subject: b.subject,
        score: b.score,
        letter: b.letter,
        term: b.term,
        credits: b.credits,
        graded_at: b.graded_at,
    };
    Ok(Json(state.school().update_grade(&who, id, patch, &meta).await?))
}

#[utoipa::path(delete, path = "/api/v1/grades/{id}", tag = "grades", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_grade(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.school().delete_grade(&who, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GPA on the 4.0 scale: unweighted and credit-weighted, cumulative and per term, with a
/// per-subject breakdown.
#[utoipa::path(get, path = "/api/v1/students/{id}/gpa", tag = "grades", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = GpaReport)))]
pub async fn get_gpa(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<GpaReport>, ApiError> {
    Ok(Json(state.school().gpa(&who, id).await?))
}

/// The GPA if hypothetical grades were added or replaced; nothing is written.
#[utoipa::path(post, path = "/api/v1/students/{id}/gpa/what-if", tag = "grades", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WhatIfRequest, responses((status = 200, body = GpaReport)))]
pub async fn gpa_what_if(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Json(b): Json<WhatIfRequest>,
) -> Result<Json<GpaReport>, ApiError> {
    let changes = b
        .grades
        .into_iter()
        .map(|g| WhatIfGrade {
            replaces: g.replaces,
            subject: g.subject,
            score: g.score,
            letter: g.letter,
            credits: g.credits,
            term: g.term,
        })
        .collect();
    Ok(Json(state.school().gpa_what_if(&who, id, changes).await?))
}

/// The average grade needed on the remaining credits to reach a target GPA.
#[utoipa::path(get, path = "/api/v1/students/{id}/gpa/needed", tag = "grades", security(("bearer" = [])),
    params(("id" = i64, Path), NeededQuery), responses((status = 200, body = NeededGrade)))]
pub async fn gpa_needed(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<NeededQuery>,
) -> Result<Json<NeededGrade>, ApiError> {
    let needed = state
        .school()
        .gpa_needed(&who, id, q.target, q.remaining_credits)
        .await?;
    Ok(Json(needed))
}
