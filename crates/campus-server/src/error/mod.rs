//! One error type at the HTTP edge. Handlers return [`ApiError`]; domain and extractor errors
//! convert into it once. It carries a status, a stable machine `code`, a human `detail` and
//! field errors, but not an envelope: the surface's error renderer (see
//! [`crate::middleware::errors`]) turns it into problem+json for `/api/v1` or into a seed's
//! own envelope for a compat facade.

mod domain;

pub use domain::overpayment;
pub(crate) use domain::quota_message;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field in a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Field name as it appears in the request (`email`, `items[2].amount`).
    pub field: String,
    /// Machine code of the rule that failed (`required`, `too_long`, `invalid_format`).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// The facts of an error, independent of how a surface renders it.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

/// An error answered to the client. Internal causes are logged, never sent. Boxed so that
/// `Result<T, ApiError>` stays small on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    report: ErrorReport,
    headers: HeaderMap,
    internal: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            report: ErrorReport {
                status,
                code,
                detail: detail.into(),
                errors: Vec::new(),
            },
            headers: HeaderMap::new(),
            internal: None,
        }))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail);
        err.0.report.errors = errors;
        err
    }

    /// An opaque 500; `cause` is logged with the request id and never sent.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut err = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred. It has been logged; quote the request id when reporting it.",
        );
        err.0.internal = Some(cause.into());
        err
    }

    /// A 503: a part the request needs (file storage, say) is not available; `cause` is
    /// logged with the request id and never sent.
    pub fn unavailable(
        code: &'static str,
        detail: impl Into<String>,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        let mut err = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
        err.0.internal = Some(cause.into());
        err
    }

    /// Adds a response header (`Retry-After`, `WWW-Authenticate`, ...).
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.0.headers.insert(name, value);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.report.status
    }

    pub fn code(&self) -> &'static str {
        self.0.report.code
    }

    pub fn report(&self) -> &ErrorReport {
        &self.0.report
    }

    /// Logs the internal cause of a server error (what `into_response` logs for the API), for
    /// surfaces that render the error themselves.
    pub fn log_cause(&self) {
        if let Some(cause) = &self.0.internal {
            tracing::error!(error = %cause_chain(cause.as_ref()), "internal error");
        }
    }

    /// The response headers the error carries (`Retry-After`, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.report.status.as_u16(),
            self.0.report.code,
            self.0.report.detail
        )
    }
}

impl From<campus_db::sea_orm::DbErr> for ApiError {
    fn from(err: campus_db::sea_orm::DbErr) -> Self {
        match campus_db::constraint_violation(&err) {
            Some(campus_db::ConstraintKind::Unique) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "A record with the same unique value already exists.",
            ),
            Some(campus_db::ConstraintKind::ForeignKey) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "reference_invalid",
                "The request refers to a record that does not exist, or the record is still in use.",
            ),
            None if campus_db::is_unavailable(&err) => Self::unavailable(
                "database_unavailable",
                "The database cannot be reached just now; try again in a moment.",
                err,
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")),
            None => Self::internal(err),
        }
    }
}

/// The cause chain of an internal error, one line, for the log.
pub(crate) fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let inner = *self.0;
        if let Some(cause) = &inner.internal {
            // Logged once, inside the request span (which carries the request id).
            tracing::error!(error = %cause_chain(cause.as_ref()), "internal error");
        }
        // The body is written by the surface's renderer, which knows the request id and the
        // envelope; the report travels in the response extensions until then.
        let mut response = inner.report.status.into_response();
        response.headers_mut().extend(inner.headers);
        response.extensions_mut().insert(Arc::new(inner.report));
        response
    }
}
