//! Assembles the tower middleware stack, outermost first.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tower::{Service, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::middleware::request_context::{
    BodyLimits, Front, FrontLayer, RouteMarkLayer, UPLOAD_FRAMING_BYTES,
};
use crate::state::AppState;

/// Wraps `router` with the full stack and gives the service to serve. Outermost first:
/// compression, the front middleware (request id, error envelope, security headers, metrics,
/// access log), CORS, the timeout, axum's extractor body limit — composed once around the
/// whole router, so a request pays for each once and nothing is boxed per layer. Inside the
/// router each route (and the fallback) carries [`RouteMarkLayer`]: the request's span with
/// the matched route, the route's body limit and the panic catcher.
pub fn apply(
    router: Router<AppState>,
    state: &AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send + 'static> + Clone + Send + 'static
{
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
    let front = Front {
        metrics: state.metrics().clone(),
        bus: state.bus().clone(),
    };
    let router = router.layer(RouteMarkLayer(limits)).with_state(state.clone());
    ServiceBuilder::new()
        .map_response(|response: axum::http::Response<_>| response.map(Body::new))
        .layer(CompressionLayer::new().compress_when(compressible()))
        .layer(FrontLayer(Arc::new(front)))
        .option_layer(state.cors().cloned())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(server.request_timeout_secs),
        ))
        .layer(DefaultBodyLimit::max(limit))
        .service(router)
}

/// Bodies worth compressing: over 1 KiB (below that the framing outweighs the saving), not
/// images, not already-compressed archives and documents, not event streams (the default
/// predicate's exclusions).
fn compressible() -> impl Predicate {
    DefaultPredicate::new()
        .and(SizeAbove::new(1024))
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new(
            "application/vnd.openxmlformats-officedocument",
        ))
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
