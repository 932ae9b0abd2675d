//! `/api/v1`: grades, GPA (cumulative, per term, per subject, what-if, needed) and attendance.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::gpa::GpaReport;
use campus_domain::school::{
    AttendanceMark, AttendanceRecord, AttendanceSummary, BulkMark, Grade, GradeInput, GradePatch,
    NeededGrade, WhatIfGrade,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::double_option;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use utoipa_axum::routes;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_grades, create_grade),
        routes!(update_grade, delete_grade),
        routes!(get_gpa),
        routes!(gpa_what_if),
        routes!(gpa_needed),
        routes!(list_attendance, mark_attendance),
        routes!(mark_bulk),
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First date (inclusive).
    pub from: Option<NaiveDate>,
    /// Last date (inclusive).
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceList {
    pub records: Vec<AttendanceRecord>,
    pub summary: AttendanceSummary,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    /// Default today.
    pub date: Option<NaiveDate>,
    /// One of the configured codes (default Present, Absent, Late, Excused).
    pub status: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEntry {
    pub student_id: i64,
    pub status: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub date: NaiveDate,
    /// 1 to 1000 marks, applied in one transaction: all or nothing.
    pub marks: Vec<BulkEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub records: Vec<AttendanceRecord>,
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

#[utoipa::path(get, path = "/api/v1/students/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = i64, Path), RangeQuery), responses((status = 200, body = AttendanceList)))]
pub async fn list_attendance(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<AttendanceList>, ApiError> {
    let (records, summary) = state.school().attendance(&who, id, q.from, q.to).await?;
    Ok(Json(AttendanceList { records, summary }))
}

/// Records a mark; marking the same date again updates it (200) and is audited.
#[utoipa::path(post, path = "/api/v1/students/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MarkRequest,
    responses((status = 201, body = AttendanceRecord), (status = 200, description = "Re-marked", body = AttendanceRecord)))]
pub async fn mark_attendance(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<MarkRequest>,
) -> Result<(StatusCode, Json<AttendanceRecord>), ApiError> {
    let mark = AttendanceMark {
        date: b.date,
        status: b.status,
        note: b.note,
    };
    let (record, created) = state.school().mark_attendance(&who, id, mark, &meta).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(record),
    ))
}

/// Marks a class for one date in one transaction: every mark is applied, or none.
#[utoipa::path(post, path = "/api/v1/attendance/bulk", tag = "attendance", security(("bearer" = [])),
    request_body = BulkRequest, responses((status = 200, body = BulkResponse), (status = 422, description = "A mark is invalid; nothing written")))]
pub async fn mark_bulk(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<BulkRequest>,
) -> Result<Json<BulkResponse>, ApiError> {
    let marks = b
        .marks
        .into_iter()
        .map(|m| BulkMark {
            student_id: m.student_id,
            status: m.status,
            note: m.note,
        })
        .collect();
    let records = state.school().mark_bulk(&who, b.date, marks, &meta).await?;
    Ok(Json(BulkResponse { records }))
}
