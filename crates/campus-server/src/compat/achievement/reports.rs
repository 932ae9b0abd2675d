//! Seed 003 reports: `POST /api/students/{id}/generate-report` (staff) and
//! `GET /api/reports/{id}` (staff, the owning student, a linked parent). The PDF is rendered
//! by the shared report pipeline; `report_url` is a signed, expiring link to it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::identity::roles::{RecordKeepers, RoleSet};
use campus_domain::reports::{Report, ReportKind, ReportParams};
use serde_json::{Value, json};

use super::records::student_id;
use super::schema::{AchievementReport, AchievementReportDetail, AchievementReportRequest};
use super::{Answer, TAG};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::{BearerErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, bad_request, reply};
use crate::error::ApiError;
use crate::reports::{configured_base, pdf_link};
use crate::state::AppState;

pub(crate) fn routes() -> Routes {
    vec![routes!(generate_report), routes!(get_report)]
}

fn title_case(kind: ReportKind) -> String {
    let k = kind.as_str();
    k[..1].to_ascii_uppercase() + &k[1..]
}

async fn shape(
    state: &AppState,
    headers: &HeaderMap,
    report: &Report,
) -> Result<AchievementReport, ApiError> {
    Ok(AchievementReport {
        report_id: report.id,
        student_id: report.student_id,
        report_type: title_case(report.kind),
        generated_at: report.generated_at.to_rfc3339(),
        report_url: pdf_link(state, headers, report).await?,
    })
}

/// Generates a Progress or Achievement report (staff). The same request with unchanged
/// records answers the stored report.
#[utoipa::path(post, path = "/api/students/{id}/generate-report", tag = TAG, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The student id")), request_body = AchievementReportRequest,
    responses(
        (status = 201, description = "Generated", body = AchievementReport),
        (status = 400, description = "type is not Progress or Achievement", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn generate_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    if !RecordKeepers::contains(who.role) {
        return Err(ApiError::forbidden("You do not have permission to do this").into());
    }
    let id = student_id(&id)?;
    let kind = match body.get("type") {
        None | Some(Value::Null) => ReportKind::Progress,
        Some(Value::String(t)) if t.eq_ignore_ascii_case("progress") => ReportKind::Progress,
        Some(Value::String(t)) if t.eq_ignore_ascii_case("achievement") => ReportKind::Achievement,
        Some(_) => return Err(bad_request("type must be Progress or Achievement").into()),
    };
    let base = configured_base(state.settings());
    let generated = state
        .report_pipeline()
        .generate(&who, kind, id, ReportParams::default(), None, &base, &meta)
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(shape(&state, &headers, &generated.report).await?),
    ))
}

/// A report's metadata and content: staff, the owning student, or a linked parent.
#[utoipa::path(get, path = "/api/reports/{id}", tag = TAG, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    responses(
        (status = 200, description = "The report", body = AchievementReportDetail),
        (status = 404, description = "No such report, or not one the caller may see", body = SeedErrorMessage),
        BearerErrors,
    ))]
async fn get_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| ApiError::not_found("Report not found"))?;
    let found = state.reports().report(&who, id, &meta).await?;
    let detail = AchievementReportDetail {
        report: shape(&state, &headers, &found.report).await?,
        content: found.data,
    };
    Ok(reply(StatusCode::OK, json!(detail)))
}
