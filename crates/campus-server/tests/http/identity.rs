//! `/api/v1` identity: registration, login, tokens, refresh rotation, logout, password
//! changes, profile, emergency contacts, rate limits and lockouts.

use campus_domain::identity::Role;
use campus_domain::identity::tokens::TokenKeys;
use campus_test_support::{TEST_PASSWORD, TestApp, TestResponse, backend_test};
use secrecy::SecretString;
use serde_json::json;

fn expired_token(app: &TestApp, user_id: i64) -> String {
    let secret: SecretString = app.settings.auth.jwt_secret.clone().expect("test secret");
    TokenKeys::new(&secret)
        .issue(user_id, Role::User, chrono::Duration::minutes(-10), None, None)
        .expect("token")
        .0
}

backend_test!(async fn register_then_login_returns_access_and_refresh_tokens(app) {
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "Ann@School.Test", "username": "ann", "name": "Ann", "password": "Str0ng!pass"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let user = res.json();
    assert_eq!(user["email"], "ann@school.test");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none() && !res.text.contains("argon2"));

    for login in ["ann@school.test", "ANN@school.test", "ann"] {
        let res = app.post_json("/api/v1/auth/login", &json!({"login": login, "password": "Str0ng!pass"})).await;
        assert_eq!(res.status, 200, "{login}: {}", res.text);
        let body = res.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert!(body["refresh_token"].as_str().unwrap().len() > 30);
        let me = app.get_with_token("/api/v1/me", body["access_token"].as_str().unwrap()).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.json()["username"], "ann");
    }
});

backend_test!(async fn registration_cannot_choose_a_role(app) {
    let base = json!({"email": "eve@school.test", "password": "Str0ng!pass"});
    for extra in [json!({"role": "admin"}), json!({"role": "Teacher"}), json!({"is_admin": true})] {
        let mut body = base.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        app.post_json("/api/v1/auth/register", &body).await.assert_problem(403, "role_not_allowed");
    }
    let users = campus_domain::identity::repo::count_role(&app.db, Role::Admin).await.unwrap();
    assert_eq!(users, 0);
});

backend_test!(async fn registration_validates_fields(app) {
    let res = app.post_json("/api/v1/auth/register", &json!({"email": "x@school.test"})).await;
    res.assert_problem(422, "invalid_body");
    let res = app.post_json("/api/v1/auth/register", &json!({"email": "not-an-email", "password": "Str0ng!pass"})).await;
    let body = res.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "email");
    let res = app.post_json("/api/v1/auth/register", &json!({"email": "a@school.test", "password": "password123"})).await;
    let body = res.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["code"], "weak_password");
    let res = app.post_json("/api/v1/auth/register", &json!({"password": "Str0ng!pass"})).await;
    res.assert_problem(422, "validation_failed");
    let res = app
        .post_json("/api/v1/auth/register", &json!({"email": "b@school.test", "password": "B@school.test1"}))
        .await;
    assert_eq!(res.status, 201, "password differing from email is fine: {}", res.text);
    let res = app
        .post_json("/api/v1/auth/register", &json!({"email": "c@school.test", "password": "C@SCHOOL.TEST"}))
        .await;
    res.assert_problem(422, "validation_failed");
});

backend_test!(async fn duplicate_username_or_email_is_409(app) {
    let first = json!({"email": "dup@school.test", "username": "dup", "password": "Str0ng!pass"});
    assert_eq!(app.post_json("/api/v1/auth/register", &first).await.status, 201);
    let same_email = json!({"email": "DUP@school.test", "password": "Str0ng!pass"});
    app.post_json("/api/v1/auth/register", &same_email).await.assert_problem(409, "email_taken");
    let same_username = json!({"username": "dup", "password": "Str0ng!pass"});
    app.post_json("/api/v1/auth/register", &same_username).await.assert_problem(409, "username_taken");
});

backend_test!(async fn hostile_text_is_stored_verbatim_or_refused_never_a_500(app) {
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "o'brien@school.test", "name": "Robert'); DROP TABLE users;--", "password": "Str0ng!pass"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["name"], "Robert'); DROP TABLE users;--");
    let res = app
        .post_json("/api/v1/auth/register", &json!({"username": "x' OR '1'='1", "password": "Str0ng!pass"}))
        .await;
    res.assert_problem(422, "validation_failed");
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "long@school.test", "name": "n".repeat(10_000), "password": "Str0ng!pass"}),
        )
        .await;
    res.assert_problem(422, "validation_failed");
    let res = app
        .post_json("/api/v1/auth/login", &json!({"login": "' OR 1=1 --", "password": "x"}))
        .await;
    res.assert_problem(401, "invalid_credentials");
    let huge = "p".repeat(3 * 1024 * 1024);
    let body = json!({"login": "a", "password": huge});
    let res = app
        .send_oversized(|client| client.post(app.url("/api/v1/auth/login")).json(&body))
        .await;
    res.assert_problem(413, "payload_too_large");
});

backend_test!(async fn wrong_password_and_unknown_user_get_the_same_answer(app) {
    let s = app.session("user").await;
    let wrong = app.post_json("/api/v1/auth/login", &json!({"login": s.email, "password": "Wrong!pass1"})).await;
    let unknown = app
        .post_json("/api/v1/auth/login", &json!({"login": "nobody@school.test", "password": "Wrong!pass1"}))
        .await;
    let a = wrong.assert_problem(401, "invalid_credentials");
    let b = unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(a["detail"], b["detail"]);
});

backend_test!(async fn bad_tokens_are_401(app) {
    let s = app.session("user").await;
    app.get("/api/v1/me").await.assert_problem(401, "token_missing");
    let res = app.send(app.request(reqwest::Method::GET, "/api/v1/me").header("authorization", "Basic abc")).await;
    res.assert_problem(401, "token_invalid");
    app.get_with_token("/api/v1/me", "not.a.jwt").await.assert_problem(401, "token_invalid");
    app.get_with_token("/api/v1/me", &expired_token(&app, s.user_id)).await.assert_problem(401, "token_expired");
    let forged = TokenKeys::new(&SecretString::from("a-completely-different-secret-0123456789".to_owned()))
        .issue(s.user_id, Role::Admin, chrono::Duration::minutes(5), None, None)
        .unwrap()
        .0;
    app.get_with_token("/api/v1/me", &forged).await.assert_problem(401, "token_invalid");
    let parts: Vec<&str> = s.token.split('.').collect();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    app.get_with_token("/api/v1/me", &none).await.assert_problem(401, "token_invalid");
    let res = app.get_with_token("/api/v1/me", &s.token).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("www-authenticate"), None);
});

backend_test!(async fn refresh_rotates_and_reuse_revokes_the_family(app) {
    let s = app.session("user").await;
    let first = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": s.refresh_token})).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let rotated = first.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, s.refresh_token);
    // Replaying the old token is theft or a bug: the whole family dies.
    let replay = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": s.refresh_token})).await;
    replay.assert_problem(401, "refresh_reused");
    let after = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": rotated})).await;
    after.assert_problem(401, "refresh_invalid");
    let garbage = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": "nope"})).await;
    garbage.assert_problem(401, "refresh_invalid");
});

backend_test!(async fn logout_revokes_the_token_and_its_refresh_family(app) {
    let s = app.session("user").await;
    let res = app.post_json_with_token("/api/v1/auth/logout", &s.token, &json!({})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get_with_token("/api/v1/me", &s.token).await.assert_problem(401, "token_revoked");
    let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": s.refresh_token})).await;
    res.assert_problem(401, "refresh_invalid");
});

backend_test!(async fn logout_all_ends_every_session(app) {
    let s = app.session("user").await;
    let other = app.login(&s.email, TEST_PASSWORD, s.user_id).await;
    let res = app.post_json_with_token("/api/v1/auth/logout-all", &s.token, &json!({})).await;
    assert_eq!(res.status, 204);
    app.get_with_token("/api/v1/me", &s.token).await.assert_problem(401, "token_revoked");
    app.get_with_token("/api/v1/me", &other.token).await.assert_problem(401, "token_revoked");
    let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": other.refresh_token})).await;
    res.assert_problem(401, "refresh_invalid");
    let again = app.login(&s.email, TEST_PASSWORD, s.user_id).await;
    assert_eq!(app.get_with_token("/api/v1/me", &again.token).await.status, 200);
});

backend_test!(async fn no_refresh_racing_logout_all_mints_a_token_that_survives_it(app) settings(|s| {
    s.auth.rate_limits.login_per_account_per_minute = 1_000;
    s.auth.rate_limits.login_per_ip_per_minute = 1_000;
}) {
    let s = app.session("user").await;
    for round in 0..20 {
        let victim = app.login(&s.email, TEST_PASSWORD, s.user_id).await;
        let killer = app.login(&s.email, TEST_PASSWORD, s.user_id).await;
        let refresh_body = json!({"refresh_token": victim.refresh_token});
        let empty = json!({});
        let (rotated, logged_out) = tokio::join!(
            app.post_json("/api/v1/auth/refresh", &refresh_body),
            app.post_json_with_token("/api/v1/auth/logout-all", &killer.token, &empty),
        );
        assert_eq!(logged_out.status, 204, "{}", logged_out.text);
        if rotated.status == 200 {
            let fresh = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
            let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": fresh})).await;
            assert_eq!(res.status, 401, "round {round}: a refresh token outlived logout-all: {}", res.text);
        } else {
            rotated.assert_problem(401, "refresh_invalid");
        }
    }
});

backend_test!(async fn changing_the_password_signs_out_other_sessions(app) {
    let s = app.session("user").await;
    let other = app.login(&s.email, TEST_PASSWORD, s.user_id).await;
    let wrong = json!({"current_password": "Nope!nope1", "new_password": "N3w!password"});
    app.post_json_with_token("/api/v1/me/password", &s.token, &wrong).await.assert_problem(422, "wrong_password");
    let weak = json!({"current_password": TEST_PASSWORD, "new_password": "weak"});
    app.post_json_with_token("/api/v1/me/password", &s.token, &weak).await.assert_problem(422, "validation_failed");
    let good = json!({"current_password": TEST_PASSWORD, "new_password": "N3w!password"});
    let res = app.post_json_with_token("/api/v1/me/password", &s.token, &good).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let fresh = res.json()["access_token"].as_str().unwrap().to_owned();
    app.get_with_token("/api/v1/me", &other.token).await.assert_problem(401, "token_revoked");
    app.get_with_token("/api/v1/me", &s.token).await.assert_problem(401, "token_revoked");
    assert_eq!(app.get_with_token("/api/v1/me", &fresh).await.status, 200);
    let old = app.post_json("/api/v1/auth/login", &json!({"login": s.email, "password": TEST_PASSWORD})).await;
    old.assert_problem(401, "invalid_credentials");
    app.login(&s.email, "N3w!password", s.user_id).await;
});

backend_test!(async fn profile_and_preferences_can_be_changed(app) {
    let s = app.session("user").await;
    let patch = json!({"name": "New Name", "text_size": "large", "high_contrast_mode": true, "gender": "female"});
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&s.token).json(&patch)).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let body = res.json();
    assert_eq!(body["name"], "New Name");
    assert_eq!(body["preferences"]["text_size"], "large");
    assert_eq!(body["preferences"]["high_contrast_mode"], true);
    let clear = json!({"gender": null});
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&s.token).json(&clear)).await;
    assert_eq!(res.json()["gender"], serde_json::Value::Null);
    let bad = json!({"text_size": "enormous"});
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&s.token).json(&bad)).await;
    let body = res.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "text_size");
    let unknown = json!({"role": "admin"});
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&s.token).json(&unknown)).await;
    res.assert_problem(422, "invalid_body");
});

backend_test!(async fn emergency_contacts_belong_to_their_user(app) {
    let ann = app.session("user").await;
    let bob = app.session("user").await;
    let res = app
        .post_json_with_token(
            "/api/v1/me/emergency-contacts",
            &ann.token,
            &json!({"name": "Mum", "relation": "mother", "phone": "+44 1234", "allow_alerts": true}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    let bad = app
        .post_json_with_token("/api/v1/me/emergency-contacts", &ann.token, &json!({"name": " ", "email": "nope"}))
        .await;
    let body = bad.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    let list = app.get_with_token("/api/v1/me/emergency-contacts", &ann.token).await.json();
    assert_eq!(list["emergency_contacts"][0]["name"], "Mum");
    let path = format!("/api/v1/me/emergency-contacts/{id}");
    let steal = app
        .send(app.request(reqwest::Method::PATCH, &path).bearer_auth(&bob.token).json(&json!({"name": "Mine"})))
        .await;
    steal.assert_problem(404, "not_found");
    let res = app.send(app.request(reqwest::Method::DELETE, &path).bearer_auth(&bob.token)).await;
    res.assert_problem(404, "not_found");
    let res = app
        .send(app.request(reqwest::Method::PATCH, &path).bearer_auth(&ann.token).json(&json!({"relation": null})))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["relation"], serde_json::Value::Null);
    let res = app.send(app.request(reqwest::Method::DELETE, &path).bearer_auth(&ann.token)).await;
    assert_eq!(res.status, 204);
    let list = app.get_with_token("/api/v1/me/emergency-contacts", &bob.token).await.json();
    assert_eq!(list["emergency_contacts"].as_array().unwrap().len(), 0);
});

mod limits {
    use super::*;
    use campus_test_support::Backend;

    fn limit(s: &mut campus_config::Settings) {
        s.auth.rate_limits.login_per_ip_per_minute = 3;
    }

    fn lockout(s: &mut campus_config::Settings) {
        s.auth.rate_limits.lockout_after_failures = 2;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn login_flood_from_one_address_is_429_with_retry_after() {
        let app = TestApp::spawn_with(Backend::Sqlite, limit).await.unwrap();
        let body = json!({"login": "x@school.test", "password": "Wrong!pass1"});
        for _ in 0..2 {
            app.post_json(
                "/api/v1/auth/login",
                &json!({"login": "y@school.test", "password": "w"}),
            )
            .await;
        }
        app.post_json("/api/v1/auth/login", &body).await;
        let res = app.post_json("/api/v1/auth/login", &body).await;
        res.assert_problem(429, "rate_limited");
        assert!(res.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        assert_eq!(res.header("ratelimit-limit"), Some("3"));
        assert_eq!(res.header("ratelimit-remaining"), Some("0"));
    }

    async fn login_via(app: &TestApp, forwarded_for: &str) -> u16 {
        let body = json!({"login": "x@school.test", "password": "Wrong!pass1"});
        let req = app
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", forwarded_for)
            .json(&body);
        app.send(req).await.status
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_forged_forwarded_for_is_ignored_when_no_proxy_is_trusted() {
        let app = TestApp::spawn_with(Backend::Sqlite, limit).await.unwrap();
        for i in 0..3 {
            assert_eq!(login_via(&app, &format!("198.51.100.{i}")).await, 401);
        }
        assert_eq!(login_via(&app, "198.51.100.99").await, 429);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn behind_a_trusted_proxy_the_rightmost_address_is_the_client_not_the_forged_leftmost() {
        let app = TestApp::spawn_with(Backend::Sqlite, |s| {
            limit(s);
            s.server.trusted_proxies = campus_config::TrustedProxies::Hops(1);
        })
        .await
        .unwrap();
        for i in 0..3 {
            assert_eq!(login_via(&app, &format!("10.9.9.{i}, 203.0.113.7")).await, 401);
        }
        assert_eq!(login_via(&app, "10.9.9.99, 203.0.113.7").await, 429);
        // Another client behind the same proxy has its own bucket.
        assert_eq!(login_via(&app, "203.0.113.8").await, 401);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ipv6_clients_are_limited_per_64_not_per_address() {
        let app = TestApp::spawn_with(Backend::Sqlite, |s| {
            limit(s);
            s.server.trusted_proxies =
                campus_config::TrustedProxies::Networks(vec!["127.0.0.0/8".parse().unwrap()]);
        })
        .await
        .unwrap();
        for i in 1..4 {
            assert_eq!(login_via(&app, &format!("2001:db8:1:2::{i:x}")).await, 401);
        }
        assert_eq!(login_via(&app, "2001:db8:1:2:ffff::1").await, 429);
        assert_eq!(login_via(&app, "2001:db8:1:3::1").await, 401);
    }

    async fn login_as(app: &TestApp, forwarded_for: &str, login: &str, password: &str) -> TestResponse {
        let req = app
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"login": login, "password": password}));
        app.send(req).await
    }

    fn behind_a_proxy(s: &mut campus_config::Settings) {
        s.server.trusted_proxies = campus_config::TrustedProxies::Hops(1);
        s.auth.rate_limits.lockout_after_failures = 2;
    }

    backend_test!(async fn a_stranger_guessing_elsewhere_cannot_lock_the_owner_out(app) settings(behind_a_proxy) {
        let owner = app.session("admin").await;
        for _ in 0..2 {
            login_as(&app, "203.0.113.66", &owner.email, "Wrong!pass1").await.assert_problem(401, "invalid_credentials");
        }
        // The attacker's address is locked out, even with the right password...
        login_as(&app, "203.0.113.66", &owner.email, TEST_PASSWORD).await.assert_problem(429, "rate_limited");
        // ...and the owner, from their own address, signs in.
        assert_eq!(login_as(&app, "198.51.100.1", &owner.email, TEST_PASSWORD).await.status, 200);
    });

    backend_test!(async fn past_the_account_ceiling_each_address_is_locked_at_its_first_failure(app) settings(|s| {
        behind_a_proxy(s);
        s.auth.rate_limits.lockout_after_failures = 5;
        s.auth.rate_limits.lockout_account_ceiling = 3;
    }) {
        let owner = app.session("user").await;
        let fail = |from: &'static str| login_as(&app, from, &owner.email, "Wrong!pass1");
        // Below the ceiling one failure does not lock an address (the threshold is 5).
        fail("203.0.113.1").await.assert_problem(401, "invalid_credentials");
        fail("203.0.113.2").await.assert_problem(401, "invalid_credentials");
        // The third failure on the account reaches the ceiling: its address is locked at once.
        fail("203.0.113.1").await.assert_problem(401, "invalid_credentials");
        login_as(&app, "203.0.113.1", &owner.email, TEST_PASSWORD).await.assert_problem(429, "rate_limited");
        // A new address gets one guess, then is locked.
        fail("203.0.113.9").await.assert_problem(401, "invalid_credentials");
        login_as(&app, "203.0.113.9", &owner.email, TEST_PASSWORD).await.assert_problem(429, "rate_limited");
        // An address without failures still signs in with the right password.
        assert_eq!(login_as(&app, "198.51.100.1", &owner.email, TEST_PASSWORD).await.status, 200);
    });

    backend_test!(async fn repeated_failures_lock_the_identifier_known_or_not(app) settings(lockout) {
        let s = app.session("user").await;
        for identifier in [s.email.as_str(), "ghost@school.test"] {
            for _ in 0..2 {
                let res = app
                    .post_json("/api/v1/auth/login", &json!({"login": identifier, "password": "Wrong!pass1"}))
                    .await;
                res.assert_problem(401, "invalid_credentials");
            }
            let res = app
                .post_json("/api/v1/auth/login", &json!({"login": identifier, "password": TEST_PASSWORD}))
                .await;
            // Locked even with the right password; the same for an unknown identifier.
            res.assert_problem(429, "rate_limited");
            assert!(res.header("retry-after").is_some());
        }
    });
}

backend_test!(async fn a_revocation_on_one_instance_reaches_the_other_within_the_bound(app)
    settings(|s| s.auth.revocation_sync_ms = 200)
{
    let sibling = app.spawn_sibling(|s| s.auth.revocation_sync_ms = 200).await;
    let s = app.session("user").await;
    let on_sibling = || async {
        app.send(app.client.get(sibling.url("/api/v1/me")).bearer_auth(&s.token)).await.status
    };
    assert_eq!(on_sibling().await, 200);
    let started = std::time::Instant::now();
    assert_eq!(app.post_json_with_token("/api/v1/auth/logout", &s.token, &json!({})).await.status, 204);
    loop {
        let status = on_sibling().await;
        if status == 401 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "sibling still accepts the token");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(started.elapsed() < std::time::Duration::from_millis(1_500), "took {:?}", started.elapsed());
});

backend_test!(async fn profile_changes_are_read_back_at_once_and_on_other_instances_within_the_bound(app)
    settings(|s| s.auth.revocation_sync_ms = 200)
{
    let sibling = app.spawn_sibling(|s| s.auth.revocation_sync_ms = 200).await;
    let s = app.session("user").await;
    let on_sibling = || async {
        app.send(app.client.get(sibling.url("/api/v1/me")).bearer_auth(&s.token)).await.json()
    };
    assert_eq!(on_sibling().await["name"], app.get_with_token("/api/v1/me", &s.token).await.json()["name"]);
    let patch = json!({"name": "Renamed Person"});
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&s.token).json(&patch)).await;
    assert_eq!(res.status, 200);
    assert_eq!(app.get_with_token("/api/v1/me", &s.token).await.json()["name"], "Renamed Person");
    let started = std::time::Instant::now();
    while on_sibling().await["name"] != "Renamed Person" {
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "sibling never saw the change");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(started.elapsed() < std::time::Duration::from_millis(1_500), "took {:?}", started.elapsed());
});

backend_test!(async fn guessing_the_current_password_locks_and_ends_the_token(app) settings(|s| {
    s.auth.rate_limits.lockout_after_failures = 3;
}) {
    let s = app.session("student").await;
    let wrong = json!({"current_password": "Not-it-123!", "new_password": "Another#Pass9"});
    for _ in 0..2 {
        app.post_json_with_token("/api/v1/me/password", &s.token, &wrong).await.assert_problem(422, "wrong_password");
        assert_eq!(app.get_with_token("/api/v1/me", &s.token).await.status, 200);
    }
    // The guess that reaches the lockout ends the token it was made with.
    app.post_json_with_token("/api/v1/me/password", &s.token, &wrong).await.assert_problem(422, "wrong_password");
    assert_eq!(app.get_with_token("/api/v1/me", &s.token).await.status, 401);
});
