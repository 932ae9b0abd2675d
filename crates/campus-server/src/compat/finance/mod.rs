//! Seed 002 Student Management and Finance: accounts (`/api/auth/*`), the student's money
//! (`/api/students/{enroll,pay,status,payments}`), courses (`/api/courses*`) and the finance
//! office (`/api/finance/*`). The seed's student is a user; Campus keeps money per student
//! record, so a student-role user gets a linked record on their first enrollment. Amounts are
//! rendered as floats in major units, as the seed did; the ledger keeps integer cents.

mod accounts;
mod courses;
mod office;
mod students;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use campus_domain::finance::{FinanceError, Outcome};
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
use campus_domain::identity::{IdentityError, Principal};
use chrono::Utc;
use serde_json::Value;

use crate::api::finance::replayed;
use crate::compat::envelopes::FINANCE;
use crate::compat::error::{Plain, SeedError, Wording, bad_request, first_issue};
use crate::compat::shared::{reply, text};
use crate::error::{ApiError, overpayment};
use crate::middleware::render_errors;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(accounts::health))
        .route("/api/auth/register", post(accounts::register))
        .route("/api/auth/login", post(accounts::login))
        .route("/api/auth/register-admin", post(accounts::register_admin))
        .route("/api/students/enroll", post(students::enroll))
        .route("/api/students/pay", post(students::pay))
        .route("/api/students/status", get(students::status))
        .route("/api/students/payments", get(students::payments))
        .route(
            "/api/courses",
            get(courses::list_courses).post(courses::create_course),
        )
        .route(
            "/api/courses/{id}",
            get(courses::get_course)
                .put(courses::update_course)
                .delete(courses::delete_course),
        )
        .route("/api/finance/dues", get(office::dues))
        .route("/api/finance/unpaid-report", get(office::unpaid_report))
        .route("/api/finance/action/contact/{student_id}", put(office::contact))
        .route("/api/finance/record-payment", post(office::record_payment))
        .route("/api/finance/reports/status", get(office::status_report))
        .route_layer(axum::middleware::from_fn_with_state(FINANCE, render_errors))
}

/// Seed 002's words.
struct Words;

impl Wording for Words {
    fn identity(err: IdentityError) -> ApiError {
        match err {
            IdentityError::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Admin access required")
            }
            IdentityError::NotFound => error(StatusCode::NOT_FOUND, "Student not found"),
            other => Plain::identity(other),
        }
    }

    fn finance(err: FinanceError) -> ApiError {
        match err {
            FinanceError::Invalid(issues) => first_issue(&issues, "Invalid input: ", "Invalid input"),
            FinanceError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} not found")),
            FinanceError::Forbidden => error(StatusCode::FORBIDDEN, "Admin access required"),
            // A staff account named as a student: the seed knew no such student.
            FinanceError::StaffAccount => error(StatusCode::NOT_FOUND, "Student not found"),
            FinanceError::Conflict(m) => error(StatusCode::CONFLICT, m),
            FinanceError::Overpayment {
                amount_cents,
                dues_cents,
            } => bad_request(&overpayment(amount_cents, dues_cents)),
            FinanceError::KeyReused => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used with a different request",
            ),
            FinanceError::Db(e) => ApiError::from(e),
        }
    }
}

type Answer = Result<Response, SeedError<Words>>;

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    // Not the code `not_found`: the envelope turns that into "Resource not found".
    ApiError::new(status, "seed_error", message)
}

pub(super) fn require_admin(who: &Principal) -> Result<(), ApiError> {
    if FinanceStaff::contains(who.role) {
        Ok(())
    } else {
        Err(error(StatusCode::FORBIDDEN, "Admin access required"))
    }
}

/// The seed's `{...}` "no data" check: absent, null or an empty object.
pub(super) fn empty(body: &Value) -> bool {
    body.is_null() || body.as_object().is_some_and(serde_json::Map::is_empty)
}

pub(super) fn date(at: chrono::DateTime<Utc>) -> String {
    at.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

pub(super) fn stored(v: &(StatusCode, Value)) -> (u16, String) {
    (v.0.as_u16(), v.1.to_string())
}

/// A fresh result rendered by the same function that stores it for replays, or the replay.
pub(super) fn answer<T>(outcome: Outcome<T>, render: &dyn Fn(&T) -> (u16, String)) -> Response {
    match outcome {
        Outcome::Done(r) => {
            let (status, body) = render(&r);
            let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), value)
        }
        Outcome::Replayed { status, body } => replayed(status, body),
    }
}

pub(super) fn payment_fields(body: &Value) -> (Option<String>, Option<String>, Option<String>) {
    (
        text(body, "payment_method"),
        text(body, "reference_number"),
        text(body, "notes"),
    )
}
