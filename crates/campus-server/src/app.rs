//! `Application`: builds the state from settings, binds its own listener (port 0 in tests)
//! and serves until told to stop, draining in-flight requests.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use campus_config::{Backend, Settings};
use campus_domain::clock::{SharedClock, SystemClock};
use campus_domain::identity::Identity;
use sea_orm_migration::MigratorTrait;
use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::error::ApiError;
use crate::state::AppState;

/// Why the server could not start. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] campus_config::ConfigError),
    #[error(transparent)]
    Connect(#[from] campus_db::ConnectError),
    #[error("applying database migrations failed: {0}")]
    Migrate(#[source] sea_orm::DbErr),
    #[error(
        "auth.jwt_secret is not set. On {0} every instance must share one signing secret: \
         set CAMPUS_AUTH__JWT_SECRET to a random string of at least 32 characters \
         (e.g. the output of `openssl rand -base64 48`)"
    )]
    SecretRequired(Backend),
    #[error("identity setup failed (check the `auth` settings): {0}")]
    Identity(#[source] campus_domain::identity::IdentityError),
    #[error("invalid setting `server.cors_origins`: {0}")]
    Cors(String),
    #[error("file storage cannot be opened (check the `storage` settings): {0}")]
    Storage(#[source] campus_storage::StorageError),
    #[error("report letterhead: {0}")]
    Letterhead(String),
    #[error(
        "cannot listen on {addr}: {source}. Hint: another program may use the port; \
         choose another with --port or CAMPUS_SERVER__PORT"
    )]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// A built, bound, not yet serving Campus server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies migrations if configured, and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Like [`build`](Self::build), with the services reading time from `clock` (tests move
    /// a `TestClock` forward instead of sleeping).
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        settings.validate()?;
        let url = settings.database_url();
        let db = campus_db::connect(&url, &settings.database).await?;
        if settings.database.migrate_on_start {
            campus_db::Migrator::up(&db, None)
                .await
                .map_err(StartupError::Migrate)?;
        }
        let secret = signing_secret(&settings, url.backend())?;
        let cluster = crate::cluster::Cluster::new(&settings.redis);
        let mut identity = Identity::new(db.clone(), &settings.auth, &secret)
            .map_err(StartupError::Identity)?
            .with_web(&settings.web)
            .with_clock(clock.clone());
        if let Some(link) = cluster.redis() {
            identity = identity.with_limiter(Arc::new(crate::cluster::RedisRateLimiter::new(link.clone())));
        }
        let cors =
            crate::middleware::stack_cors(&settings.server.cors_origins).map_err(StartupError::Cors)?;
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?;
        let setup = crate::setup::SetupGate::new(local_addr, &secret);
        let admin_exists = identity.admin_count().await.map_err(StartupError::Identity)? > 0;
        setup.announce(&settings.data_dir, admin_exists);
        let storage = campus_storage::BlobStore::open(&settings.storage, &settings.data_dir, &secret)
            .map_err(StartupError::Storage)?;
        let letterhead = crate::reports::letterhead(&settings.reports).map_err(StartupError::Letterhead)?;
        let state = AppState::new(crate::state::Foundation {
            settings,
            db,
            signing_secret: secret,
            setup,
            cors,
            identity,
            clock,
            storage,
            letterhead,
            cluster,
        });
        Ok(Self {
            listener,
            local_addr,
            state,
        })
    }

    /// The bound port (useful when the configured port was 0).
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT or SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then stops accepting and waits up to
    /// `server.shutdown_grace_secs` for in-flight requests.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.state.settings().server.shutdown_grace_secs);
        // Periodic jobs run once per tick across the cluster: with Redis, the instance that
        // takes the tick's lease runs it; without Redis every instance does (each job is an
        // idempotent guarded statement, or claims rows under a database lease, so running
        // twice only costs work).
        let state = self.state.clone();
        let every = Duration::from_secs(self.state.settings().kv.purge_interval_secs);
        let purge = tokio::spawn(async move {
            // The first purge waits one interval: start-up does no work it need not.
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                if state.cluster().take_lease("purge", lease_for(every)).await {
                    purge_once(&state).await;
                }
            }
        });
        let _purge_guard = AbortOnDrop(purge);
        let state = self.state.clone();
        let every = Duration::from_secs(self.state.settings().tracking.sweep_interval_secs);
        let sweep = tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                if !state.cluster().take_lease("usage-sweep", lease_for(every)).await {
                    continue;
                }
                if let Err(e) = state.usage().sweep_idle().await {
                    tracing::warn!(error = %e, "closing idle usage entries failed");
                }
            }
        });
        let _sweep_guard = AbortOnDrop(sweep);
        // Report batches: any instance claims a queued batch (or one whose worker's lease ran
        // out) and renders it student by student.
        let _batches_guard = AbortOnDrop(tokio::spawn(crate::reports::batch_worker(self.state.clone())));
        // Email: any instance delivers due messages (each claimed under a lease), gathers
        // digests and sweeps overdue dues (alert marks make each alert go out once).
        let _mail_guard = AbortOnDrop(tokio::spawn(crate::mailer::worker(self.state.clone())));
        // Realtime: this instance's event watcher, and the cluster bus's publisher and
        // subscriber (with Redis).
        let _watch_guard = AbortOnDrop(tokio::spawn(self.state.events().clone().watch()));
        let _bus_guards: Vec<AbortOnDrop> = self
            .state
            .bus()
            .spawn(self.state.identity().session_cache().clone())
            .await
            .into_iter()
            .map(AbortOnDrop)
            .collect();
        let events = self.state.events().clone();
        let draining = self.state.clone();
        let drain = Duration::from_secs(self.state.settings().server.drain_secs);
        let (stop_tx, mut stopped) = tokio::sync::watch::channel(false);
        let service = service(&self.state);
        let serve = axum::serve(
            self.listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(
                service,
            ),
        )
        .with_graceful_shutdown(async move {
            signal.await;
            if !drain.is_zero() {
                tracing::info!(secs = drain.as_secs(), "shutdown requested; /readyz now fails, serving on while the load balancer moves traffic away");
                draining.start_draining();
                tokio::time::sleep(drain).await;
            }
            tracing::info!("shutdown requested; draining in-flight requests");
            // Streams never finish on their own: end them so their clients reconnect
            // elsewhere and the drain is not held up.
            events.close();
            let _ = stop_tx.send(true);
        });
        let grace_over = async move {
            if stopped.wait_for(|s| *s).await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = serve.into_future() => result,
            () = grace_over => {
                tracing::warn!("grace period over; closing remaining connections");
                Ok(())
            }
        }
    }
}

/// A tick's lease: most of the interval, so the next tick's lease is free again.
fn lease_for(every: Duration) -> Duration {
    every.mul_f64(0.9).max(Duration::from_millis(500))
}

/// One round of the periodic purges (expired keys, ended web sessions, old idempotency
/// answers, overdue parking alerts, audit sealing); each failure is logged, the rest go on.
async fn purge_once(state: &AppState) {
    let now = state.clock().now();
    if let Err(e) = state.finance().purge_idempotency_keys(now).await {
        tracing::warn!(error = %e, "purging old idempotency keys failed");
    }
    if let Err(e) = state.kv().purge_expired().await {
        tracing::warn!(error = %e, "purging expired keys failed");
    }
    if let Err(e) = state.identity().purge_web_sessions().await {
        tracing::warn!(error = %e, "purging ended web sessions failed");
    }
    match state.parking().alert_overdue().await {
        // Alerts are notifications: wake the streams.
        Ok(_) => state.bus().events_changed(),
        Err(e) => tracing::warn!(error = %e, "alerting caregivers of overdue retrievals failed"),
    }
    // The audit chain: one sealer at a time holds the head's lock.
    if let Err(e) = state.audit().seal().await {
        tracing::warn!(error = %e, "sealing the audit trail failed");
    }
}

/// The whole route table inside the middleware stack: the service `axum::serve` runs.
pub fn service(
    state: &AppState,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ 'static {
    let routes = Router::new()
        .merge(crate::ops::router(state))
        .merge(crate::files::router())
        .merge(crate::openapi::router())
        .merge(crate::api::router(crate::api::routes()))
        .merge(crate::web::router(state))
        .merge(crate::compat::router(state))
        .merge(crate::compat::catch_all())
        .fallback(unknown_route);
    crate::middleware::apply(routes, state)
}

async fn unknown_route(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("No route for {method} {}.", uri.path()))
}

/// The configured secret, or on SQLite one generated into the data directory.
pub fn signing_secret(settings: &Settings, backend: Backend) -> Result<SecretString, StartupError> {
    match (&settings.auth.jwt_secret, backend) {
        (Some(secret), _) => Ok(secret.clone()),
        (None, Backend::Sqlite) => Ok(campus_config::load_or_create_secret(
            &settings.data_dir,
            "signing.key",
        )?),
        (None, other) => Err(StartupError::SecretRequired(other)),
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Stops a background task when the server stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
