//! Unknown routes, wrong methods and request ids answer problem+json.

use campus_test_support::backend_test;

backend_test!(async fn unknown_route_is_a_problem_404_with_request_id(app) {
    let res = app.get("/api/v1/nothing-here").await;
    let body = res.assert_problem(404, "not_found");
    assert_eq!(body["type"], "urn:campus:problem:not_found");
    assert_eq!(body["title"], "Not Found");
    let id = res.header("x-request-id").expect("request id header");
    assert_eq!(body["request_id"], id);
});

backend_test!(async fn wrong_method_is_405_with_allow_header(app) {
    let res = app.post_json("/healthz", &serde_json::json!({})).await;
    res.assert_problem(405, "method_not_allowed");
    let allow = res.header("allow").expect("Allow header");
    assert!(allow.contains("GET"), "{allow}");
});

backend_test!(async fn a_plain_client_request_id_is_echoed(app) {
    let res = app
        .send(app.request(reqwest::Method::GET, "/healthz").header("x-request-id", "abc-123"))
        .await;
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
});

backend_test!(async fn a_hostile_request_id_is_replaced(app) {
    let hostile = format!("{}<script>", "x".repeat(300));
    let res = app
        .send(app.request(reqwest::Method::GET, "/healthz").header("x-request-id", hostile.as_str()))
        .await;
    let id = res.header("x-request-id").expect("generated id");
    assert_ne!(id, hostile);
    assert_eq!(id.len(), 36, "a UUID: {id}");
});

backend_test!(async fn security_headers_are_set_on_every_response(app) {
    for path in ["/healthz", "/nope"] {
        let res = app.get(path).await;
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    }
});
