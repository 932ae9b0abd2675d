//! Identity errors as HTTP errors: one mapping, used by every surface (facades re-render the
//! same codes in their own envelopes).

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use campus_domain::identity::{AuthFailure, IdentityError};

use super::extract::codes;
use crate::error::{ApiError, FieldError};

/// Maps an identity error to the status, code and detail every surface starts from.
pub fn identity_error(err: IdentityError) -> ApiError {
    match err {
        IdentityError::Invalid(issues) => validation(issues),
        IdentityError::WeakPassword(message) => ApiError::validation(vec![FieldError {
            field: "password".to_owned(),
            code: "weak_password".to_owned(),
            message,
        }]),
        IdentityError::UsernameTaken => {
            ApiError::new(StatusCode::CONFLICT, "username_taken", "Username already exists")
        }
        IdentityError::EmailTaken => {
            ApiError::new(StatusCode::CONFLICT, "email_taken", "Email already registered")
        }
        IdentityError::InvalidCredentials => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Invalid credentials",
        ),
        IdentityError::WrongPassword => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_password",
            "The current password is not correct.",
        ),
        IdentityError::RateLimited {
            retry_after_secs,
            limit,
        } => rate_limited(retry_after_secs, Some(limit)),
        IdentityError::Locked { retry_after_secs } => rate_limited(retry_after_secs, None),
        IdentityError::RegistrationClosed => ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            "Public registration is disabled.",
        ),
        IdentityError::RoleNotAllowed(role) => ApiError::new(
            StatusCode::FORBIDDEN,
            "role_not_allowed",
            format!("The role `{role}` cannot be requested here."),
        ),
        IdentityError::Unauthenticated(failure) => unauthenticated(failure),
        IdentityError::RefreshInvalid => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "refresh_invalid",
            "The refresh token is invalid, expired or revoked.",
        ),
        IdentityError::RefreshReused => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "refresh_reused",
            "The refresh token was already used; that session has been revoked. Log in again.",
        ),
        IdentityError::NotFound => ApiError::not_found("Not found."),
        IdentityError::Forbidden => ApiError::forbidden("You are not allowed to do this."),
        IdentityError::SelfLockout => ApiError::new(
            StatusCode::CONFLICT,
            "self_lockout",
            "You cannot deactivate yourself or remove your own administrator role.",
        ),
        IdentityError::Db(e) => ApiError::from(e),
        IdentityError::Hash(e) => ApiError::internal(e),
        IdentityError::Signing(e) => ApiError::internal(std::io::Error::other(e)),
    }
}

/// Domain field issues as a 422 with one entry per field.
pub fn validation(issues: Vec<campus_domain::identity::FieldIssue>) -> ApiError {
    ApiError::validation(
        issues
            .into_iter()
            .map(|i| FieldError {
                field: i.field.to_owned(),
                code: i.code.to_owned(),
                message: i.message,
            })
            .collect(),
    )
}

fn unauthenticated(failure: AuthFailure) -> ApiError {
    let code = match &failure {
        AuthFailure::Missing => codes::TOKEN_MISSING,
        AuthFailure::Expired => codes::TOKEN_EXPIRED,
        AuthFailure::Revoked => codes::TOKEN_REVOKED,
        AuthFailure::Invalid(_) => codes::TOKEN_INVALID,
        AuthFailure::Inactive => codes::ACCOUNT_INACTIVE,
    };
    ApiError::new(StatusCode::UNAUTHORIZED, code, failure.to_string())
        .with_header(header::WWW_AUTHENTICATE, super::extract::www_authenticate())
}

fn rate_limited(retry_after_secs: u64, limit: Option<u32>) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Too many attempts. Try again in {retry_after_secs} seconds."),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    if let Some(limit) = limit {
        err = err
            .with_header(
                HeaderName::from_static("ratelimit-limit"),
                HeaderValue::from(limit),
            )
            .with_header(
                HeaderName::from_static("ratelimit-remaining"),
                HeaderValue::from(0u32),
            )
            .with_header(
                HeaderName::from_static("ratelimit-reset"),
                HeaderValue::from(retry_after_secs),
            );
    }
    err
}
