//! Per-request context: the request id (accepted from `x-request-id` or generated), one
//! tracing span with method, matched route and request id, the access log line and the
//! request metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::Metrics;

/// Header carrying the request id in both directions.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(Arc<str>);

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The client's id when it is short and plain, otherwise a fresh UUIDv7.
    fn accept_or_generate(incoming: Option<&HeaderValue>) -> Self {
        let acceptable = incoming.and_then(|v| v.to_str().ok()).filter(|s| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        });
        match acceptable {
            Some(id) => RequestId(Arc::from(id)),
            None => RequestId(Arc::from(uuid::Uuid::now_v7().to_string())),
        }
    }
}

/// Middleware: request id, span, access log and metrics for every request.
pub async fn request_context(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = RequestId::accept_or_generate(request.headers().get(&X_REQUEST_ID));
    let header_value = HeaderValue::from_str(id.as_str()).ok();
    if let Some(value) = &header_value {
        request.headers_mut().insert(X_REQUEST_ID.clone(), value.clone());
    }
    request.extensions_mut().insert(id.clone());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        request_id = %id.as_str(),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
    });
    metrics.observe_request(method.as_str(), &route, status, elapsed);
    if let Some(value) = header_value {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}
