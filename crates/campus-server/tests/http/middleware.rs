//! The middleware stack on routes built for the test: malformed and oversized bodies, wrong
//! content types, bad query and path parameters, timeouts and panics all become problem+json.

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use campus_server::extract::{Json, Path, Query};
use campus_test_support::{Backend, TestApp};
use serde_json::Value;

#[derive(serde::Deserialize)]
struct Page {
    #[allow(dead_code)]
    limit: u32,
}

#[derive(serde::Deserialize)]
struct Item {
    #[allow(dead_code)]
    name: String,
}

/// A server with test-only routes behind the production middleware stack.
async fn spawn_probe() -> (TestApp, String) {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.body_limit_bytes = 4096;
        s.server.request_timeout_secs = 1;
    })
    .await
    .expect("sqlite always available");
    let state = app.state.clone();
    let routes = Router::new()
        .route(
            "/echo",
            post(|Json(v): Json<Item>| async move {
                let _ = v;
                "ok"
            }),
        )
        .route("/any", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route(
            "/page",
            get(|Query(p): Query<Page>| async move {
                let _ = p;
                "ok"
            }),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<i64>| async move { id.to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("secret internal detail")
                } else {
                    ""
                }
            }),
        );
    let service = campus_server::middleware::apply(routes, &state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service(service),
        )
        .await
    });
    (app, base)
}

async fn post_raw(
    app: &TestApp,
    url: String,
    ct: &str,
    body: impl Into<reqwest::Body>,
) -> campus_test_support::TestResponse {
    app.send(app.client.post(url).header("content-type", ct).body(body))
        .await
}

#[tokio::test]
async fn malformed_json_is_400_problem() {
    let (app, base) = spawn_probe().await;
    let res = post_raw(&app, format!("{base}/echo"), "application/json", "{\"name\": ").await;
    res.assert_problem(400, "malformed_json");
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422_problem() {
    let (app, base) = spawn_probe().await;
    let res = post_raw(&app, format!("{base}/echo"), "application/json", r#"{"name": 5}"#).await;
    let body = res.assert_problem(422, "invalid_body");
    assert!(body["detail"].as_str().unwrap().contains("name"), "{body}");
}

#[tokio::test]
async fn wrong_content_type_is_415_problem() {
    let (app, base) = spawn_probe().await;
    let res = post_raw(&app, format!("{base}/echo"), "text/plain", r#"{"name":"x"}"#).await;
    res.assert_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn oversized_body_is_413_problem() {
    let (app, base) = spawn_probe().await;
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(10_000));
    let res = post_raw(&app, format!("{base}/any"), "application/json", big).await;
    res.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn oversized_chunked_body_is_413_problem() {
    let (app, base) = spawn_probe().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..10).map(|_| Ok(vec![b' '; 1000])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let res = post_raw(&app, format!("{base}/any"), "application/json", body).await;
    res.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn bad_query_parameter_is_400_problem() {
    let (app, base) = spawn_probe().await;
    let res = app.send(app.client.get(format!("{base}/page?limit=lots"))).await;
    let body = res.assert_problem(400, "invalid_query");
    assert!(body["detail"].as_str().unwrap().contains("limit"), "{body}");
}

#[tokio::test]
async fn bad_path_parameter_is_400_problem() {
    let (app, base) = spawn_probe().await;
    let res = app.send(app.client.get(format!("{base}/items/abc"))).await;
    res.assert_problem(400, "invalid_path_parameter");
}

#[tokio::test]
async fn a_slow_request_times_out_with_503_problem() {
    let (app, base) = spawn_probe().await;
    let res = app.send(app.client.get(format!("{base}/slow"))).await;
    res.assert_problem(503, "timeout");
}

#[tokio::test]
async fn a_panicking_handler_is_an_opaque_500() {
    let (app, base) = spawn_probe().await;
    let res = app.send(app.client.get(format!("{base}/panic"))).await;
    let body = res.assert_problem(500, "internal_error");
    assert!(!res.text.contains("secret internal detail"), "{}", res.text);
    assert!(body["request_id"].is_string());
    // The server keeps serving after a panic.
    let again = app.send(app.client.get(format!("{base}/items/7"))).await;
    assert_eq!(again.status, 200);
}

/// CORS sits inside the front middleware: the configured origin is granted on answers and on
/// error answers alike (so a page can read a problem document), preflights are answered, and
/// other origins get no grant.
#[tokio::test]
async fn cors_grants_the_configured_origin_on_answers_errors_and_preflights() {
    const ORIGIN: &str = "https://school.example";
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.cors_origins = vec![ORIGIN.to_owned()];
    })
    .await
    .expect("sqlite always available");
    let preflight = app
        .send(
            app.request(reqwest::Method::OPTIONS, "/api/v1/me")
                .header("origin", ORIGIN)
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization"),
        )
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    let lists = |res: &campus_test_support::TestResponse, name: &str, item: &str| {
        assert!(
            res.header(name).is_some_and(|h| h.contains(item)),
            "{name}: {:?}",
            res.headers
        );
    };
    lists(&preflight, "access-control-allow-headers", "authorization");
    let denied = app
        .send(
            app.request(reqwest::Method::GET, "/api/v1/me")
                .header("origin", ORIGIN),
        )
        .await;
    assert_eq!(denied.status, 401);
    assert_eq!(denied.header("access-control-allow-origin"), Some(ORIGIN));
    lists(&denied, "access-control-expose-headers", "x-request-id");
    assert!(denied.json()["request_id"].is_string());
    let other = app
        .send(
            app.request(reqwest::Method::GET, "/healthz")
                .header("origin", "https://elsewhere.example"),
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);
}
