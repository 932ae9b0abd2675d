//! Assembles the tower middleware stack, outermost first.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiError;
use crate::middleware::{Envelope, render_errors, request_context};
use crate::state::AppState;

/// Wraps `router` with the full stack. Applied with `Router::layer`, so it runs after routing
/// and sees the matched route.
pub fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let server = &state.settings().server;
    let limit = server.body_limit_bytes;
    let limits = BodyLimits {
        default: limit,
        import: state.settings().school.import.max_upload_bytes,
        // The handlers hold a photo to `storage.max_photo_bytes` exactly (in their own
        // envelope); this outer bound leaves room for the multipart framing.
        upload: usize::try_from(state.settings().storage.max_photo_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(UPLOAD_FRAMING_BYTES),
    };
    // Router::layer wraps what is already there, so the innermost layer comes first.
    let mut router = router
        .layer(axum::middleware::from_fn_with_state(
            state.bus().clone(),
            wake_event_streams,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(limits, limit_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(server.request_timeout_secs),
        ))
        .layer(axum::middleware::from_fn_with_state(
            Envelope::PROBLEM,
            render_errors,
        ))
        .layer(CompressionLayer::new());
    if let Some(cors) = state.cors() {
        router = router.layer(cors.clone());
    }
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics().clone(),
            request_context,
        ))
}

/// After a write succeeds (its transaction has committed), the event streams of every
/// instance look for new notifications: a hint, not a message; the notifications table is the
/// record.
async fn wake_event_streams(
    axum::extract::State(bus): axum::extract::State<crate::cluster::Bus>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let writes = !request.method().is_safe();
    let response = next.run(request).await;
    if writes && response.status().is_success() {
        bus.events_changed();
    }
    response
}

/// Request body limits: `server.body_limit_bytes`, `school.import.max_upload_bytes` for
/// the file uploads under [`IMPORTS_PREFIX`], and the photo limit for photo uploads.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    default: usize,
    import: usize,
    upload: usize,
}

/// Room for multipart headers and boundaries around an uploaded photo.
const UPLOAD_FRAMING_BYTES: usize = 64 * 1024;

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
/// body without one (chunked), so no handler ever buffers more than the limit.
async fn limit_body(
    axum::extract::State(limits): axum::extract::State<BodyLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let limit = if path.starts_with(IMPORTS_PREFIX) || path == PORTAL_IMPORT_PATH {
        limits.import
    } else if is_upload_path(path) {
        limits.upload
    } else {
        limits.default
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        if path.starts_with("/app/") {
            // The portal answers in pages, not JSON.
            return crate::web::pages::error_page(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "That is larger than this server accepts. For an import, split the file.",
            );
        }
        return crate::extract::payload_too_large().into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body)).await
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}

/// Builds the CORS layer from `server.cors_origins`; `None` when no origin is allowed.
pub(crate) fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim_end_matches('/'))
                    .map_err(|_| format!("`{o}` is not a valid origin such as https://school.example"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    let layer = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(600));
    Ok(Some(layer))
}
