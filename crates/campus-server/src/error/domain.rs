//! Every domain error as an HTTP error, mapped once: handlers write `?`. The status, the
//! stable `code` and the detail chosen here are what `/api/v1` answers; a compat facade that
//! words an error differently converts it in its own `error.rs` and falls back to these.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use campus_domain::audit::AuditError;
use campus_domain::content::ContentError;
use campus_domain::finance::{FinanceError, money};
use campus_domain::identity::{AuthFailure, IdentityError};
use campus_domain::kv::{KvError, Quota};
use campus_domain::mail::MailError;
use campus_domain::notifications::NotificationError;
use campus_domain::parking::ParkingError;
use campus_domain::reports::ReportError;
use campus_domain::school::SchoolError;
use campus_domain::school::export::ExportError;
use campus_domain::school::import::ImportError;
use campus_domain::usage::UsageError;
use campus_domain::validation::FieldIssue;
use campus_storage::StorageError;

use super::{ApiError, FieldError};
use crate::auth::codes;

impl From<Vec<FieldIssue>> for ApiError {
    /// Field issues as a 422 with one entry per field.
    fn from(issues: Vec<FieldIssue>) -> Self {
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
}

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> Self {
        match err {
            IdentityError::Invalid(issues) => issues.into(),
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
            IdentityError::RoleChoiceRefused => ApiError::new(
                StatusCode::FORBIDDEN,
                "role_not_allowed",
                "Registration cannot choose a role; an administrator assigns roles.",
            ),
            IdentityError::Unauthenticated(failure) => failure.into(),
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
            IdentityError::Db(e) => e.into(),
            IdentityError::Hash(e) => ApiError::internal(e),
            IdentityError::Signing(e) => ApiError::internal(std::io::Error::other(e)),
        }
    }
}

impl From<AuthFailure> for ApiError {
    /// A 401 with the failure's code and a `WWW-Authenticate: Bearer` challenge.
    fn from(failure: AuthFailure) -> Self {
        let code = match &failure {
            AuthFailure::Missing => codes::TOKEN_MISSING,
            AuthFailure::Expired => codes::TOKEN_EXPIRED,
            AuthFailure::Revoked => codes::TOKEN_REVOKED,
            AuthFailure::Invalid(_) => codes::TOKEN_INVALID,
            AuthFailure::Inactive => codes::ACCOUNT_INACTIVE,
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, failure.to_string())
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }
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

impl From<SchoolError> for ApiError {
    fn from(err: SchoolError) -> Self {
        match err {
            SchoolError::Invalid(issues) => issues.into(),
            SchoolError::NotFound => ApiError::not_found("No such record."),
            SchoolError::Forbidden => ApiError::forbidden("Your role does not allow this."),
            SchoolError::Conflict(message) => ApiError::conflict(message),
            SchoolError::Db(e) => e.into(),
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Forbidden => ApiError::forbidden("Your role does not allow this action."),
            AuditError::Db(e) => e.into(),
        }
    }
}

impl From<ContentError> for ApiError {
    fn from(err: ContentError) -> Self {
        match err {
            ContentError::Invalid(issues) => issues.into(),
            ContentError::Forbidden => ApiError::forbidden("Only staff may do this."),
            ContentError::Db(e) => e.into(),
        }
    }
}

impl From<FinanceError> for ApiError {
    fn from(err: FinanceError) -> Self {
        match err {
            FinanceError::Invalid(issues) => issues.into(),
            FinanceError::NotFound(what) => ApiError::not_found(format!("{what} not found.")),
            FinanceError::Forbidden => ApiError::forbidden("Your role does not allow this."),
            FinanceError::StaffAccount => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "staff_account",
                "That account is staff, not a student; staff accounts have no dues.",
            ),
            FinanceError::Conflict(message) => ApiError::conflict(message),
            FinanceError::Overpayment {
                amount_cents,
                dues_cents,
            } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "overpayment",
                overpayment(amount_cents, dues_cents),
            ),
            FinanceError::KeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request.",
            ),
            FinanceError::Db(e) => e.into(),
        }
    }
}

/// The sentence every surface uses for a student paying more than they owe (an account in
/// credit owes 0.00, never a negative amount).
pub fn overpayment(amount_cents: i64, dues_cents: i64) -> String {
    format!(
        "Payment amount (${}) exceeds outstanding dues (${})",
        money::format(amount_cents),
        money::format(dues_cents.max(0))
    )
}

impl From<NotificationError> for ApiError {
    fn from(err: NotificationError) -> Self {
        match err {
            NotificationError::Invalid(issues) => issues.into(),
            NotificationError::NotFound => ApiError::not_found("No such notification or user."),
            NotificationError::Forbidden => ApiError::forbidden("Your role does not allow this."),
            NotificationError::Db(e) => e.into(),
        }
    }
}

impl From<KvError> for ApiError {
    fn from(err: KvError) -> Self {
        match err {
            KvError::Invalid(issues) => issues.into(),
            KvError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "key_not_found", "No such key."),
            KvError::PreconditionFailed { current_version } => {
                let mut err = ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "precondition_failed",
                    match current_version {
                        Some(v) => format!("The key is at version {v}."),
                        None => "The key does not exist in the state the precondition requires.".to_owned(),
                    },
                );
                if let Some(v) = current_version
                    && let Ok(h) = HeaderValue::from_str(&format!("\"{v}\""))
                {
                    err = err.with_header(header::ETAG, h);
                }
                err
            }
            KvError::Forbidden => ApiError::forbidden("Administrators only."),
            KvError::QuotaExceeded { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "quota_exceeded", quota_message(&err))
            }
            KvError::Db(e) => e.into(),
        }
    }
}

impl From<campus_tabular::TabularError> for ApiError {
    /// An unreadable upload: 422 with the reader's code and advice.
    fn from(e: campus_tabular::TabularError) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
    }
}

impl From<ImportError> for ApiError {
    fn from(err: ImportError) -> Self {
        match err {
            ImportError::Forbidden => ApiError::forbidden("Your role does not allow this."),
            ImportError::File(e) => e.into(),
            ImportError::Header(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_header", m),
            ImportError::Db(e) => e.into(),
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<ExportError<E>> for ApiError {
    fn from(err: ExportError<E>) -> Self {
        match err {
            ExportError::School(e) => e.into(),
            // The sink is the response or a file: its failure is ours, not the client's.
            ExportError::Sink(e) => ApiError::internal(e),
        }
    }
}

impl From<std::io::Error> for ApiError {
    /// Writing a response body or a file in memory failed: ours, not the client's.
    fn from(err: std::io::Error) -> Self {
        ApiError::internal(err)
    }
}

/// What a user is told when a key-value write would exceed a quota.
pub(crate) fn quota_message(err: &KvError) -> String {
    match err {
        KvError::QuotaExceeded {
            quota: Quota::Keys,
            limit,
        } => {
            format!("This write would store more than {limit} keys; delete some first.")
        }
        KvError::QuotaExceeded {
            quota: Quota::Bytes,
            limit,
        } => {
            format!("This write would store more than {limit} bytes; delete or shorten some values first.")
        }
        _ => "Quota exceeded.".to_owned(),
    }
}

impl From<ParkingError> for ApiError {
    fn from(err: ParkingError) -> Self {
        match err {
            ParkingError::Invalid(issues) => issues.into(),
            ParkingError::NotFound(what) => ApiError::not_found(format!("{what} not found.")),
            ParkingError::ScoreExists => ApiError::conflict("A score for this event already exists."),
            ParkingError::Forbidden => ApiError::forbidden("Administrators only."),
            ParkingError::Db(e) => e.into(),
        }
    }
}

impl From<UsageError> for ApiError {
    fn from(err: UsageError) -> Self {
        match err {
            UsageError::Invalid(issues) => issues.into(),
            UsageError::NotFound(what) => ApiError::not_found(format!("No such {what}.")),
            UsageError::Forbidden => ApiError::forbidden("You may not see or record this user's usage."),
            UsageError::Db(e) => e.into(),
        }
    }
}

impl From<MailError> for ApiError {
    fn from(err: MailError) -> Self {
        match err {
            MailError::Invalid(issues) => issues.into(),
            MailError::NotFound(what) => ApiError::not_found(format!("No such {}.", what.to_lowercase())),
            MailError::Forbidden => ApiError::forbidden("Administrators only."),
            MailError::Db(e) => e.into(),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::Invalid(issues) => issues.into(),
            ReportError::NotFound(what) => ApiError::not_found(format!("No such {}.", what.to_lowercase())),
            ReportError::Forbidden => ApiError::forbidden("You may not see these records."),
            ReportError::Db(e) => e.into(),
            ReportError::Data(e) => ApiError::internal(e),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::InvalidKey(why) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_key",
                format!("Invalid file key: {why}."),
            ),
            StorageError::NotFound => ApiError::not_found("No such file."),
            StorageError::TooLarge { limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("The file is larger than {limit} bytes."),
            ),
            StorageError::UnsupportedType(found) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("A photo must be JPEG, PNG, WebP or HEIC; this file is {found}."),
            ),
            StorageError::Corrupt(why) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "corrupt_file",
                format!("The file is damaged: {why}."),
            ),
            StorageError::Read(why) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_upload",
                format!("The upload could not be read: {why}."),
            ),
            e @ (StorageError::Config(_) | StorageError::Backend(_)) => ApiError::unavailable(
                "storage_unavailable",
                "File storage is not available right now.",
                e,
            ),
        }
    }
}
