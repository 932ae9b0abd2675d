//! Imports in the browser: upload a roster, grades or attendance file (CSV or XLSX), see the
//! dry run's diff with every row error, then import it (all rows or none). The form is a
//! plain multipart upload; a form without script cannot set a header, so its CSRF token is the
//! body's first field, checked here before anything else is read.

use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use campus_domain::school::Dataset;
use campus_domain::school::import::ImportReport;
use campus_domain::school::policy::{Access, role_allows};
use campus_tabular::{Input, TableReader};

use super::{AppChrome, PageError, PageResult, Viewer, require};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

#[derive(Template, Debug)]
#[template(path = "app/import.html")]
pub struct ImportPage {
    pub chrome: AppChrome,
    pub kind: String,
    pub commit_next: bool,
    pub report: Option<ImportReport>,
}

pub async fn import_form(viewer: Viewer) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write) && viewer.chrome.has_nav("/app/admin/import"))?;
    Ok(render(
        StatusCode::OK,
        &ImportPage {
            chrome: viewer.chrome,
            kind: "students".to_owned(),
            commit_next: false,
            report: None,
        },
    ))
}

/// The upload's fields.
struct Upload {
    kind: String,
    commit: bool,
    file: Vec<u8>,
}

/// The upload's fields, after its first field proved the form is this session's (`session`:
/// the session cookie the token is bound to).
async fn read_upload(
    state: &AppState,
    session: Option<&str>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Upload, ApiError> {
    let expected = || ApiError::bad_request("Choose a file to import.");
    let forged = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "This form was not sent from this site's page, or the page is too old. Reload the page and try again.",
        )
    };
    let mut multipart = multipart.map_err(|_| expected())?;
    let first = multipart
        .next_field()
        .await
        .map_err(|_| forged())?
        .ok_or_else(forged)?;
    if first.name() != Some(crate::web::csrf::FIELD) {
        return Err(forged());
    }
    let token: String = first
        .text()
        .await
        .map_err(|_| forged())?
        .chars()
        .take(200)
        .collect();
    if !session.is_some_and(|s| crate::web::csrf::verify(state, s, &token)) {
        return Err(forged());
    }
    let mut upload = Upload {
        kind: String::new(),
        commit: false,
        file: Vec::new(),
    };
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            crate::extract::payload_too_large()
        } else {
            ApiError::bad_request("The upload was cut short or is malformed; try again.")
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        match field.name() {
            Some("kind") => upload.kind = field.text().await.map_err(malformed)?.chars().take(20).collect(),
            Some("mode") => upload.commit = field.text().await.map_err(malformed)? == "commit",
            Some("file") => upload.file = field.bytes().await.map_err(malformed)?.to_vec(),
            _ => {}
        }
    }
    if upload.file.is_empty() {
        return Err(expected());
    }
    Ok(upload)
}

pub async fn import(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: axum::http::HeaderMap,
    viewer: Viewer,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write) && viewer.chrome.has_nav("/app/admin/import"))?;
    let mut chrome = viewer.chrome.clone();
    let session = crate::web::cookies::read(&state, &headers, crate::web::cookies::SESSION_COOKIE);
    let upload = match read_upload(&state, session, multipart).await {
        Ok(u) => u,
        Err(e) if e.status() == StatusCode::FORBIDDEN => {
            return Err(PageError::new(e.status(), e.report().detail.clone()));
        }
        Err(e) if e.status().is_client_error() => {
            chrome.failed(&e);
            let page = ImportPage {
                chrome,
                kind: "students".to_owned(),
                commit_next: false,
                report: None,
            };
            return Ok(render(e.status(), &page));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(kind) = Dataset::parse(&upload.kind) else {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "Imports are: students, grades, attendance.",
        ));
    };
    let limits = crate::api::transfer::limits(&state.settings().school.import);
    let result = match TableReader::open(Input::Bytes(upload.file), limits).await {
        Ok(table) => state
            .school()
            .import(&viewer.who, kind, table, upload.commit, &meta, &|_| {})
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::from(e)),
    };
    let kind_text = kind.as_str().to_owned();
    match result {
        Ok(report) => {
            let (status, notice) = if report.committed {
                (
                    StatusCode::OK,
                    Notice::success(format!(
                        "Imported {} rows: {} new, {} updated, {} unchanged.",
                        report.rows, report.new, report.updated, report.unchanged
                    )),
                )
            } else if upload.commit {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Notice::error(
                        "import_rejected",
                        format!(
                            "{} of {} rows have errors; nothing was written. Fix them and import again.",
                            report.errors_total, report.rows
                        ),
                    ),
                )
            } else if report.errors_total > 0 {
                (
                    StatusCode::OK,
                    Notice::error(
                        "dry_run_errors",
                        format!(
                            "Dry run: {} of {} rows have errors. Fix the file before importing.",
                            report.errors_total, report.rows
                        ),
                    ),
                )
            } else {
                (
                    StatusCode::OK,
                    Notice::success(format!(
                        "Dry run: {} rows, no errors. Nothing is written yet: choose the same file again and press Import.",
                        report.rows
                    )),
                )
            };
            let commit_next = !report.committed && !upload.commit && report.errors_total == 0;
            let page = ImportPage {
                chrome: chrome.notice(notice),
                kind: kind_text,
                commit_next,
                report: Some(report),
            };
            Ok(render(status, &page))
        }
        Err(e) if e.status().is_client_error() => {
            chrome.failed(&e);
            let page = ImportPage {
                chrome,
                kind: kind_text,
                commit_next: false,
                report: None,
            };
            Ok(render(e.status(), &page))
        }
        Err(e) => Err(e.into()),
    }
}
