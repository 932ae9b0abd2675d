//! The front of every request, in one middleware: the request id (accepted from
//! `x-request-id` or generated), the error envelope, the static security headers, the
//! event-stream wake-up after a write, the request metrics and the access log line.
//!
//! These were separate layers; each cost a boxed future, a `Next` and a pass over the headers
//! per request (docs/PERFORMANCE.md, "The per-request floor"). Together they pay once. The
//! front sits outside the router (one service for every route, no per-route boxing); what
//! needs the matched route is [`RouteMark`], the one layer applied per route: the request's
//! tracing span (method, matched route, request id — made once the route is known, so no
//! field is recorded twice), the route's body limit, and the panic catcher, so a handler's
//! panic is logged inside its request's span.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};

use crate::cluster::Bus;
use crate::metrics::{Metrics, RouteLabel};
use crate::middleware::{Envelope, render_with};

/// Header carrying the request id in both directions.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Headers every response carries unless its handler set its own.
const STATIC_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
];

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
            None => {
                let mut buf = uuid::Uuid::encode_buffer();
                RequestId(Arc::from(&*fresh_v7().hyphenated().encode_lower(&mut buf)))
            }
        }
    }
}

/// A UUIDv7 from the clock and this thread's random generator. `Uuid::now_v7` takes a
/// process-wide lock (for ordering within a millisecond, which request ids do not need) and,
/// without a seeded generator, makes a `getrandom` system call per id: together the largest
/// single cost of an answered request in the profile (docs/PERFORMANCE.md).
fn fresh_v7() -> uuid::Uuid {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random::<[u8; 10]>()).into_uuid()
}

/// Request body limits: `server.body_limit_bytes`, `school.import.max_upload_bytes` for the
/// file imports, and the photo limit for photo and file uploads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub default: usize,
    pub import: usize,
    pub upload: usize,
}

/// What the front middleware needs, shared by every request.
#[derive(Debug)]
pub(crate) struct Front {
    pub metrics: Arc<Metrics>,
    pub bus: Bus,
}

/// The front of the stack, outside the router: see the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct FrontLayer(pub Arc<Front>);

impl<S> Layer<S> for FrontLayer {
    type Service = FrontService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FrontService {
            inner,
            front: Arc::clone(&self.0),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FrontService<S> {
    inner: S,
    front: Arc<Front>,
}

impl<S, B> Service<Request> for FrontService<S>
where
    S: Service<Request, Response = axum::http::Response<B>, Error = Infallible>,
    S::Future: Send + 'static,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        // Handlers read the id from the extensions; the response echoes it.
        let id = RequestId::accept_or_generate(request.headers().get(&X_REQUEST_ID));
        let id_header = HeaderValue::from_str(id.as_str()).ok();
        request.extensions_mut().insert(id.clone());
        let method = request.method().clone();
        let answer = self.inner.call(request);
        let front = Arc::clone(&self.front);
        Box::pin(async move {
            let Ok(response) = answer.await;
            let response = response.map(Body::new);
            let route = RouteLabel::new(response.extensions().get::<MatchedPath>().cloned());
            let mut response = render_with(Envelope::PROBLEM, response, Some(id.as_str()), &method);
            let headers = response.headers_mut();
            for (name, value) in &STATIC_HEADERS {
                if !headers.contains_key(name) {
                    headers.insert(name.clone(), value.clone());
                }
            }
            if let Some(value) = id_header {
                headers.insert(X_REQUEST_ID.clone(), value);
            }
            let status = response.status();
            if !method.is_safe() && status.is_success() {
                // The write has committed: every instance's event streams look for new
                // notifications.
                front.bus.events_changed();
            }
            let elapsed = started.elapsed();
            let code = status.as_u16();
            crate::logging::access_line(method.as_str(), route.as_str(), id.as_str(), code, elapsed);
            front.metrics.observe_request(&method, &route, code, elapsed);
            Ok(response)
        })
    }
}

/// The per-route part of the front, applied with `Router::layer` so it runs after routing
/// (the fallback included): opens the request's span with the matched route, hands the route
/// out in the response's extensions (for the access line and the metrics), applies the body
/// limit for the route and turns a panicking handler into an opaque 500, logged in the span.
/// Its future is a plain struct: no allocation per request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RouteMarkLayer(pub BodyLimits);

impl<S> Layer<S> for RouteMarkLayer {
    type Service = RouteMark<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RouteMark {
            inner,
            limits: self.0,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RouteMark<S> {
    inner: S,
    limits: BodyLimits,
}

impl<S> Service<Request> for RouteMark<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = RouteMarkFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().cloned();
        // One span per request, made here with every field known: the JSON formatter
        // serialises a span's fields when it is made and re-parses them on each `record`.
        let span = tracing::info_span!(
            "request",
            method = request.method().as_str(),
            route = route.as_ref().map(MatchedPath::as_str),
            request_id = request.extensions().get::<RequestId>().map(RequestId::as_str),
        );
        let answer = span.in_scope(|| match limit_body(self.limits, request) {
            Ok(request) => {
                let inner = &mut self.inner;
                match std::panic::catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
                    Ok(answer) => Either::Right(answer),
                    Err(panic) => Either::Left(std::future::ready(Ok(panic_response(panic)))),
                }
            }
            Err(refused) => Either::Left(std::future::ready(Ok(*refused))),
        });
        RouteMarkFuture { answer, route, span }
    }
}

pin_project_lite::pin_project! {
    /// The route's answer, polled in the request's span, with its [`MatchedPath`] added to
    /// the response's extensions.
    pub(crate) struct RouteMarkFuture<F> {
        #[pin]
        answer: Either<std::future::Ready<Result<Response, Infallible>>, F>,
        route: Option<MatchedPath>,
        span: tracing::Span,
    }
}

impl<F> Future for RouteMarkFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let answer = this.answer;
        let mut response = match std::panic::catch_unwind(AssertUnwindSafe(|| answer.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(response))) => response,
            // The handler's future is not polled again: the answer is this 500.
            Err(panic) => panic_response(panic),
        };
        if let Some(route) = this.route.take() {
            response.extensions_mut().insert(route);
        }
        Poll::Ready(Ok(response))
    }
}

/// A panic's answer: an opaque 500 (the envelope adds the request id); the panic's message
/// is logged, in the request's span, and never sent.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    crate::error::ApiError::internal(format!("handler panicked: {message}")).into_response()
}

/// Room for multipart headers and boundaries around an uploaded photo.
pub(crate) const UPLOAD_FRAMING_BYTES: usize = 64 * 1024;

/// Whether `path` takes a photo or file upload (`/parking/{id}/photo`, the v1 event and
/// landmark photos, `/files/{key}`).
pub(crate) fn is_upload_path(path: &str) -> bool {
    path.starts_with("/files/")
        || (path.ends_with("/photo")
            && (path.starts_with("/parking/") || path.starts_with("/api/v1/parking-events/")))
}

/// Where file imports are uploaded; their handlers raise `DefaultBodyLimit` to match.
pub(crate) const IMPORTS_PREFIX: &str = "/api/v1/imports/";

/// The portal's import form, which takes the same files.
pub(crate) const PORTAL_IMPORT_PATH: &str = "/app/admin/import";

/// Refuses a declared `Content-Length` over the limit at once, and caps what is read of a
/// body without one (chunked), so no handler ever buffers more than the limit. A request
/// without a body (no length, or 0) passes untouched.
fn limit_body(limits: BodyLimits, request: Request) -> Result<Request, Box<Response>> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // HTTP/1 framing: without a length or a transfer coding there is no body.
    if declared == Some(0)
        || (declared.is_none()
            && request.version() <= axum::http::Version::HTTP_11
            && !request.headers().contains_key(header::TRANSFER_ENCODING))
    {
        return Ok(request);
    }
    let path = request.uri().path();
    let limit = if path.starts_with(IMPORTS_PREFIX) || path == PORTAL_IMPORT_PATH {
        limits.import
    } else if is_upload_path(path) {
        limits.upload
    } else {
        limits.default
    };
    if declared.is_some_and(|n| n > limit as u64) {
        if path.starts_with("/app/") {
            // The portal answers in pages, not JSON.
            return Err(Box::new(crate::web::pages::error_page(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "That is larger than this server accepts. For an import, split the file.",
            )));
        }
        return Err(Box::new(crate::extract::payload_too_large().into_response()));
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    Ok(Request::from_parts(parts, body))
}
