//! Reports on `/api/v1`: generate a student's progress report, achievement report,
//! transcript, statement or receipt (the stored one when the same request finds the same
//! data), list and read them (the data they certified and a signed PDF link), and report-card
//! batches for a class.

use crate::api::routing::routes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use campus_domain::reports::{Batch, Report, ReportKind, ReportParams};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::reports::{configured_base, pdf_link};
use crate::state::AppState;

pub(crate) fn routes() -> Routes {
    vec![
        routes!(create_report, list_reports),
        routes!(get_report),
        routes!(get_report_pdf),
        routes!(get_receipt),
        routes!(create_batch),
        routes!(get_batch),
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReportRequest {
    /// progress, achievement, transcript, statement or receipt.
    pub kind: String,
    /// progress: one term (default: all terms).
    pub term: Option<String>,
    /// progress (attendance) and statement: first day.
    pub from: Option<NaiveDate>,
    /// progress (attendance) and statement: last day, inclusive; at most 10 years after `from`.
    pub to: Option<NaiveDate>,
    /// receipt: the ledger payment.
    pub entry_id: Option<i64>,
    /// progress: a teacher's comment, printed as given.
    pub comment: Option<String>,
}

/// A report with a fresh signed link to its PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: Report,
    /// A signed link to the PDF; expires at `pdf_url_expires_in` seconds from now.
    pub pdf_url: String,
    pub pdf_url_expires_in: u64,
}

/// A report, the data it certified, and a signed link to its PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub report: Report,
    /// The document's data (kind-specific; the PDF shows exactly these numbers).
    pub data: serde_json::Value,
    pub pdf_url: String,
    pub pdf_url_expires_in: u64,
}

async fn view(state: &AppState, headers: &HeaderMap, report: Report) -> Result<ReportView, ApiError> {
    Ok(ReportView {
        pdf_url: pdf_link(state, headers, &report).await?,
        pdf_url_expires_in: state.settings().storage.link_ttl_secs,
        report,
    })
}

/// Generates a report (201), or answers the stored one (200) when the same request finds the
/// same data. Readers of the records it shows may generate it.
#[utoipa::path(post, path = "/api/v1/students/{id}/reports", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CreateReportRequest,
    responses((status = 201, body = ReportView), (status = 200, description = "The stored report for the same data", body = ReportView),
        (status = 404, description = "No such student, or not one the caller may see"),
        (status = 422, description = "Unknown kind, a period over 10 years, a receipt without a payment")))]
pub async fn create_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<CreateReportRequest>,
) -> Result<Response, ApiError> {
    let kind = ReportKind::parse(&body.kind).map_err(|issue| ApiError::from(vec![issue]))?;
    let params = ReportParams {
        term: body.term,
        from: body.from,
        to: body.to,
        entry_id: body.entry_id,
        comment: body.comment,
    };
    let base = configured_base(state.settings());
    let generated = state
        .report_pipeline()
        .generate(&who, kind, id, params, None, &base, &meta)
        .await?;
    let status = if generated.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view(&state, &headers, generated.report).await?)).into_response())
}

/// A student's reports the caller may read, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/students/{id}/reports", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = [Report])))]
pub async fn list_reports(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Report>>, ApiError> {
    Ok(Json(state.reports().list(&who, id).await?))
}

/// A report: the data it certified and a fresh signed link to its PDF.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ReportDetail),
        (status = 404, description = "No such report, or not one the caller may see")))]
pub async fn get_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<ReportDetail>, ApiError> {
    let found = state.reports().report(&who, id, &meta).await?;
    Ok(Json(ReportDetail {
        pdf_url: pdf_link(&state, &headers, &found.report).await?,
        pdf_url_expires_in: state.settings().storage.link_ttl_secs,
        report: found.report,
        data: found.data,
    }))
}

/// Redirects (303) to a fresh signed link to the report's PDF.
#[utoipa::path(get, path = "/api/v1/reports/{id}/pdf", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 303, description = "To the signed PDF link"),
        (status = 404, description = "No such report, or not one the caller may see")))]
pub async fn get_report_pdf(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let found = state.reports().report(&who, id, &meta).await?;
    let link = pdf_link(&state, &headers, &found.report).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Redirect::to(&link)).into_response())
}

/// The receipt of a ledger payment (rendered on first request, then the stored one while
/// the balance it shows stands).
#[utoipa::path(get, path = "/api/v1/ledger/{entry_id}/receipt", tag = "reports", security(("bearer" = [])),
    params(("entry_id" = i64, Path)), responses((status = 200, body = ReportView),
        (status = 404, description = "No such entry, or not one the caller may see"),
        (status = 422, description = "The entry is not a payment")))]
pub async fn get_receipt(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(entry_id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let (entry, _) = state.finance().entry_with_balance(&who, entry_id).await?;
    let params = ReportParams {
        entry_id: Some(entry_id),
        ..Default::default()
    };
    let base = configured_base(state.settings());
    let generated = state
        .report_pipeline()
        .generate(
            &who,
            ReportKind::Receipt,
            entry.student_id,
            params,
            None,
            &base,
            &meta,
        )
        .await?;
    Ok(Json(view(&state, &headers, generated.report).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBatchRequest {
    /// progress (default), achievement or transcript.
    pub kind: Option<String>,
    pub class_level: i32,
    /// progress: the term.
    pub term: Option<String>,
}

/// Queues a report for every active student of a class level (at most 2,000), rendered in
/// the background by whichever instance claims it. Teachers and administrators.
#[utoipa::path(post, path = "/api/v1/reports/batches", tag = "reports", security(("bearer" = [])),
    request_body = CreateBatchRequest, responses((status = 202, body = Batch),
        (status = 403, description = "Teachers and administrators only"),
        (status = 422, description = "Unknown kind, an empty class, or more than 2,000 students")))]
pub async fn create_batch(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(body): Json<CreateBatchRequest>,
) -> Result<(StatusCode, Json<Batch>), ApiError> {
    let kind = match body.kind.as_deref() {
        None => ReportKind::Progress,
        Some(k) => ReportKind::parse(k).map_err(|issue| ApiError::from(vec![issue]))?,
    };
    let batch = state
        .reports()
        .create_batch(&who, kind, body.class_level, body.term, &meta)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(batch)))
}

/// A batch's progress.
#[utoipa::path(get, path = "/api/v1/reports/batches/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Batch), (status = 404, description = "No such batch")))]
pub async fn get_batch(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<Batch>, ApiError> {
    Ok(Json(state.reports().batch(&who, id).await?))
}
