//! Seed 003 Student Achievement Tracking: accounts (reached through the 003/004 dispatcher,
//! which tells the seeds' `/api/register` and `/api/login` apart by request shape), student
//! records with grades, GPA and attendance, and notifications.

pub(crate) mod accounts;
mod notices;
mod progress;
mod records;
mod reports;
pub(crate) mod schema;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::identity::IdentityError;
use campus_domain::notifications::NotificationError;
use campus_domain::reports::ReportError;
use campus_domain::school::SchoolError;

use crate::compat::envelopes::ACHIEVEMENT;
use crate::compat::error::{Plain, SeedError, Wording, bad_request, first_issue};
use crate::error::ApiError;
use crate::middleware::render_errors;
use crate::state::AppState;

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 003 Student Achievement Tracking";

/// The seed's routes with their OpenAPI operations (its accounts share paths with seed 004
/// and are routed by `kvstore::dispatch`).
pub(crate) fn routes() -> crate::api::Routes {
    [
        records::routes(),
        progress::routes(),
        notices::routes(),
        reports::routes(),
    ]
    .concat()
}

pub(super) fn router() -> Router<AppState> {
    crate::api::router(routes()).route_layer(axum::middleware::from_fn_with_state(ACHIEVEMENT, render_errors))
}

/// Seed 003's words.
pub(crate) struct Words;

impl Wording for Words {
    fn identity(err: IdentityError) -> ApiError {
        match err {
            IdentityError::RoleNotAllowed(role) => ApiError::new(
                StatusCode::FORBIDDEN,
                "role_not_allowed",
                format!(
                    "The {} role cannot be self-assigned; an administrator grants it",
                    role.title_case()
                ),
            ),
            IdentityError::Invalid(issues) if issues.iter().any(|i| i.field == "email") => {
                bad_request("email is not a valid email address")
            }
            IdentityError::NotFound => ApiError::not_found("User not found"),
            other => Plain::identity(other),
        }
    }

    fn school(err: SchoolError) -> ApiError {
        match err {
            SchoolError::Invalid(issues) => first_issue(&issues, "", ""),
            SchoolError::NotFound => ApiError::not_found("Student not found"),
            SchoolError::Forbidden => ApiError::forbidden("You do not have permission to do this"),
            other => other.into(),
        }
    }

    fn report(err: ReportError) -> ApiError {
        match err {
            ReportError::NotFound("Student") => ApiError::not_found("Student not found"),
            ReportError::NotFound(_) => ApiError::not_found("Report not found"),
            ReportError::Forbidden => ApiError::forbidden("You do not have permission to do this"),
            other => Plain::report(other),
        }
    }

    fn notification(err: NotificationError) -> ApiError {
        match err {
            NotificationError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "User not found")
            }
            NotificationError::Forbidden => ApiError::forbidden("Access denied"),
            other => Plain::notification(other),
        }
    }
}

pub(crate) type Answer = Result<Response, SeedError<Words>>;
