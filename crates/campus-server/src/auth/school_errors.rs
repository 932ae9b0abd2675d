//! School errors as HTTP errors.

use axum::http::StatusCode;
use campus_domain::school::SchoolError;

use crate::error::ApiError;

pub fn school_error(err: SchoolError) -> ApiError {
    match err {
        SchoolError::Invalid(issues) => super::errors::validation(issues),
        SchoolError::NotFound => ApiError::not_found("No such record."),
        SchoolError::Forbidden => ApiError::forbidden("Your role does not allow this."),
        SchoolError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
        SchoolError::Db(e) => ApiError::from(e),
    }
}

/// Finance errors as v1 problems.
pub fn finance_error(err: campus_domain::finance::FinanceError) -> ApiError {
    use campus_domain::finance::{FinanceError as E, money};
    match err {
        E::Invalid(issues) => super::errors::validation(issues),
        E::NotFound(what) => ApiError::not_found(format!("{what} not found.")),
        E::Forbidden => ApiError::forbidden("Your role does not allow this."),
        E::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
        E::Overpayment {
            amount_cents,
            dues_cents,
        } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "overpayment",
            format!(
                "Payment amount (${}) exceeds outstanding dues (${})",
                money::format(amount_cents),
                money::format(dues_cents)
            ),
        ),
        E::KeyReused => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
        ),
        E::Db(e) => ApiError::from(e),
    }
}

/// Notification errors as v1 problems.
pub fn notification_error(err: campus_domain::notifications::NotificationError) -> ApiError {
    use campus_domain::notifications::NotificationError as E;
    match err {
        E::Invalid(issues) => super::errors::validation(issues),
        E::NotFound => ApiError::not_found("No such notification or user."),
        E::Forbidden => ApiError::forbidden("Your role does not allow this."),
        E::Db(e) => ApiError::from(e),
    }
}
