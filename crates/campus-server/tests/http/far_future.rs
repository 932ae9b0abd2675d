//! Instants past 2038 (MySQL's TIMESTAMP range ends in January 2038) are stored and compared
//! the same on all three databases: every timestamp parameter goes to MySQL as naive UTC (the
//! vendored sea-query-sqlx for values, `campus_db::utc_param` at filter sites).

use campus_test_support::backend_test;
use serde_json::json;

backend_test!(async fn instants_after_2038_compare_exactly_as_filter_bounds(app) {
    let admin = app.session("admin").await;
    // Filters with far-future bounds compare correctly.
    let sid = app.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Future"})).await.json()["id"].as_i64().unwrap();
    app.post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &admin.token, &json!({"amount": 1, "method": "cash"})).await;
    let statement = app.get_with_token(&format!("/api/v1/students/{sid}/statement?from=2000-01-01T00:00:00Z&to=2099-12-31T00:00:00Z"), &admin.token).await;
    assert_eq!(statement.status, 200, "{}", statement.text);
    assert_eq!(statement.json()["entries"].as_array().unwrap().len(), 1);
    let audit = app.get_with_token("/api/v1/audit?from=2000-01-01T00:00:00Z&to=2099-12-31T00:00:00Z", &admin.token).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert!(!audit.json()["audit"].as_array().unwrap().is_empty());
    let none = app.get_with_token("/api/v1/audit?from=2098-01-01T00:00:00Z", &admin.token).await;
    assert!(none.json()["audit"].as_array().unwrap().is_empty());
});

// Once the clock is past 2038 (MySQL's TIMESTAMP range ends in January 2038), instants are
// stored (a key's expiry, every created_at) and compared with "now" exactly as before.
backend_test!(async fn after_2038_instants_are_stored_and_compared_exactly(app) {
    let move_to = |text: &str| {
        let target = chrono::DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&chrono::Utc);
        let now = campus_domain::clock::Clock::now(app.clock.as_ref());
        app.clock.advance((target - now).to_std().unwrap());
    };
    move_to("2099-01-01T00:00:00Z");
    let user = app.session("user").await;
    let put = |key: &'static str, body: serde_json::Value| {
        app.send(app.request(reqwest::Method::PUT, &format!("/api/v1/kv/{key}")).bearer_auth(&user.token).json(&body))
    };
    let res = put("far", json!({"value": "v", "expires_at": "2099-06-01T12:30:45Z"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(res.json()["created_at"].as_str().unwrap().starts_with("2099-01-01"), "{}", res.text);
    let got = app.get_with_token("/api/v1/kv/far", &user.token).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json()["expires_at"], "2099-06-01T12:30:45Z");
    assert_eq!(put("farther", json!({"value": "w", "expires_at": "2100-01-01T00:00:00Z"})).await.status, 201);
    // Half a year on, the first key has expired and the second has not.
    move_to("2099-07-01T00:00:00Z");
    let token = app.login(&user.email, campus_test_support::TEST_PASSWORD, user.user_id).await.token;
    app.get_with_token("/api/v1/kv/far", &token).await.assert_problem(404, "key_not_found");
    let still = app.get_with_token("/api/v1/kv/farther", &token).await;
    assert_eq!(still.status, 200, "{}", still.text);
    let listed = app.get_with_token("/api/v1/kv", &token).await.json();
    let keys: Vec<&str> = listed["keys"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["farther"], "{listed}");
    // The expired key is purged by the sweep that compares with now.
    let purged = app.state.kv().purge_expired().await.unwrap();
    assert_eq!(purged, 1);
});
