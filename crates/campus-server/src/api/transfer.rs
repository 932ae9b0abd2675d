//! `/api/v1/imports/{kind}` (CSV or XLSX upload, dry run by default) and
//! `/api/v1/exports/{dataset}` (CSV, XLSX or JSON download).

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_domain::school::StudentFilter;
use campus_domain::school::export::{self, Dataset};
use campus_domain::school::import::ImportReport;
use campus_tabular::{FileWriter, Format, Input, Limits, TableReader};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Routes, with_layer};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta, RecordKeepers, RoleSet};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        // The stack's body limit for this prefix is `school.import.max_upload_bytes`.
        with_layer(routes!(import), DefaultBodyLimit::disable()),
        routes!(export),
    ]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Apply the file (all rows or none). Without it the import is a dry run.
    #[serde(default)]
    pub commit: bool,
}

/// The read limits from the settings.
pub(crate) fn limits(settings: &campus_config::ImportSettings) -> Limits {
    Limits {
        max_rows: settings.max_rows,
        max_expanded_bytes: settings.max_expanded_bytes,
        ..Limits::default()
    }
}

/// Upload a `students`, `grades` or `attendance` file (multipart field `file`, CSV or XLSX).
/// Returns the diff: new, updated and unchanged rows and every row error with its row number.
/// With `commit=true` everything is applied in one transaction, or nothing (422 with the
/// report) if any row has an error.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "imports", security(("bearer" = [])),
    params(("kind" = String, Path, description = "students, grades or attendance"), ImportQuery),
    request_body(content_type = "multipart/form-data", description = "A form with one file field `file`"),
    responses((status = 200, body = ImportReport, description = "Dry run, or committed"),
        (status = 413, description = "File larger than school.import.max_upload_bytes"),
        (status = 422, description = "Unreadable file or header, or (commit) rows with errors: nothing written")))]
pub async fn import(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let kind = Dataset::parse(&kind)
        .ok_or_else(|| ApiError::not_found("Imports are: students, grades, attendance."))?;
    // Refused before the upload is read; the import service checks the same set again.
    if !RecordKeepers::contains(who.role) {
        return Err(ApiError::forbidden("Your role does not allow this."));
    }
    let bytes = read_file_field(multipart).await?;
    let settings = &state.settings().school.import;
    let table = TableReader::open(Input::Bytes(bytes), limits(settings)).await?;
    let report = state
        .school()
        .import(&who, kind, table, q.commit, &meta, &|_| {})
        .await?;
    if q.commit && !report.committed {
        return Ok(rejected(report));
    }
    Ok(axum::Json(report).into_response())
}

/// 422 problem+json carrying the report, so the client sees every row error.
fn rejected(report: ImportReport) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "code": "import_rejected",
        "detail": format!(
            "{} of {} rows have errors; nothing was written. Fix them and import again.",
            report.errors_total, report.rows
        ),
        "report": report,
    });
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

async fn read_file_field(multipart: Result<Multipart, MultipartRejection>) -> Result<Vec<u8>, ApiError> {
    let expected = || ApiError::bad_request("Send the file as multipart/form-data in a field named `file`.");
    let mut multipart = multipart.map_err(|_| expected())?;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("file") {
            return Ok(field.bytes().await.map_err(multipart_error)?.to_vec());
        }
    }
    Err(expected())
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        crate::extract::payload_too_large()
    } else {
        ApiError::bad_request(format!("The multipart body is malformed: {}", e.body_text()))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// csv (default), xlsx or json.
    pub format: Option<String>,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    /// active, graduated or withdrawn.
    pub status: Option<String>,
}

/// Download `students`, `grades` or `attendance` (of the students matching the filters) as CSV,
/// XLSX (bold header row) or JSON. The columns are those the matching import accepts.
#[utoipa::path(get, path = "/api/v1/exports/{dataset}", tag = "imports", security(("bearer" = [])),
    params(("dataset" = String, Path, description = "students, grades or attendance"), ExportQuery),
    responses((status = 200, description = "The file", content_type = "text/csv"),
        (status = 403, description = "Role without access to this data")))]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(dataset): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let dataset = Dataset::parse(&dataset)
        .ok_or_else(|| ApiError::not_found("Exports are: students, grades, attendance."))?;
    let bad_query = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", m.to_owned());
    let format = q.format.as_deref().unwrap_or("csv");
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            campus_domain::school::StudentStatus::parse(s)
                .ok_or_else(|| bad_query("status must be one of: active, graduated, withdrawn"))?,
        ),
    };
    let filter = StudentFilter {
        class_level: q.class_level,
        section: q.section,
        status,
        name: None,
    };
    let school = state.school();
    let (body, content_type, extension) = match format {
        "json" => {
            let header = dataset.header();
            let mut rows = Vec::new();
            let mut first = true;
            school
                .export(&who, dataset, &filter, |cells| {
                    if !std::mem::take(&mut first) {
                        rows.push(export::json_object(header, cells));
                    }
                    Ok::<_, std::convert::Infallible>(())
                })
                .await?;
            let body = serde_json::to_vec(&serde_json::json!({ dataset.as_str(): rows }))
                .map_err(ApiError::internal)?;
            (body, "application/json", "json")
        }
        other => {
            let format =
                Format::parse(other).ok_or_else(|| bad_query("format must be one of: csv, xlsx, json"))?;
            let mut w = FileWriter::new(format, dataset.as_str())?;
            school
                .export(&who, dataset, &filter, |cells| w.write_row(&cells))
                .await?;
            (w.finish()?, format.content_type(), format.extension())
        }
    };
    Ok(attachment(body, content_type, dataset.as_str(), extension))
}

/// A download: the body with its content type and `Content-Disposition: attachment` named
/// `<stem>-<today>.<extension>`.
pub(crate) fn attachment(body: Vec<u8>, content_type: &'static str, stem: &str, extension: &str) -> Response {
    let file = format!(
        "attachment; filename=\"{stem}-{}.{extension}\"",
        chrono::Utc::now().date_naive()
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
