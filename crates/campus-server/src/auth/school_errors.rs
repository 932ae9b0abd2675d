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
