//! `/api/v1` finance: enrollments, ledger, balance, statement, payments, reversals,
//! contact actions. Money-moving POSTs honour `Idempotency-Key`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_domain::finance::{
    Balance, Course, Declaration, Enrollment, EnrollmentReceipt, EntryReceipt, IdempotencyKey, LedgerEntry,
    Outcome, PaymentInput, Statement, money,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
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
    vec![
        routes!(enroll),
        routes!(drop_enrollment),
        routes!(list_enrollments),
        routes!(ledger),
        routes!(balance),
        routes!(statement),
        routes!(pay),
        routes!(contact),
        routes!(reverse),
    ]
}

/// The `Idempotency-Key` of a request, bound to its path and body.
pub(crate) fn idempotency_key(
    headers: &HeaderMap,
    scope: &'static str,
    path: &str,
    body: &impl Serialize,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            )
        })?;
    let mut hash = Sha256::new();
    hash.update(path.as_bytes());
    hash.update([0]);
    hash.update(serde_json::to_vec(body).unwrap_or_default());
    let request_hash = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        scope,
        request_hash,
    }))
}

/// A fresh result as JSON with `status`, or the stored first response of a replay.
pub(crate) fn respond<T: Serialize>(outcome: Outcome<T>, status: StatusCode) -> Response {
    match outcome {
        Outcome::Done(value) => (status, axum::Json(value)).into_response(),
        Outcome::Replayed { status, body } => replayed(status, body),
    }
}

pub(crate) fn replayed(status: u16, body: String) -> Response {
    let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

pub(crate) fn render<T: Serialize>(status: StatusCode) -> impl Fn(&T) -> (u16, String) + Send + Sync {
    move |value| (status.as_u16(), serde_json::to_string(value).unwrap_or_default())
}

pub(crate) fn amount(value: &Value, field: &'static str) -> Result<i64, ApiError> {
    money::parse_amount(value).map_err(|e| {
        ApiError::validation(vec![crate::error::FieldError {
            field: field.to_owned(),
            code: "invalid_amount".to_owned(),
            message: e.message().to_owned(),
        }])
    })
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The student; absent for the caller's own student record.
    pub student_id: Option<i64>,
    pub course_id: i64,
}

/// Enrolls a student (themself, or any student by finance staff) and charges the course fee,
/// atomically. `Idempotency-Key` supported.
#[utoipa::path(post, path = "/api/v1/enrollments", tag = "finance", security(("bearer" = [])), request_body = EnrollRequest,
    responses((status = 201, body = EnrollmentReceipt), (status = 404, description = "No such student or course"),
        (status = 409, description = "Already enrolled")))]
pub async fn enroll(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Json(b): Json<EnrollRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers, "v1.enroll", "/api/v1/enrollments", &b)?;
    let finance = state.finance();
    let student_id = match b.student_id {
        Some(id) => id,
        None => finance.student_of_user(&who, true).await?.id,
    };
    let outcome = finance
        .enroll(
            &who,
            student_id,
            b.course_id,
            key.as_ref(),
            &render(StatusCode::CREATED),
            &meta,
        )
        .await?;
    Ok(respond(outcome, StatusCode::CREATED))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DropResponse {
    pub enrollment: Enrollment,
    /// The reversal of the charge, when the refund rule gives one.
    pub refund: Option<EntryReceipt>,
}

#[utoipa::path(post, path = "/api/v1/enrollments/{id}/drop", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DropResponse), (status = 409, description = "Already dropped")))]
pub async fn drop_enrollment(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<DropResponse>, ApiError> {
    let (enrollment, refund) = state.finance().drop_enrollment(&who, id, &meta).await?;
    Ok(Json(DropResponse { enrollment, refund }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentWithCourse {
    pub enrollment: Enrollment,
    pub course: Course,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentList {
    pub enrollments: Vec<EnrollmentWithCourse>,
}

#[utoipa::path(get, path = "/api/v1/students/{id}/enrollments", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EnrollmentList)))]
pub async fn list_enrollments(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<EnrollmentList>, ApiError> {
    let rows = state.finance().enrollments(&who, id).await?;
    Ok(Json(EnrollmentList {
        enrollments: rows
            .into_iter()
            .map(|(enrollment, course)| EnrollmentWithCourse { enrollment, course })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub meta: PageMeta,
}

/// The student's ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/students/{id}/ledger", tag = "finance", security(("bearer" = [])),
    params(("id" = i64, Path), LedgerQuery), responses((status = 200, body = LedgerPage)))]
pub async fn ledger(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> Result<Json<LedgerPage>, ApiError> {
    let page = state
        .finance()
        .ledger(&who, id, page_request(q.limit, q.cursor.as_deref())?)
        .await?;
    Ok(Json(LedgerPage {
        meta: PageMeta::of(&page),
        entries: page.items,
    }))
}

#[utoipa::path(get, path = "/api/v1/students/{id}/balance", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Balance)))]
pub async fn balance(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<Balance>, ApiError> {
    Ok(Json(state.finance().balance(&who, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Start (inclusive), RFC 3339.
    pub from: Option<DateTime<Utc>>,
    /// End (exclusive), RFC 3339.
    pub to: Option<DateTime<Utc>>,
}

#[utoipa::path(get, path = "/api/v1/students/{id}/statement", tag = "finance", security(("bearer" = [])),
    params(("id" = i64, Path), StatementQuery), responses((status = 200, body = Statement)))]
pub async fn statement(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<StatementQuery>,
) -> Result<Json<Statement>, ApiError> {
    Ok(Json(state.finance().statement(&who, id, q.from, q.to).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// Major units, > 0, at most two decimals (`250`, `"250.75"`).
    #[schema(value_type = f64)]
    pub amount: Value,
    /// MANUAL (default), BANK_TRANSFER, ONLINE, CASH, ...
    pub method: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
    /// RECEIVED (default), PENDING, RECONCILED — finance staff only.
    pub status: Option<String>,
}

/// A student pays their own dues (not more than they owe), or finance staff record an external
/// payment. With `finance.self_service_payments = "pending"` a student's payment is a
/// declaration (202) that counts once finance staff confirm it. `Idempotency-Key` supported.
#[utoipa::path(post, path = "/api/v1/students/{id}/payments", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PaymentRequest, responses((status = 201, body = EntryReceipt),
        (status = 202, description = "Declared, awaiting finance staff (self_service_payments = pending)", body = Declaration),
        (status = 422, description = "Invalid amount, overpayment, or key reused with another body")))]
pub async fn pay(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(b): Json<PaymentRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(
        &headers,
        "v1.payment",
        &format!("/api/v1/students/{id}/payments"),
        &b,
    )?;
    let input = PaymentInput {
        amount_cents: amount(&b.amount, "amount")?,
        method: b.method,
        reference: b.reference,
        notes: b.notes,
        status: b.status,
    };
    let finance = state.finance();
    if finance.declares_own_payments(&who) {
        let outcome = finance
            .declare(
                &who,
                id,
                input,
                key.as_ref(),
                &render(StatusCode::ACCEPTED),
                &meta,
            )
            .await?;
        return Ok(respond(outcome, StatusCode::ACCEPTED));
    }
    let outcome = finance
        .pay(&who, id, input, key.as_ref(), &render(StatusCode::CREATED), &meta)
        .await?;
    Ok(respond(outcome, StatusCode::CREATED))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    pub reason: String,
}

/// Reverses a ledger entry with a new entry of the opposite amount (finance staff).
#[utoipa::path(post, path = "/api/v1/ledger/{id}/reverse", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReverseRequest, responses((status = 201, body = EntryReceipt), (status = 409, description = "Already reversed")))]
pub async fn reverse(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(b): Json<ReverseRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(
        &headers,
        "v1.reverse",
        &format!("/api/v1/ledger/{id}/reverse"),
        &b,
    )?;
    let outcome = state
        .finance()
        .reverse(
            &who,
            id,
            b.reason,
            key.as_ref(),
            &render(StatusCode::CREATED),
            &meta,
        )
        .await?;
    Ok(respond(outcome, StatusCode::CREATED))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// EMAIL (default), PHONE, LETTER, ...
    pub method: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactActionResponse {
    pub id: i64,
    pub student_id: i64,
    pub method: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

/// Logs a contact with a student about their dues (finance staff); the student is notified.
#[utoipa::path(post, path = "/api/v1/students/{id}/contact", tag = "finance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ContactRequest, responses((status = 201, body = ContactActionResponse)))]
pub async fn contact(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(b): Json<ContactRequest>,
) -> Result<(StatusCode, Json<ContactActionResponse>), ApiError> {
    let a = state
        .finance()
        .contact(&who, id, b.method, b.notes, &meta)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ContactActionResponse {
            id: a.id,
            student_id: a.student_id,
            method: a.method,
            notes: a.notes,
            created_at: a.created_at,
        }),
    ))
}
