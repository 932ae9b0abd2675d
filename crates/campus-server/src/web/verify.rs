//! The public verification page, `GET /verify/{code}`: anyone holding a printed report can
//! check its code and see what the document certified (kind, student, date, its figures) and
//! nothing else. Codes are 80-bit keyed hashes of the data, so guessing one is hopeless.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::reports::Verified;

use super::pages::{Chrome, render};
use crate::state::AppState;

#[derive(Template, Debug)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub chrome: Chrome,
    pub code: String,
    pub school: String,
    pub verified: Option<Verified>,
}

/// Shows what the report with `code` certified, or says no report has it (404).
pub async fn verify(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    // Shown back as typed (escaped by the template), but never more than a code's length.
    let shown: String = code.chars().take(32).collect();
    let school = state.settings().reports.school_name.clone();
    match state.reports().verify(&code).await {
        Ok(verified) => {
            let status = if verified.is_some() {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            render(
                status,
                &VerifyPage {
                    chrome: Chrome::default(),
                    code: shown,
                    school,
                    verified,
                },
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "verifying a report code failed");
            super::pages::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Verification is unavailable; try again later.",
            )
        }
    }
}
