//! `/api/v1`: activities, lookups, documents and the marks query.
//!
//! Lookup values of personal columns (`roll`, `name`, `marks`) and the marks query are
//! student data: staff only. Subject and class lookups and documents are readable by any
//! signed-in user; changes are staff only.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::content::{self, Document, LineEdit, LineEditOutcome, MarkColumn, MarkRow};
use campus_domain::school::Activity;
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
    vec![
        routes!(list_activities, create_activity),
        routes!(delete_activity),
        routes!(get_lookups, add_lookups),
        routes!(get_document, put_document),
        routes!(patch_line),
        routes!(query_marks),
    ]
}

pub(crate) fn column(text: &str) -> Result<MarkColumn, ApiError> {
    MarkColumn::parse(text).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_column",
            format!("`{text}` is not a column; use one of: roll_number, name, subject, class_level, score"),
        )
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityList {
    pub activities: Vec<Activity>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivityRequest {
    pub activity_name: String,
    pub role_or_award: Option<String>,
    pub participation_date: Option<NaiveDate>,
}

#[utoipa::path(get, path = "/api/v1/students/{id}/activities", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ActivityList)))]
pub async fn list_activities(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<ActivityList>, ApiError> {
    let activities = state.school().activities(&who, id).await?;
    Ok(Json(ActivityList { activities }))
}

#[utoipa::path(post, path = "/api/v1/students/{id}/activities", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CreateActivityRequest, responses((status = 201, body = Activity)))]
pub async fn create_activity(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<CreateActivityRequest>,
) -> Result<(StatusCode, Json<Activity>), ApiError> {
    let a = state
        .school()
        .add_activity(
            &who,
            id,
            b.activity_name,
            b.role_or_award,
            b.participation_date,
            &meta,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "students", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204, description = "Deleted")))]
pub async fn delete_activity(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.school().delete_activity(&who, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LookupValues {
    pub column: String,
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLookupsRequest {
    pub values: Vec<String>,
}

/// Values a column takes in the records, then the extra allowed values.
#[utoipa::path(get, path = "/api/v1/lookups/{column}", tag = "content", security(("bearer" = [])),
    params(("column" = String, Path, description = "roll_number, name, subject, class_level or score")),
    responses((status = 200, body = LookupValues), (status = 400, description = "Unknown column")))]
pub async fn get_lookups(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(col): Path<String>,
) -> Result<Json<LookupValues>, ApiError> {
    let c = column(&col)?;
    let values = state.content().lookups(Some(&who), c).await?;
    Ok(Json(LookupValues {
        column: c.seed_name().to_owned(),
        values,
    }))
}

/// Adds allowed values (staff); duplicates and blanks are ignored.
#[utoipa::path(post, path = "/api/v1/lookups/{column}", tag = "content", security(("bearer" = [])),
    params(("column" = String, Path)), request_body = AddLookupsRequest, responses((status = 200, body = LookupValues)))]
pub async fn add_lookups(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(col): Path<String>,
    Json(b): Json<AddLookupsRequest>,
) -> Result<Json<LookupValues>, ApiError> {
    // Refused before the column is read; the service checks again.
    content::policy::check_staff(&who)?;
    let c = column(&col)?;
    let values = state.content().add_lookups(&who, c, &b.values).await?;
    Ok(Json(LookupValues {
        column: c.seed_name().to_owned(),
        values,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutDocumentRequest {
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchLineRequest {
    pub text: String,
    /// Insert at this character index instead of replacing the line.
    pub insert_at: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/documents/{key}", tag = "content", security(("bearer" = [])),
    params(("key" = String, Path)), responses((status = 200, body = Document), (status = 404, description = "No such document")))]
pub async fn get_document(
    State(state): State<AppState>,
    AuthUser(_who): AuthUser,
    Path(key): Path<String>,
) -> Result<Json<Document>, ApiError> {
    let doc = state.content().document(&key).await?;
    doc.map(Json)
        .ok_or_else(|| ApiError::not_found(format!("No document `{key}`.")))
}

/// Replaces the whole text (staff).
#[utoipa::path(put, path = "/api/v1/documents/{key}", tag = "content", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = PutDocumentRequest, responses((status = 200, body = Document)))]
pub async fn put_document(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(key): Path<String>,
    Json(b): Json<PutDocumentRequest>,
) -> Result<Json<Document>, ApiError> {
    let doc = state.content().set_document(&who, &key, &b.text).await?;
    Ok(Json(doc))
}

/// Replaces line `n` (1-based; missing lines are padded) or inserts into it (staff).
#[utoipa::path(patch, path = "/api/v1/documents/{key}/lines/{n}", tag = "content", security(("bearer" = [])),
    params(("key" = String, Path), ("n" = usize, Path)), request_body = PatchLineRequest, responses((status = 200, body = LineEditOutcome)))]
pub async fn patch_line(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path((key, n)): Path<(String, usize)>,
    Json(b): Json<PatchLineRequest>,
) -> Result<Json<LineEditOutcome>, ApiError> {
    let edit = LineEdit {
        line: n,
        text: b.text,
        insert_at: b.insert_at,
    };
    let outcome = state.content().edit_line(&who, &key, edit).await?;
    Ok(Json(outcome))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MarksQuery {
    pub roll_number: Option<String>,
    pub name: Option<String>,
    pub subject: Option<String>,
    pub class_level: Option<String>,
    pub score: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarksResponse {
    pub marks: Vec<MarkRow>,
}

/// The marks view (one row per scored grade with its student), filtered by equality on
/// allowlisted columns (staff). At most 5,000 rows.
#[utoipa::path(get, path = "/api/v1/marks", tag = "content", security(("bearer" = [])), params(MarksQuery),
    responses((status = 200, body = MarksResponse), (status = 400, description = "Unknown filter")))]
pub async fn query_marks(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<MarksQuery>,
) -> Result<Json<MarksResponse>, ApiError> {
    let filters: Vec<(MarkColumn, String)> = [
        (MarkColumn::Roll, q.roll_number),
        (MarkColumn::Name, q.name),
        (MarkColumn::Subject, q.subject),
        (MarkColumn::Class, q.class_level),
        (MarkColumn::Marks, q.score),
    ]
    .into_iter()
    .filter_map(|(c, v)| v.map(|v| (c, v)))
    .collect();
    let rows = state.content().marks(&who, &filters).await?;
    Ok(Json(MarksResponse { marks: rows }))
}
