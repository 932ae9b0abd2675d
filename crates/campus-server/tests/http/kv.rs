//! `/api/v1/kv`: versions and compare-and-swap, expiry, per-user isolation, batches, bad input,
//! and 10,000 keys listed by prefix through every page.

use campus_test_support::{Session, TestApp, TestResponse, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

async fn put(
    app: &TestApp,
    s: &Session,
    key: &str,
    body: Value,
    header: Option<(&str, &str)>,
) -> TestResponse {
    let mut req = app
        .request(Method::PUT, &format!("/api/v1/kv/{key}"))
        .bearer_auth(&s.token)
        .json(&body);
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    app.send(req).await
}

async fn delete(app: &TestApp, s: &Session, key: &str, if_match: Option<&str>) -> TestResponse {
    let mut req = app
        .request(Method::DELETE, &format!("/api/v1/kv/{key}"))
        .bearer_auth(&s.token);
    if let Some(v) = if_match {
        req = req.header("if-match", v);
    }
    app.send(req).await
}

backend_test!(async fn versions_compare_and_swap_and_create_only(app) {
    let s = app.session("user").await;
    let created = put(&app, &s, "settings%2Ftheme", json!({"value": "dark", "metadata": {"by": "app"}}), None).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("etag"), Some("\"1\""));
    let read = app.get_with_token("/api/v1/kv/settings%2Ftheme", &s.token).await;
    assert_eq!(read.json()["key"], "settings/theme");
    assert_eq!(read.json()["value"], "dark");
    assert_eq!(read.json()["metadata"]["by"], "app");

    let swapped = put(&app, &s, "settings%2Ftheme", json!({"value": "light"}), Some(("if-match", "\"1\""))).await;
    assert_eq!((swapped.status, swapped.json()["version"].as_i64()), (200, Some(2)));
    let stale = put(&app, &s, "settings%2Ftheme", json!({"value": "blue"}), Some(("if-match", "\"1\""))).await;
    stale.assert_problem(412, "precondition_failed");
    assert_eq!(stale.header("etag"), Some("\"2\""));
    put(&app, &s, "settings%2Ftheme", json!({"value": "x"}), Some(("if-none-match", "*")))
        .await
        .assert_problem(412, "precondition_failed");
    put(&app, &s, "new-key", json!({"value": "x"}), Some(("if-match", "\"1\"")))
        .await
        .assert_problem(412, "precondition_failed");
    put(&app, &s, "settings%2Ftheme", json!({"value": "x"}), Some(("if-match", "abc")))
        .await
        .assert_problem(400, "invalid_precondition");
    let only = put(&app, &s, "fresh", json!({"value": "<script>alert(1)</script>"}), Some(("if-none-match", "*"))).await;
    assert_eq!(only.status, 201);
    assert_eq!(app.get_with_token("/api/v1/kv/fresh", &s.token).await.json()["value"], "<script>alert(1)</script>");

    let meta = app
        .send(app.request(Method::PATCH, "/api/v1/kv/fresh").bearer_auth(&s.token).json(&json!({"metadata": {"tag": 1}})))
        .await;
    assert_eq!((meta.status, meta.json()["version"].as_i64()), (200, Some(2)));
    delete(&app, &s, "fresh", Some("\"1\"")).await.assert_problem(412, "precondition_failed");
    assert_eq!(delete(&app, &s, "fresh", Some("\"2\"")).await.status, 204);
    app.get_with_token("/api/v1/kv/fresh", &s.token).await.assert_problem(404, "key_not_found");
    delete(&app, &s, "fresh", None).await.assert_problem(404, "key_not_found");
});

backend_test!(async fn keys_are_per_user_and_admin_reads_are_audited(app) {
    let a = app.session("user").await;
    let b = app.session("student").await;
    assert_eq!(put(&app, &a, "shared-name", json!({"value": "a's"}), None).await.status, 201);
    assert_eq!(put(&app, &b, "shared-name", json!({"value": "b's"}), None).await.status, 201, "same key, other user");
    assert_eq!(app.get_with_token("/api/v1/kv/shared-name", &a.token).await.json()["value"], "a's");
    assert_eq!(app.get_with_token("/api/v1/kv/shared-name", &b.token).await.json()["value"], "b's");
    assert_eq!(delete(&app, &b, "shared-name", None).await.status, 204);
    assert_eq!(app.get_with_token("/api/v1/kv/shared-name", &a.token).await.json()["value"], "a's", "b's delete left a's key");

    let path = format!("/api/v1/admin/users/{}/kv", a.user_id);
    app.get_with_token(&path, &b.token).await.assert_problem(403, "forbidden");
    let admin = app.session("admin").await;
    let listed = app.get_with_token(&path, &admin.token).await;
    assert_eq!(listed.json()["keys"][0]["key"], "shared-name");
    assert!(listed.json()["keys"][0].get("value").is_none(), "listings carry no values");
    let audit = app.get_with_token("/api/v1/audit?action=kv.admin_read", &admin.token).await.json();
    assert_eq!(audit["audit"][0]["target_id"], a.user_id.to_string(), "{audit}");
    app.get("/api/v1/kv").await.assert_problem(401, "token_missing");
});

backend_test!(async fn expired_keys_vanish_at_once_and_are_purged(app) {
    let s = app.session("user").await;
    assert_eq!(put(&app, &s, "short", json!({"value": "v", "ttl_seconds": 1}), None).await.status, 201);
    assert_eq!(put(&app, &s, "long", json!({"value": "v", "ttl_seconds": 3600}), None).await.status, 201);
    assert_eq!(app.get_with_token("/api/v1/kv/short", &s.token).await.status, 200);
    app.clock.advance(std::time::Duration::from_secs(2));
    app.get_with_token("/api/v1/kv/short", &s.token).await.assert_problem(404, "key_not_found");
    let keys = app.get_with_token("/api/v1/kv", &s.token).await.json();
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    // An expired key may be created again, from version 1's successor.
    let again = put(&app, &s, "short", json!({"value": "w"}), Some(("if-none-match", "*"))).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(put(&app, &s, "gone", json!({"value": "v", "ttl_seconds": 1}), None).await.status, 201);
    app.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(app.state.kv().purge_expired().await.unwrap(), 1);
    for (body, field) in [
        (json!({"value": "v", "ttl_seconds": 0}), "ttl_seconds"),
        (json!({"value": "v", "ttl_seconds": -5}), "ttl_seconds"),
        (json!({"value": "v", "ttl_seconds": 999_999_999_999i64}), "ttl_seconds"),
        (json!({"value": "v", "expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
    ] {
        let res = put(&app, &s, "bad-ttl", body, None).await;
        assert_eq!(res.assert_problem(422, "validation_failed")["errors"][0]["field"], field);
    }
});

backend_test!(async fn bad_keys_values_and_metadata_are_refused(app) settings(|s| s.kv.max_value_bytes = 100) {
    let s = app.session("user").await;
    let long_key = "k".repeat(513);
    for (key, body, field) in [
        ("a%01b", json!({"value": "v"}), "key"),
        (long_key.as_str(), json!({"value": "v"}), "key"),
        ("ok", json!({"value": "v".repeat(101)}), "value"),
        ("ok", json!({"value": "v", "metadata": {"x": "m".repeat(1100)}}), "metadata"),
    ] {
        let res = put(&app, &s, key, body, None).await;
        assert_eq!(res.assert_problem(422, "validation_failed")["errors"][0]["field"], field, "{key}");
    }
    assert_eq!(put(&app, &s, "ok", json!({"value": "v".repeat(100)}), None).await.status, 201);
    put(&app, &s, "ok", json!({"nope": 1}), None).await.assert_problem(422, "invalid_body");
    let res = app
        .send(app.request(Method::PUT, "/api/v1/kv/ok").bearer_auth(&s.token).header("content-type", "application/json").body("{"))
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
});

backend_test!(async fn a_batch_is_all_or_nothing(app) {
    let s = app.session("user").await;
    let res = app
        .post_json_with_token(
            "/api/v1/kv/batch",
            &s.token,
            &json!({"operations": [
                {"op": "put", "key": "b1", "value": "1"},
                {"op": "put", "key": "b2", "value": "2", "if_version": 9},
            ]}),
        )
        .await;
    let body = res.assert_problem(412, "precondition_failed");
    assert!(body["detail"].as_str().unwrap().starts_with("operations[1]"), "{body}");
    app.get_with_token("/api/v1/kv/b1", &s.token).await.assert_problem(404, "key_not_found");
    let ok = app
        .post_json_with_token(
            "/api/v1/kv/batch",
            &s.token,
            &json!({"operations": [
                {"op": "put", "key": "b1", "value": "1"},
                {"op": "put", "key": "b2", "value": "2", "create_only": true},
                {"op": "delete", "key": "b1", "if_version": 1},
            ]}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["results"][2], Value::Null);
    let too_many: Vec<Value> = (0..101).map(|i| json!({"op": "put", "key": format!("k{i}"), "value": "v"})).collect();
    app.post_json_with_token("/api/v1/kv/batch", &s.token, &json!({"operations": too_many}))
        .await
        .assert_problem(422, "validation_failed");
});

backend_test!(async fn writes_past_a_quota_are_403_quota_exceeded_and_store_nothing(app) settings(|s| {
    s.kv.max_keys_per_user = 2;
    s.kv.max_bytes_per_user = 1_000;
}) {
    let s = app.session("user").await;
    assert_eq!(put(&app, &s, "a", json!({"value": "v"}), None).await.status, 201);
    assert_eq!(put(&app, &s, "b", json!({"value": "v"}), None).await.status, 201);
    let body = put(&app, &s, "c", json!({"value": "v"}), None).await.assert_problem(403, "quota_exceeded");
    assert!(body["detail"].as_str().unwrap().contains("2 keys"), "{body}");
    app.get_with_token("/api/v1/kv/c", &s.token).await.assert_problem(404, "key_not_found");
    let big = "x".repeat(999);
    let body = put(&app, &s, "a", json!({"value": big}), None).await.assert_problem(403, "quota_exceeded");
    assert!(body["detail"].as_str().unwrap().contains("1000 bytes"), "{body}");
    let ops = json!({"operations": [{"op": "delete", "key": "a"}, {"op": "put", "key": "c", "value": "v"}]});
    assert_eq!(app.post_json_with_token("/api/v1/kv/batch", &s.token, &ops).await.status, 200);
    let ops = json!({"operations": [{"op": "put", "key": "d", "value": "v"}, {"op": "put", "key": "e", "value": "v"}]});
    app.post_json_with_token("/api/v1/kv/batch", &s.token, &ops).await.assert_problem(403, "quota_exceeded");
});

backend_test!(async fn ten_thousand_keys_list_completely_by_prefix(app) settings(|s| s.kv.max_keys_per_user = 10_001) {
    let s = app.session("user").await;
    let other = app.session("user").await;
    for chunk in 0..100 {
        let ops: Vec<Value> = (0..100)
            .map(|i| json!({"op": "put", "key": format!("k/{:05}", chunk * 100 + i), "value": "v"}))
            .collect();
        let res = app.post_json_with_token("/api/v1/kv/batch", &s.token, &json!({"operations": ops})).await;
        assert_eq!(res.status, 200, "{}", res.text);
    }
    assert_eq!(put(&app, &s, "other-prefix", json!({"value": "v"}), None).await.status, 201);
    assert_eq!(put(&app, &other, "k%2Fsecret", json!({"value": "v"}), None).await.status, 201);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/kv?prefix=k/&limit=500&cursor={c}"),
            None => "/api/v1/kv?prefix=k/&limit=500".to_owned(),
        };
        let page = app.get_with_token(&path, &s.token).await.json();
        seen.extend(page["keys"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap().to_owned()));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10_000);
    let expected: Vec<String> = (0..10_000).map(|i| format!("k/{i:05}")).collect();
    assert_eq!(seen, expected, "every key once, in order, none of the other user's");
    let wildcard = app.get_with_token("/api/v1/kv?prefix=k_", &s.token).await.json();
    assert_eq!(wildcard["keys"].as_array().unwrap().len(), 0, "LIKE wildcards in a prefix are literal");
});
