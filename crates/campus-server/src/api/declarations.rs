//! `/api/v1/payment-declarations`: students' own payments awaiting finance staff when
//! `finance.self_service_payments = "pending"` (docs/FINANCE.md). Finance staff list and
//! decide them; a student or parent lists those of a student they may read.

use axum::extract::State;
use campus_domain::finance::{Decision, Declaration};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, page_request};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![routes!(list), routes!(confirm), routes!(reject)]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeclarationQuery {
    /// One student's declarations (required unless the caller is finance staff).
    pub student_id: Option<i64>,
    /// PENDING, CONFIRMED or REJECTED.
    pub status: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationPage {
    pub declarations: Vec<Declaration>,
    pub meta: PageMeta,
}

/// Payment declarations, oldest first.
#[utoipa::path(get, path = "/api/v1/payment-declarations", tag = "finance", security(("bearer" = [])),
    params(DeclarationQuery), responses((status = 200, body = DeclarationPage),
        (status = 403, description = "Not finance staff and no student_id, or a student the caller may not read")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<DeclarationQuery>,
) -> Result<Json<DeclarationPage>, ApiError> {
    let page = state
        .finance()
        .declarations(
            &who,
            q.student_id,
            q.status.as_deref(),
            page_request(q.limit, q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(DeclarationPage {
        meta: PageMeta::of(&page),
        declarations: page.items,
    }))
}

/// Confirms a pending declaration (finance staff): the payment is posted to the ledger,
/// RECONCILED, in the same transaction. Once only: a second decision is 409.
#[utoipa::path(post, path = "/api/v1/payment-declarations/{id}/confirm", tag = "finance", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Declaration),
        (status = 404, description = "No such declaration"), (status = 409, description = "Already decided")))]
pub async fn confirm(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<Declaration>, ApiError> {
    Ok(Json(
        state.finance().decide(&who, id, Decision::Confirm, &meta).await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why, for the student (1 to 500 characters).
    pub note: String,
}

/// Rejects a pending declaration (finance staff) with a note the student is sent.
#[utoipa::path(post, path = "/api/v1/payment-declarations/{id}/reject", tag = "finance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RejectRequest, responses((status = 200, body = Declaration),
        (status = 404, description = "No such declaration"), (status = 409, description = "Already decided")))]
pub async fn reject(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<RejectRequest>,
) -> Result<Json<Declaration>, ApiError> {
    let decision = Decision::Reject { note: b.note };
    Ok(Json(state.finance().decide(&who, id, decision, &meta).await?))
}
