//! Operational endpoints for load balancers and monitoring: liveness, readiness, metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::api::routing::routes;
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;

/// How long readiness waits for the database before declaring it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The probes, with their OpenAPI operations.
pub(crate) fn routes() -> crate::api::Routes {
    vec![routes!(healthz), routes!(readyz)]
}

/// The probes, and `/metrics` when enabled (for Prometheus, not in the OpenAPI document).
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let router = crate::api::router(routes());
    if state.settings().server.metrics_enabled {
        router.route("/metrics", get(metrics))
    } else {
        router
    }
}

/// Status of a health probe.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthResponse {
    /// `ok` (liveness) or `ready` (readiness).
    pub status: &'static str,
    /// Readiness only, when `redis.url` is set: `up`, or `down` — the instance still takes
    /// traffic (sign-ins are refused with 429 until Redis returns; everything else works).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<&'static str>,
}

/// Liveness: the process answers. Touches no database.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "The process is alive", body = HealthResponse)))]
pub async fn healthz() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok",
        redis: None,
    })
}

/// Readiness: the database answers and every migration is applied. Redis being down is
/// reported, not a reason to leave the load balancer's pool: the instance degrades, it does
/// not stop.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses(
        (status = 200, description = "Ready for traffic", body = HealthResponse),
        (status = 503, description = "Not ready; `detail` says why", body = crate::middleware::errors::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<HealthResponse>, ApiError> {
    let not_ready = |detail: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", detail);
    if state.is_draining() {
        return Err(not_ready(
            "shutting down; finishing the requests in flight".to_owned(),
        ));
    }
    let (database, redis) = tokio::join!(
        tokio::time::timeout(READY_TIMEOUT, campus_db::readiness(state.db())),
        state.cluster().redis_up()
    );
    match database {
        Ok(Ok(())) => Ok(Json(HealthResponse {
            status: "ready",
            redis: redis.map(|up| if up { "up" } else { "down" }),
        })),
        Ok(Err(reason)) => {
            tracing::warn!(error = %crate::error::cause_chain(&reason), "not ready");
            Err(not_ready(reason.to_string()))
        }
        Err(_) => Err(not_ready("database did not answer in time".to_owned())),
    }
}

/// Prometheus/OpenMetrics text, for loopback clients, a scraper bearing
/// `server.metrics_token`, or anyone when `server.metrics_public` is set. The client address
/// is the one `server.trusted_proxies` resolves, so a proxy on the same host does not make
/// every request "loopback".
pub async fn metrics(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !may_read_metrics(&state, meta.ip.as_deref(), &headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "/metrics is served to loopback clients and to scrapers that send server.metrics_token",
        ));
    }
    state.metrics().set_pool(campus_db::pool_stats(state.db()));
    state.metrics().set_log_dropped(crate::logging::dropped_lines());
    state
        .metrics()
        .set_cluster(state.events().open_streams(), state.cluster().redis_up().await);
    let text = state.metrics().encode().map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

fn may_read_metrics(state: &AppState, client: Option<&str>, headers: &HeaderMap) -> bool {
    let server = &state.settings().server;
    if server.metrics_public {
        return true;
    }
    if client
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
    {
        return true;
    }
    let (Some(expected), Some(sent)) = (
        server.metrics_token.as_ref(),
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ")),
    ) else {
        return false;
    };
    // Digests compare in time independent of where the texts differ.
    Sha256::digest(sent.trim().as_bytes()) == Sha256::digest(expected.expose_secret().as_bytes())
}
