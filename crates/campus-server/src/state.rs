//! Shared application state handed to every handler. Everything in it is either immutable
//! configuration or a handle to a shared backend, so instances stay stateless.

use std::sync::Arc;

use campus_config::{Settings, TrustedProxies};

use crate::setup::SetupGate;
use campus_domain::audit::Audit;
use campus_domain::clock::SharedClock;
use campus_domain::content::Content;
use campus_domain::finance::Finance;
use campus_domain::identity::Identity;
use campus_domain::kv::Kv;
use campus_domain::mail::Mail;
use campus_domain::notifications::Notifications;
use campus_domain::parking::Parking;
use campus_domain::reports::Reports;
use campus_domain::school::School;
use campus_domain::usage::Usage;
use campus_storage::BlobStore;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use tower_http::cors::CorsLayer;

use crate::metrics::Metrics;

/// A turn to read one upload ([`AppState::upload_turn`]); the next waiting upload starts
/// when it is dropped.
#[derive(Debug)]
pub struct UploadTurn(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

/// Cheap to clone: every field is reference-counted.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: Settings,
    proxies: TrustedProxies,
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
    clock: SharedClock,
    signing_secret: SecretString,
    setup: SetupGate,
    cors: Option<CorsLayer>,
    identity: Identity,
    audit: Audit,
    school: School,
    content: Content,
    finance: Finance,
    notifications: Notifications,
    kv: Kv,
    parking: Parking,
    usage: Usage,
    storage: BlobStore,
    /// Uploads read at once (`storage.max_concurrent_uploads`).
    uploads: Arc<tokio::sync::Semaphore>,
    reports: crate::reports::Pipeline,
    mail: Mail,
    cluster: crate::cluster::Cluster,
    bus: crate::cluster::Bus,
    events: crate::events::EventHub,
    /// Set once shutdown has begun: `/readyz` fails so the load balancer stops sending.
    draining: std::sync::atomic::AtomicBool,
}

/// What start-up has made ready before the services are built on it.
pub(crate) struct Foundation {
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub signing_secret: SecretString,
    pub setup: SetupGate,
    pub cors: Option<CorsLayer>,
    pub identity: Identity,
    pub clock: SharedClock,
    pub storage: BlobStore,
    pub letterhead: campus_pdf::Letterhead,
    pub cluster: crate::cluster::Cluster,
}

impl AppState {
    pub(crate) fn new(foundation: Foundation) -> Self {
        let Foundation {
            settings,
            db,
            signing_secret,
            setup,
            cors,
            identity,
            clock,
            storage,
            letterhead,
            cluster,
        } = foundation;
        let events = crate::events::EventHub::new(
            campus_domain::notifications::Feed::new(db.clone()),
            settings.server.max_event_streams,
        );
        let bus = crate::cluster::Bus::new(&cluster, events.waker());
        identity.session_cache().attach(Arc::new(bus.clone()));
        let reads = sqlite_reads(&settings);
        let school = School::new(db.clone(), &settings.school)
            .with_alerts(&settings.alerts)
            .with_reads(reads.clone());
        let audit = Audit::new(db.clone());
        let content = Content::new(db.clone());
        let finance = Finance::new(db.clone(), &settings.finance)
            .with_alerts(&settings.alerts)
            .with_reads(reads.clone());
        let mail = Mail::new(
            db.clone(),
            &settings.email,
            settings.tracking.timezone.parse().unwrap_or(chrono_tz::Tz::UTC),
        );
        let notifications = Notifications::new(db.clone());
        let parking = Parking::new(db.clone())
            .with_clock(clock.clone())
            .with_reads(reads.clone());
        let uploads = Arc::new(tokio::sync::Semaphore::new(
            settings.storage.max_concurrent_uploads,
        ));
        let usage = Usage::new(db.clone(), &settings.tracking).with_clock(clock.clone());
        let reports = Reports::new(
            db.clone(),
            school.clone(),
            finance.clone(),
            secrecy::ExposeSecret::expose_secret(&signing_secret).as_bytes(),
        );
        let reports = crate::reports::Pipeline::new(
            reports,
            storage.clone(),
            letterhead,
            settings.reports.concurrency(),
            clock.clone(),
        );
        let kv = Kv::new(db.clone(), &settings.kv)
            .with_reads(reads)
            .with_clock(clock.clone());
        Self {
            inner: Arc::new(Inner {
                db,
                proxies: settings.server.proxies(),
                settings,
                metrics: Arc::new(Metrics::new()),
                clock,
                signing_secret,
                setup,
                cors,
                audit,
                school,
                content,
                finance,
                notifications,
                kv,
                parking,
                usage,
                uploads,
                storage,
                identity,
                reports,
                mail,
                cluster,
                bus,
                events,
                draining: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Parking events (seed 001).
    pub fn parking(&self) -> &Parking {
        &self.inner.parking
    }

    /// Usage tracking (seed 000's activity log).
    pub fn usage(&self) -> &Usage {
        &self.inner.usage
    }

    /// A turn to read an upload: memory holds at most `storage.max_concurrent_uploads`
    /// uploads, however many clients send at once. Taken before the request body is parsed,
    /// so waiting uploads hold no buffers.
    pub async fn upload_turn(&self) -> UploadTurn {
        // The semaphore is never closed, so acquiring cannot fail.
        #[allow(clippy::expect_used)]
        let permit = self
            .inner
            .uploads
            .clone()
            .acquire_owned()
            .await
            .expect("the upload semaphore is never closed");
        UploadTurn(permit)
    }

    /// Reports (report cards, transcripts, statements, receipts) and their batches.
    pub fn reports(&self) -> &Reports {
        self.inner.reports.reports()
    }

    /// Email: preferences, the outbox, digests.
    pub fn mail(&self) -> &Mail {
        &self.inner.mail
    }

    /// Rendering, storing and recording reports.
    pub fn report_pipeline(&self) -> &crate::reports::Pipeline {
        &self.inner.reports
    }

    /// The blob store (local directory or S3).
    pub fn storage(&self) -> &BlobStore {
        &self.inner.storage
    }

    /// Whether the open first-administrator bootstrap needs the setup token.
    pub fn setup(&self) -> &SetupGate {
        &self.inner.setup
    }

    /// The proxies whose forwarding headers are believed (`server.trusted_proxies`).
    pub fn proxies(&self) -> &TrustedProxies {
        &self.inner.proxies
    }

    /// The clock services read expiry times from.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// The pool, for readiness probes and metrics; handlers reach data through the services.
    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// HMAC key for access tokens.
    pub fn signing_secret(&self) -> &SecretString {
        &self.inner.signing_secret
    }

    /// The identity service.
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// The audit trail.
    pub fn audit(&self) -> &Audit {
        &self.inner.audit
    }

    /// The school-records service.
    pub fn school(&self) -> &School {
        &self.inner.school
    }

    /// Lookups, documents and the marks query.
    pub fn content(&self) -> &Content {
        &self.inner.content
    }

    /// Courses, enrollments, the ledger and finance reports.
    pub fn finance(&self) -> &Finance {
        &self.inner.finance
    }

    /// In-app notifications.
    pub fn notifications(&self) -> &Notifications {
        &self.inner.notifications
    }

    /// The per-user key-value store.
    pub fn kv(&self) -> &Kv {
        &self.inner.kv
    }

    /// What this instance shares with the others (Redis, when configured).
    pub fn cluster(&self) -> &crate::cluster::Cluster {
        &self.inner.cluster
    }

    /// Messages to the other instances.
    pub fn bus(&self) -> &crate::cluster::Bus {
        &self.inner.bus
    }

    /// Shutdown has begun (see `server.drain_secs`).
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn start_draining(&self) {
        self.inner
            .draining
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// This instance's realtime streams.
    pub fn events(&self) -> &crate::events::EventHub {
        &self.inner.events
    }

    pub(crate) fn cors(&self) -> Option<&CorsLayer> {
        self.inner.cors.as_ref()
    }
}

/// SQLite's direct read connections (one per runtime worker is enough: a read holds one for
/// microseconds). On failure the pool serves the reads, as on the other backends.
fn sqlite_reads(settings: &Settings) -> Option<Arc<campus_db::SqliteReads>> {
    if !settings.database.sqlite_direct_reads {
        return None;
    }
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    match campus_db::SqliteReads::open(&settings.database_url(), workers * 2) {
        Ok(reads) => reads.map(Arc::new),
        Err(e) => {
            tracing::warn!(error = %e, "direct SQLite reads unavailable; using the pool");
            None
        }
    }
}
