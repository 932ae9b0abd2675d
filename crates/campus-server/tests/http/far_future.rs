//! Instants past 2038 (MySQL's TIMESTAMP range ends in January 2038) used as filter bounds
//! compare the same on all three databases (every timestamp parameter goes to MySQL as naive
//! UTC, `campus_db::utc_param`).

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
