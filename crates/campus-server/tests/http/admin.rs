//! User administration and the audit trail.

use campus_test_support::{TEST_PASSWORD, backend_test};
use reqwest::Method;
use serde_json::json;

backend_test!(async fn admins_create_users_change_roles_and_see_it_audited(app) {
    let admin = app.session("admin").await;
    let res = app
        .post_json_with_token(
            "/api/v1/users",
            &admin.token,
            &json!({"email": "teach@school.test", "name": "Teach", "password": "Str0ng!pass", "role": "Teacher"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(res.json()["role"], "teacher");
    let bad = app
        .post_json_with_token("/api/v1/users", &admin.token, &json!({"email": "x@school.test", "password": "Str0ng!pass", "role": "king"}))
        .await;
    bad.assert_problem(422, "validation_failed");

    let path = format!("/api/v1/users/{id}");
    let res = app.send(app.request(Method::PATCH, &path).bearer_auth(&admin.token).json(&json!({"role": "finance"}))).await;
    assert_eq!(res.json()["role"], "finance");

    let audit = app.get_with_token("/api/v1/audit?action=user.role_changed", &admin.token).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let entry = &audit.json()["audit"][0];
    assert_eq!(entry["actor_id"], admin.user_id);
    assert_eq!(entry["target_id"], id.to_string());
    assert_eq!(entry["before"]["role"], "teacher");
    assert_eq!(entry["after"]["role"], "finance");
    assert!(entry["request_id"].is_string());
});

backend_test!(async fn deactivation_stops_tokens_and_logins_at_once(app) {
    let admin = app.session("admin").await;
    let victim = app.session("student").await;
    assert_eq!(app.get_with_token("/api/v1/me", &victim.token).await.status, 200);
    let res = app
        .post_json_with_token(&format!("/api/v1/users/{}/deactivate", victim.user_id), &admin.token, &json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["is_active"], false);
    app.get_with_token("/api/v1/me", &victim.token).await.assert_problem(401, "account_inactive");
    let login = app.post_json("/api/v1/auth/login", &json!({"login": victim.email, "password": TEST_PASSWORD})).await;
    login.assert_problem(401, "invalid_credentials");
    let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": victim.refresh_token})).await;
    refresh.assert_problem(401, "refresh_invalid");
    let audit = app.get_with_token("/api/v1/audit?action=user.deactivated", &admin.token).await.json();
    assert_eq!(audit["audit"][0]["target_id"], victim.user_id.to_string());
});

backend_test!(async fn an_admin_cannot_lock_themself_out(app) {
    let admin = app.session("admin").await;
    let path = format!("/api/v1/users/{}", admin.user_id);
    let res = app.send(app.request(Method::PATCH, &path).bearer_auth(&admin.token).json(&json!({"role": "user"}))).await;
    res.assert_problem(409, "self_lockout");
    let res = app.post_json_with_token(&format!("{path}/deactivate"), &admin.token, &json!({})).await;
    res.assert_problem(409, "self_lockout");
});

backend_test!(async fn user_list_filters_and_paginates_with_cursors(app) {
    let admin = app.session("admin").await;
    for _ in 0..5 {
        app.session("student").await;
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/users?role=student&limit=2".to_owned();
    loop {
        let page = app.get_with_token(&url, &admin.token).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let body = page.json();
        for u in body["users"].as_array().unwrap() {
            assert_eq!(u["role"], "student");
            seen.push(u["id"].as_i64().unwrap());
        }
        match body["meta"]["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/users?role=student&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    app.get_with_token("/api/v1/users?limit=0", &admin.token).await.assert_problem(400, "invalid_page");
    app.get_with_token("/api/v1/users?limit=501", &admin.token).await.assert_problem(400, "invalid_page");
    app.get_with_token("/api/v1/users?cursor=garbage", &admin.token).await.assert_problem(400, "invalid_page");
    let found = app.get_with_token("/api/v1/users?q=student1", &admin.token).await.json();
    assert!(found["users"].as_array().unwrap().iter().all(|u| u["email"].as_str().unwrap().starts_with("student1")));
    let literal = app.get_with_token("/api/v1/users?q=%25", &admin.token).await.json();
    assert_eq!(literal["users"].as_array().unwrap().len(), 0, "% is matched literally");
});

backend_test!(async fn logins_are_audited_with_address_and_agent(app) {
    let admin = app.session("admin").await;
    app.post_json("/api/v1/auth/login", &json!({"login": "nobody@school.test", "password": "Wrong!pass1"})).await;
    let failed = app.get_with_token("/api/v1/audit?action=auth.login_failed", &admin.token).await.json();
    let entry = &failed["audit"][0];
    assert_eq!(entry["after"]["identifier"], "nobody@school.test");
    assert_eq!(entry["ip"], "127.0.0.1");
    let ok = app.get_with_token(&format!("/api/v1/audit?action=auth.login_succeeded&actor_id={}", admin.user_id), &admin.token).await.json();
    assert_eq!(ok["audit"].as_array().unwrap().len(), 1);
});
