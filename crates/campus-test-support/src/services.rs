//! The domain services on a fresh, migrated database, for tests below HTTP: each record-level
//! rule is tested where it lives, on SQLite always and on PostgreSQL / MySQL when their URLs are
//! set (as `backend_test!` does for HTTP).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use campus_config::{Backend, Settings};
use campus_domain::RequestMeta;
use campus_domain::audit::Audit;
use campus_domain::clock::TestClock;
use campus_domain::content::Content;
use campus_domain::finance::Finance;
use campus_domain::identity::{Identity, Principal, Registration, Role};
use campus_domain::kv::Kv;
use campus_domain::notifications::Notifications;
use campus_domain::school::School;
use sea_orm_migration::MigratorTrait;
use secrecy::SecretString;

use crate::database::TestDatabase;

/// Every domain service on one fresh database.
#[derive(Debug)]
pub struct TestServices {
    pub backend: Backend,
    pub identity: Identity,
    pub audit: Audit,
    pub school: School,
    pub content: Content,
    pub finance: Finance,
    pub notifications: Notifications,
    pub kv: Kv,
    /// The time the kv store and web sessions read; advance it instead of sleeping.
    pub clock: Arc<TestClock>,
    pub meta: RequestMeta,
    /// The pool, for a service built with settings of the test's own.
    pub db: sea_orm::DatabaseConnection,
    users_made: AtomicU32,
    // Dropped last: removes the database after the services stopped using it.
    _database: TestDatabase,
}

impl TestServices {
    /// The services on `backend`; `None` if the backend is not configured.
    pub async fn on(backend: Backend) -> Option<Self> {
        let database = TestDatabase::create(backend).await?;
        let mut settings = Settings::default();
        settings.database.max_connections = 5;
        let url = campus_config::DatabaseUrl::parse(database.url()).expect("test database URL");
        let db = campus_db::connect(&url, &settings.database)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the {backend} test database: {e}"));
        campus_db::Migrator::up(&db, None)
            .await
            .expect("migrations apply");
        let clock = Arc::new(TestClock::default());
        let secret = SecretString::from("test-signing-secret-0123456789abcdef".to_owned());
        let identity = Identity::new(db.clone(), &settings.auth, &secret)
            .expect("identity service")
            .with_clock(clock.clone());
        Some(Self {
            backend,
            identity,
            audit: Audit::new(db.clone()),
            school: School::new(db.clone(), &settings.school),
            content: Content::new(db.clone()),
            finance: Finance::new(db.clone(), &settings.finance),
            notifications: Notifications::new(db.clone()),
            kv: Kv::new(db.clone(), &settings.kv).with_clock(clock.clone()),
            db,
            clock,
            meta: RequestMeta::default(),
            users_made: AtomicU32::new(0),
            _database: database,
        })
    }

    /// A new active user with `role`, as the principal acting for them.
    pub async fn user(&self, role: Role) -> Principal {
        let n = self.users_made.fetch_add(1, Ordering::Relaxed) + 1;
        let registration = Registration {
            username: Some(format!("{role}{n}")),
            email: Some(format!("{role}{n}@test.campus")),
            name: format!("{role} {n}"),
            password: "not-used-here".to_owned(),
            ..Registration::default()
        };
        let user = self
            .identity
            .create_demo_user(registration, role, &self.meta)
            .await
            .expect("user created");
        Principal::acting_as(user.id, role)
    }
}

/// Runs `test` against fresh services on `backend`, or skips when it is not configured.
pub async fn run_services_on<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestServices) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match TestServices::on(backend).await {
        Some(services) => test(services).await,
        None => eprintln!(
            "skipped: {} not configured ({} unset)",
            backend,
            crate::database::env_var(backend)
        ),
    }
}

/// Declares one service test per backend, like [`backend_test!`](crate::backend_test) for the
/// domain services (`async fn name(s) { ... }`, `s` a [`TestServices`]).
#[macro_export]
macro_rules! service_test {
    ($(#[$meta:meta])* async fn $name:ident($s:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($s: $crate::TestServices) $body

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run_services_on($crate::Backend::Sqlite, body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(campus_test_postgres), ignore = "CAMPUS_TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                $crate::run_services_on($crate::Backend::Postgres, body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(campus_test_mysql), ignore = "CAMPUS_TEST_MYSQL_URL is not set")]
            async fn mysql() {
                $crate::run_services_on($crate::Backend::Mysql, body).await
            }
        }
    };
}
