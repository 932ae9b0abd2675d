//! A fresh database per test: a SQLite file in a temporary directory, or a new database on
//! the configured PostgreSQL / MySQL server, dropped when the test ends.

use std::path::Path;

use campus_config::{Backend, DatabaseUrl};
use sea_orm::{ConnectionTrait, Database};

const REQUIRE_ALL: &str = "CAMPUS_TEST_REQUIRE_ALL_BACKENDS";

/// The environment variable naming the server URL for `backend`.
pub(crate) fn env_var(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "(none)",
        Backend::Postgres => "CAMPUS_TEST_POSTGRES_URL",
        Backend::Mysql => "CAMPUS_TEST_MYSQL_URL",
    }
}

/// A database that exists for one test and is removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    dir: tempfile::TempDir,
    url: String,
    /// Server admin URL and database name, for dropping it afterwards.
    server: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temporary directory");
        if backend == Backend::Sqlite {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("campus.db").display());
            return Some(Self {
                dir,
                url,
                server: None,
            });
        }
        let admin_url = match std::env::var(env_var(backend)) {
            Ok(url) if !url.trim().is_empty() => url,
            _ if std::env::var_os(REQUIRE_ALL).is_some() => {
                panic!("{REQUIRE_ALL} is set but {} is not", env_var(backend))
            }
            _ => return None,
        };
        let name = format!("campus_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {backend} test server: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database on {backend}: {e}"));
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Some(Self {
            dir,
            url,
            server: Some((admin_url, name)),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.server.take() else {
            return;
        };
        let backend = DatabaseUrl::parse(&admin_url).map(|u| u.backend());
        let statement = match backend {
            Ok(Backend::Postgres) => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {name}"),
        };
        // Drop runs inside the test's runtime; a separate thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                let _ = admin.execute_unprepared(&statement).await;
                let _ = admin.close().await;
                Some(())
            })
        })
        .join();
    }
}

/// `admin_url` with its database path replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("valid test server URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
