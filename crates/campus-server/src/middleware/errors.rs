//! Renders error responses in the envelope of the surface that produced them.
//!
//! Handlers and extractors return [`ApiError`](crate::error::ApiError), which leaves its
//! [`ErrorReport`] in the response extensions. This middleware writes the body with the
//! surface's [`Envelope`] and the request id. Bare error responses from the router or from
//! tower layers (405 with `Allow`, 413, timeouts, panics) get the same treatment, so no client
//! ever sees plain text or an empty 4xx body.

use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ErrorReport, FieldError};
use crate::middleware::RequestId;

/// Content type of RFC 9457 problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// How a surface writes an error body.
#[derive(Clone, Copy)]
pub struct Envelope {
    pub render: fn(&ErrorReport, Option<&str>) -> Response,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Envelope")
    }
}

impl Envelope {
    /// RFC 9457 `application/problem+json`, the envelope of `/api/v1` and the ops endpoints.
    pub const PROBLEM: Envelope = Envelope {
        render: render_problem,
    };
}

/// An RFC 9457 problem document as Campus writes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:campus:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the status, e.g. "Not Found".
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Stable machine-readable error code.
    pub code: String,
    /// The `x-request-id` of the request, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors, when the request failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn render_problem(report: &ErrorReport, request_id: Option<&str>) -> Response {
    let problem = Problem {
        kind: format!("urn:campus:problem:{}", report.code),
        title: report.status.canonical_reason().unwrap_or("Error").to_owned(),
        status: report.status.as_u16(),
        detail: report.detail.clone(),
        code: report.code.to_owned(),
        request_id: request_id.map(str::to_owned),
        errors: report.errors.clone(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    (
        report.status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body,
    )
        .into_response()
}

/// Middleware: writes every error response in `envelope`'s format.
pub async fn render_errors(State(envelope): State<Envelope>, request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    render_with(
        envelope,
        response,
        request_id.as_ref().map(RequestId::as_str),
        &method,
    )
}

/// Writes `response`'s error body in `envelope`'s format (what [`render_errors`] does, for a
/// handler that chooses the surface itself, such as the seed 003/004 dispatcher).
pub fn render_with(
    envelope: Envelope,
    response: Response,
    request_id: Option<&str>,
    method: &axum::http::Method,
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let report = match response.extensions().get::<Arc<ErrorReport>>() {
        Some(report) => report.as_ref().clone(),
        None if is_bare(&response) => bare_report(status, method),
        None => return response,
    };
    let (mut parts, _) = response.into_parts();
    let rendered = (envelope.render)(&report, request_id);
    let (new_parts, body) = rendered.into_parts();
    parts.extensions.remove::<Arc<ErrorReport>>();
    parts.status = new_parts.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, Body::new(body))
}

/// An error response nobody wrote a body for: empty, or axum's/tower's plain text.
fn is_bare(response: &Response) -> bool {
    match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(ct) => {
            ct.as_bytes().starts_with(b"text/plain") || response.body().size_hint().exact() == Some(0)
        }
    }
}

fn bare_report(status: StatusCode, method: &axum::http::Method) -> ErrorReport {
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "No resource exists at this path.".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!("{method} is not allowed on this path; see the Allow header."),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "The request body is larger than this server accepts.".to_owned(),
        ),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
            ("timeout", "The request took too long and was stopped.".to_owned())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "The request body's content type is not accepted here.".to_owned(),
        ),
        s if s.is_server_error() => (
            "internal_error",
            "An unexpected error occurred. It has been logged; quote the request id when reporting it."
                .to_owned(),
        ),
        _ => ("bad_request", "The request could not be processed.".to_owned()),
    };
    ErrorReport {
        status,
        code,
        detail,
        errors: Vec::new(),
    }
}
