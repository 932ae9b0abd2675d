//! Seed 002 Student Management and Finance: accounts (`/api/auth/*`), the student's money
//! (`/api/students/{enroll,pay,status,payments}`), courses (`/api/courses*`) and the finance
//! office (`/api/finance/*`). The seed's student is a user; Campus keeps money per student
//! record, so a student-role user gets a linked record on their first enrollment. Amounts are
//! rendered as floats in major units, as the seed did; the ledger keeps integer cents.

mod accounts;
mod courses;
mod office;
mod schema;
mod students;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::finance::{FinanceError, Outcome};
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
use campus_domain::identity::{IdentityError, Principal};
use chrono::Utc;
use serde_json::Value;

use crate::api::Routes;
use crate::api::finance::replayed;
use crate::api::routing::routes;
use crate::compat::envelopes::FINANCE;
use crate::compat::error::{Plain, SeedError, Wording, bad_request, first_issue};
use crate::compat::shared::{reply, text};
use crate::error::{ApiError, overpayment};
use crate::middleware::render_errors;
use crate::state::AppState;

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 002 Student Management and Finance";

/// The seed's routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(accounts::health),
        routes!(accounts::register),
        routes!(accounts::login),
        routes!(accounts::register_admin),
        routes!(students::enroll),
        routes!(students::pay),
        routes!(students::status),
        routes!(students::payments),
        routes!(courses::list_courses, courses::create_course),
        routes!(
            courses::get_course,
            courses::update_course,
            courses::delete_course
        ),
        routes!(office::dues),
        routes!(office::unpaid_report),
        routes!(office::contact),
        routes!(office::record_payment),
        routes!(office::status_report),
    ]
}

/// Seed 002's dues, never below zero (its clients never see negative dues; the seed's
/// record-payment clamped at zero). A credit the ledger keeps is reported by [`credit`].
pub(super) fn dues(cents: i64) -> f64 {
    campus_domain::finance::money::major(cents.max(0))
}

/// The credit behind a negative balance, for the extra `credit_balance` field.
pub(super) fn credit(cents: i64) -> Option<f64> {
    (cents < 0).then(|| campus_domain::finance::money::major(cents.saturating_neg()))
}

pub(super) fn router() -> Router<AppState> {
    crate::api::router(routes()).route_layer(axum::middleware::from_fn_with_state(FINANCE, render_errors))
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
