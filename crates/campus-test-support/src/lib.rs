//! `TestApp::spawn()`: a real Campus server bound to 127.0.0.1:0 with a fresh database for
//! each test, on SQLite always and on PostgreSQL / MySQL when their URLs are set:
//!
//! * `CAMPUS_TEST_POSTGRES_URL`, e.g. `postgres://postgres@127.0.0.1:5432/test`
//! * `CAMPUS_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/test`
//!
//! A fresh database (`campus_t_<uuid>`) is created per test and dropped afterwards, so tests
//! run in parallel without sharing state. With `CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1` (set by
//! `.ci/run`), a backend whose URL is missing fails the test instead of skipping it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod client;
mod database;
mod redis;
mod services;
mod sessions;
pub mod smtp;

use std::sync::Arc;

pub use campus_config::Backend;
use campus_config::Settings;
use campus_domain::clock::TestClock;
use campus_server::Application;
pub use client::TestResponse;
pub use database::TestDatabase;
pub use redis::TestRedis;
use secrecy::SecretString;
pub use services::{TestServices, run_services_on};
pub use sessions::{Session, TEST_PASSWORD};

/// A running server and a client for it.
#[derive(Debug)]
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub db: sea_orm::DatabaseConnection,
    pub settings: Settings,
    /// The server's state, for tests that mount extra routes on the real stack.
    pub state: campus_server::AppState,
    /// The time the server's services read: move it forward to expire keys and sessions
    /// instead of sleeping.
    pub clock: Arc<TestClock>,
    server: tokio::task::JoinHandle<()>,
    users_made: std::sync::atomic::AtomicU32,
    // Dropped last: removes the database after the server stopped using it.
    _database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Another server instance sharing a [`TestApp`]'s database.
#[derive(Debug)]
pub struct SiblingApp {
    pub addr: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl SiblingApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for SiblingApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Runs `test` against a fresh app on `backend`, or skips when that backend is not configured.
pub async fn run_on<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run_on_with(backend, |_| {}, test).await
}

/// Like [`run_on`], with settings adjusted before the app starts.
pub async fn run_on_with<F, Fut>(backend: Backend, adjust: impl FnOnce(&mut Settings), test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match TestApp::spawn_with(backend, adjust).await {
        Some(app) => test(app).await,
        None => eprintln!(
            "skipped: {} not configured ({} unset)",
            backend,
            database::env_var(backend)
        ),
    }
}

/// Declares one test per backend: `mod name { fn sqlite(); fn postgres(); fn mysql() }`.
/// An optional `settings(|s| ...)` adjusts the settings before the app starts. A backend whose
/// URL was not set when the tests were built is reported as ignored (the crate's build script
/// includes `backends.rs`).
///
/// ```text
/// backend_test!(async fn healthz_answers(app) {
///     assert_eq!(app.get("/healthz").await.status, 200);
/// });
/// ```
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $crate::backend_test!($(#[$meta])* async fn $name($app) settings(|_| {}) $body);
    };
    ($(#[$meta:meta])* async fn $name:ident($app:ident) settings($adjust:expr) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: $crate::TestApp) $body

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run_on_with($crate::Backend::Sqlite, $adjust, body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(campus_test_postgres), ignore = "CAMPUS_TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                $crate::run_on_with($crate::Backend::Postgres, $adjust, body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(campus_test_mysql), ignore = "CAMPUS_TEST_MYSQL_URL is not set")]
            async fn mysql() {
                $crate::run_on_with($crate::Backend::Mysql, $adjust, body).await
            }
        }
    };
}

impl TestApp {
    /// Default test settings on `backend`; `None` if the backend is not configured.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`spawn`](Self::spawn), letting the test adjust settings first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let database = TestDatabase::create(backend).await?;
        let mut settings = Settings {
            data_dir: database.data_dir().to_path_buf(),
            ..Settings::default()
        };
        settings.server.port = 0;
        settings.database.url = Some(SecretString::from(database.url().to_owned()));
        settings.database.max_connections = 5;
        settings.auth.jwt_secret = Some(SecretString::from(
            "test-signing-secret-0123456789abcdef".to_owned(),
        ));
        adjust(&mut settings);
        let clock = Arc::new(TestClock::default());
        let app = Application::build_with_clock(settings.clone(), clock.clone())
            .await
            .unwrap_or_else(|e| panic!("test app failed to start on {backend}: {e}"));
        let addr = app.local_addr();
        let state = app.state().clone();
        let db = state.db().clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        Some(TestApp {
            addr,
            backend,
            // The client shows responses as the server sent them: no redirects followed, no
            // bodies decompressed (another crate in the workspace build may switch reqwest's
            // gzip feature on; these calls keep it off either way).
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_gzip()
                .no_brotli()
                .no_deflate()
                .no_zstd()
                .build()
                .expect("http client"),
            db,
            settings,
            state,
            clock,
            server,
            users_made: std::sync::atomic::AtomicU32::new(0),
            _database: database,
        })
    }

    /// A number unique within this app, for naming test users.
    pub fn next_user_number(&self) -> u32 {
        self.users_made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    /// A second server on the same database (as behind a load balancer).
    pub async fn spawn_sibling(&self, adjust: impl FnOnce(&mut Settings)) -> SiblingApp {
        let mut settings = self.settings.clone();
        settings.database.migrate_on_start = false;
        adjust(&mut settings);
        let app = Application::build_with_clock(settings, self.clock.clone())
            .await
            .expect("sibling starts");
        let addr = app.local_addr();
        let server = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        SiblingApp { addr, server }
    }

    /// Absolute URL for a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}
