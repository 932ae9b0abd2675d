//! Prometheus metrics: requests and latency by method, route and status; database pool
//! occupancy; build information. One registry per application (no global recorder), so
//! several servers in one test process keep separate counts.

use std::time::Duration;

use std::fmt::Write as _;

use axum::extract::MatchedPath;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// A request's labels, built without allocating: the method (a standard method is a plain
/// value) and the matched route (axum's `MatchedPath` is a shared string) are cloned, not
/// copied into new strings, so the per-request lookup costs a hash and no allocation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: MethodLabel,
    route: RouteLabel,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct MethodLabel(axum::http::Method);

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.0.as_str())
    }
}

/// The matched route, or `unmatched` for requests no route took.
#[derive(Debug, Clone)]
pub struct RouteLabel(Option<MatchedPath>);

impl RouteLabel {
    pub fn new(route: Option<MatchedPath>) -> Self {
        Self(route)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

impl std::hash::Hash for RouteLabel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

type HistogramFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The application's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    pool_in_use: Gauge<i64, std::sync::atomic::AtomicI64>,
    pool_idle: Gauge<i64, std::sync::atomic::AtomicI64>,
    event_streams: Gauge<i64, std::sync::atomic::AtomicI64>,
    redis_up: Gauge<i64, std::sync::atomic::AtomicI64>,
    log_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("campus");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let pool_in_use = Gauge::default();
        let pool_idle = Gauge::default();
        let event_streams = Gauge::default();
        let redis_up = Gauge::default();
        let log_dropped = Counter::default();
        registry.register(
            "log_lines_dropped",
            "Log lines dropped because the log writer's queue (log.buffer_lines) was full",
            log_dropped.clone(),
        );
        registry.register(
            "event_streams_open",
            "Realtime event streams (GET /api/v1/events) this instance holds",
            event_streams.clone(),
        );
        registry.register(
            "redis_up",
            "1 if Redis answered a PING at scrape time, 0 if not, -1 without redis.url",
            redis_up.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method, matched route and status",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections_in_use",
            "Database connections currently checked out of the pool",
            pool_in_use.clone(),
        );
        registry.register(
            "db_pool_connections_idle",
            "Database connections idle in the pool",
            pool_idle.clone(),
        );
        registry.register(
            "build",
            "Build information",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Self {
            registry,
            requests,
            latency,
            pool_in_use,
            pool_idle,
            event_streams,
            redis_up,
            log_dropped,
        }
    }

    /// Records one answered request.
    pub fn observe_request(
        &self,
        method: &axum::http::Method,
        route: &RouteLabel,
        status: u16,
        elapsed: Duration,
    ) {
        let labels = RequestLabels {
            method: MethodLabel(method.clone()),
            route: route.clone(),
            status,
        };
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    /// Sets the pool gauges; called at scrape time.
    pub fn set_pool(&self, stats: campus_db::PoolStats) {
        self.pool_idle.set(i64::from(stats.idle));
        self.pool_in_use
            .set(i64::from(stats.size.saturating_sub(stats.idle)));
    }

    /// Sets the cluster gauges; called at scrape time.
    pub fn set_cluster(&self, open_streams: usize, redis_up: Option<bool>) {
        self.event_streams
            .set(i64::try_from(open_streams).unwrap_or(i64::MAX));
        self.redis_up.set(match redis_up {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        });
    }

    /// Brings the dropped-log-lines counter up to the log writer's count; called at scrape time.
    pub fn set_log_dropped(&self, dropped: u64) {
        self.log_dropped
            .inner()
            .fetch_max(dropped, std::sync::atomic::Ordering::Relaxed);
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
