//! `/api/v1`: attendance marks, one at a time or a class at once, and summaries.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::{AttendanceMark, AttendanceRecord, AttendanceSummary, BulkMark};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![routes!(list_attendance, mark_attendance), routes!(mark_bulk)]
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
