//! Liveness, readiness and metrics.

use campus_test_support::backend_test;

backend_test!(async fn healthz_answers_ok_without_the_database(app) {
    app.db.clone().close().await.expect("pool closes");
    assert_eq!(app.get("/readyz").await.status, 503, "the database is really gone");
    let res = app.get("/healthz").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
});

backend_test!(async fn readyz_is_ready_once_migrations_are_applied(app) {
    let res = app.get("/readyz").await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "ready");
});

backend_test!(async fn readyz_is_503_when_the_database_is_gone(app) {
    app.db.clone().close().await.expect("pool closes");
    let res = app.get("/readyz").await;
    let body = res.assert_problem(503, "not_ready");
    assert!(body["detail"].as_str().unwrap().contains("database"), "{body}");
});

backend_test!(async fn metrics_count_requests_by_matched_route_and_status(app) {
    app.get("/healthz").await;
    app.get("/no/such/page").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status, 200);
    assert!(res.content_type().starts_with("application/openmetrics-text"));
    let text = &res.text;
    assert!(
        text.contains(r#"campus_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("campus_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("campus_db_pool_connections_idle"), "{text}");
    assert!(text.contains("campus_build_info{version="), "{text}");
    // The background log writer's drop count (nothing installed a logger in tests: 0).
    assert!(text.contains("campus_log_lines_dropped_total 0"), "{text}");
});

// Bodies over 1 KiB are compressed for clients that accept it; small ones, event streams and
// clients that do not ask are answered as they are.
backend_test!(async fn responses_are_compressed_only_when_large_and_asked_for(app) {
    let gzip = |path: &str| {
        app.request(reqwest::Method::GET, path)
            .header("accept-encoding", "gzip")
    };
    let large = app.send(gzip("/api/openapi.json")).await;
    assert_eq!(large.status, 200);
    assert_eq!(large.header("content-encoding"), Some("gzip"));
    assert_eq!(large.header("x-content-type-options"), Some("nosniff"));
    assert!(large.header("x-request-id").is_some());
    let small = app.send(gzip("/healthz")).await;
    assert_eq!(small.status, 200);
    assert_eq!(small.header("content-encoding"), None, "{} bytes", small.text.len());
    assert_eq!(small.json()["status"], "ok");
    let plain = app.get("/api/openapi.json").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.text.len() > 1024);
    // An error rendered by the envelope is compressed after it is written, never before.
    let missing = app.send(gzip("/no/such/page")).await;
    assert_eq!(missing.header("content-encoding"), None, "a problem document is small");
    missing.assert_problem(404, "not_found");
});

/// Behind a proxy, a remote scraper needs the metrics token; loopback clients need none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_refused_to_remote_clients_without_the_token() {
    use campus_test_support::{Backend, TestApp};
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.trusted_proxies = campus_config::TrustedProxies::Hops(1);
        s.server.metrics_token = Some(secrecy::SecretString::from("scrape-me-1234567890".to_owned()));
    })
    .await
    .unwrap();
    let from = |client: &'static str| {
        app.request(reqwest::Method::GET, "/metrics")
            .header("x-forwarded-for", client)
    };
    app.send(from("203.0.113.5"))
        .await
        .assert_problem(403, "forbidden");
    app.send(from("203.0.113.5").bearer_auth("wrong-token"))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.send(from("203.0.113.5").bearer_auth("scrape-me-1234567890"))
            .await
            .status,
        200
    );
    assert_eq!(app.send(from("127.0.0.1")).await.status, 200);
    let public = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.trusted_proxies = campus_config::TrustedProxies::Hops(1);
        s.server.metrics_public = true;
    })
    .await
    .unwrap();
    let res = public
        .send(
            public
                .request(reqwest::Method::GET, "/metrics")
                .header("x-forwarded-for", "203.0.113.5"),
        )
        .await;
    assert_eq!(res.status, 200);
}

backend_test!(async fn api_root_points_to_the_documentation(app) {
    let res = app.get("/api/v1").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["openapi"], "/api/openapi.json");
});

/// The data directory and the SQLite files hold children's records: owner-only.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_and_database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("school").join("data");
    let url = format!("sqlite://{}?mode=rwc", data.join("campus.db").display());
    let app = campus_test_support::TestApp::spawn_with(campus_test_support::Backend::Sqlite, |s| {
        s.data_dir = data.clone();
        s.database.url = Some(secrecy::SecretString::from(url.clone()));
    })
    .await
    .unwrap();
    let admin = app.session("admin").await;
    assert_eq!(app.get_with_token("/api/v1/me", &admin.token).await.status, 200);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data directory");
    for file in ["campus.db", "campus.db-wal", "campus.db-shm"] {
        let path = data.join(file);
        assert!(path.exists(), "{file}");
        assert_eq!(mode(&path), 0o600, "{file}");
    }
}

/// Closes, from a second connection, every connection the app's pool holds to its database.
async fn kill_pooled_connections(app: &campus_test_support::TestApp) {
    use campus_test_support::Backend;
    use sea_orm::{ConnectionTrait, Database, Statement};
    let url = app.settings.database.effective_url(&app.settings.data_dir);
    let admin = Database::connect(url.expose())
        .await
        .expect("a second connection");
    let listed = match app.backend {
        Backend::Postgres => {
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
            WHERE datname = current_database() AND pid <> pg_backend_pid()"
        }
        _ => "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
    };
    let rows = admin
        .query_all_raw(Statement::from_string(admin.get_database_backend(), listed))
        .await
        .expect("the pool's connections are listed");
    assert!(!rows.is_empty(), "the app holds pooled connections");
    if app.backend == Backend::Mysql {
        for row in rows {
            let id: i64 = row.try_get_by_index(0).expect("a connection id");
            admin
                .execute_unprepared(&format!("KILL {id}"))
                .await
                .expect("killed");
        }
    }
    let _ = admin.close().await;
}

/// A pooled PostgreSQL / MySQL connection the server dropped while it sat idle (a restarted
/// database, a proxy's idle cut) is replaced before a request gets it: connections idle at
/// least `database.check_idle_after_secs` are pinged on checkout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_connection_dropped_while_idle_is_replaced_before_use() {
    use campus_test_support::{Backend, run_on_with};
    for backend in [Backend::Postgres, Backend::Mysql] {
        let idle_check = |s: &mut campus_config::Settings| s.database.check_idle_after_secs = 1;
        run_on_with(backend, idle_check, |app| async move {
            for _ in 0..3 {
                assert_eq!(app.get("/readyz").await.status, 200);
            }
            kill_pooled_connections(&app).await;
            tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
            for attempt in 0..5 {
                let res = app.get("/readyz").await;
                assert_eq!(
                    res.status, 200,
                    "{backend}, request {attempt} after the kill: {}",
                    res.text
                );
            }
        })
        .await;
    }
}

/// A connection dropped while it was in use (not idle long enough to be checked) fails its
/// statement once: the request answers 503 `database_unavailable` with `Retry-After`, never a
/// 500, and the connection is discarded, so the requests after it are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_on_a_dropped_connection_answers_503_and_the_next_requests_are_served() {
    use campus_test_support::{Backend, run_on_with};
    for backend in [Backend::Postgres, Backend::Mysql] {
        let no_idle_check = |s: &mut campus_config::Settings| s.database.check_idle_after_secs = 3_600;
        run_on_with(backend, no_idle_check, |app| async move {
            let owner = app.session("user").await;
            let path = "/api/v1/kv/nothing-here";
            assert_eq!(app.get_with_token(path, &owner.token).await.status, 404);
            kill_pooled_connections(&app).await;
            let mut unavailable = 0;
            let mut last = 0;
            for _ in 0..12 {
                let res = app.get_with_token(path, &owner.token).await;
                last = res.status;
                if res.status == 503 {
                    res.assert_problem(503, "database_unavailable");
                    assert_eq!(res.header("retry-after"), Some("1"), "{backend}");
                    unavailable += 1;
                } else {
                    assert_eq!(res.status, 404, "{backend}: {}", res.text);
                }
            }
            assert!(
                unavailable > 0,
                "{backend}: a dropped connection was handed out and failed"
            );
            assert_eq!(
                last, 404,
                "{backend}: dropped connections are discarded, new ones serve"
            );
        })
        .await;
    }
}
