//! Seed auth endpoints, row by row from shared/docs/seed-contracts.md.

use campus_test_support::{TestApp, backend_test};
use serde_json::{Value, json};

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = app.post_json(path, &body).await;
    assert!(
        res.content_type() == "application/json",
        "{path}: {} {}",
        res.content_type(),
        res.text
    );
    (res.status, res.json())
}

// ---- 000 Nurture Dreams ----

backend_test!(async fn nurture_signup_and_login(app) {
    let body = json!({"name": "Arnav", "email": "arnav@school.test", "password": "Str0ng!pass"});
    let (status, res) = post(&app, "/signup", body.clone()).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["success"], true);
    assert_eq!(res["message"], "User registered successfully");
    assert_eq!(res["username"], "arnav");
    let (status, res) = post(&app, "/signup", body).await;
    assert_eq!((status, res), (409, json!({"success": false, "message": "Username or email already exists"})));
    let (status, res) = post(&app, "/signup", json!({"email": "x@school.test"})).await;
    assert_eq!((status, res), (400, json!({"success": false, "message": "All fields are required"})));
    let orig = json!({"full_name": "Sonakshi", "username": "sona", "email": "sona@school.test", "password": "Str0ng!pass"});
    assert_eq!(post(&app, "/signup", orig).await.0, 201);
    let (status, res) = post(&app, "/signup", json!({"name": "W", "email": "w@school.test", "password": "password123"})).await;
    assert_eq!(status, 400);
    assert!(res["message"].as_str().unwrap().starts_with("Password must be at least 8 characters"), "{res}");

    for creds in [json!({"email": "arnav@school.test", "password": "Str0ng!pass"}), json!({"username": "sona", "password": "Str0ng!pass"})] {
        let (status, res) = post(&app, "/login", creds).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res["success"], true);
        assert_eq!(res["message"], "Login successful");
        assert!(res["user_id"].is_i64());
        let token = res["access_token"].as_str().unwrap();
        assert_eq!(app.get_with_token("/api/v1/me", token).await.status, 200, "one identity everywhere");
    }
    let (status, res) = post(&app, "/login", json!({"email": "arnav@school.test", "password": "Wrong!pass1"})).await;
    assert_eq!((status, res), (401, json!({"success": false, "message": "Invalid username or password"})));
    let (status, res) = post(&app, "/login", json!({"password": "x"})).await;
    assert_eq!((status, res), (400, json!({"success": false, "message": "Username and password required"})));
});

// ---- 001 MemoPark ----

backend_test!(async fn memopark_register_login_profile_logout(app) {
    let body = json!({
        "user_email": "Driver@School.test", "user_password": "Str0ng!pass", "user_name": "Dee",
        "emergency_contact": {"emergency_contact_name": "Sam", "relation": "son", "emergency_phone_number": "0123",
                              "emergency_email": "sam@school.test", "is_allow_alerts": true}
    });
    let (status, res) = post(&app, "/auth/register", body.clone()).await;
    assert_eq!(status, 201, "{res}");
    let token = res["access_token"].as_str().unwrap().to_owned();
    assert_eq!(res.as_object().unwrap().len(), 1);
    let (status, res) = post(&app, "/auth/register", body).await;
    assert_eq!((status, res), (409, json!({"message": "User with this email already exists"})));
    let (status, res) = post(&app, "/auth/register", json!({"user_email": "a@school.test"})).await;
    assert_eq!((status, res), (400, json!({"message": "Email and password are required"})));
    let (status, res) = post(&app, "/auth/register", json!({"user_email": "a@school.test", "user_password": "Str0ng!pass"})).await;
    assert_eq!((status, res), (400, json!({"message": "User name is required"})));

    let profile = app.get_with_token("/auth/profile", &token).await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    let p = profile.json();
    assert_eq!(p["user_name"], "Dee");
    assert_eq!(p["user_email"], "driver@school.test");
    let c = &p["emergency_contacts"][0];
    assert_eq!(c["name"], "Sam");
    assert_eq!(c["relation"], "son");
    assert_eq!(c["emergency_phone_number"], "0123");
    assert_eq!(c["emergency_email"], "sam@school.test");
    assert_eq!(c["is_allow_alerts"], true);
    assert!(c["emergency_id"].is_i64());

    let (status, res) = post(&app, "/auth/login", json!({"user_email": "driver@school.test", "user_password": "Str0ng!pass"})).await;
    assert_eq!(status, 200);
    let claims = decode_claims(res["access_token"].as_str().unwrap());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 86_400, "one-day tokens");
    assert!(claims["sub"].is_string());
    let (status, res) = post(&app, "/auth/login", json!({"user_email": "driver@school.test", "user_password": "nope"})).await;
    assert_eq!((status, res), (401, json!({"message": "Invalid credentials"})));
    let (status, res) = post(&app, "/auth/login", json!({})).await;
    assert_eq!((status, res), (400, json!({"message": "Email and password are required"})));

    let res = app.post_json_with_token("/auth/logout", &token, &json!({})).await;
    assert_eq!((res.status, res.json()), (200, json!({"message": "Successfully logged out"})));
    let again = app.get_with_token("/auth/profile", &token).await;
    assert_eq!((again.status, again.json()), (401, json!({"msg": "Token has been revoked"})));
});

fn decode_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

backend_test!(async fn memopark_and_finance_speak_the_jwt_library_errors(app) {
    for path in ["/auth/profile"] {
        let res = app.get(path).await;
        assert_eq!((res.status, res.json()), (401, json!({"msg": "Missing Authorization Header"})));
        let res = app.get_with_token(path, "garbage").await;
        assert_eq!(res.status, 422, "{}", res.text);
        assert!(res.json()["msg"].is_string());
    }
    let res = app.post_json_with_token("/auth/logout", "a.b.c", &json!({})).await;
    assert_eq!(res.status, 422);
});

// ---- 002 Student Management and Finance ----

backend_test!(async fn finance_health_register_login_and_admin_bootstrap(app) {
    let res = app.get("/api/health").await;
    assert_eq!(
        (res.status, res.json()),
        (200, json!({"status": "ok", "message": "Student Management and Finance System API is running"}))
    );
    let (status, res) = post(&app, "/api/auth/register", json!({"username": " student1 ", "password": "Str0ng!pass", "email": "s1@edu.com"})).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["msg"], "User registered successfully");
    assert_eq!(res["username"], "student1");
    let (status, res) = post(&app, "/api/auth/register", json!({"username": "student1", "password": "Str0ng!pass"})).await;
    assert_eq!((status, res), (409, json!({"error": "Username already exists"})));
    let (status, res) = post(&app, "/api/auth/register", json!({"username": "other", "password": "Str0ng!pass", "email": "S1@edu.com"})).await;
    assert_eq!((status, res), (409, json!({"error": "Email already registered"})));
    let (status, res) = post(&app, "/api/auth/register", json!({"username": "x"})).await;
    assert_eq!((status, res), (400, json!({"error": "Username and password are required"})));

    let (status, res) = post(&app, "/api/auth/login", json!({"username": "student1", "password": "Str0ng!pass"})).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["username"], "student1");
    assert_eq!(res["email"], "s1@edu.com");
    assert_eq!(res["is_admin"], false);
    assert_eq!(res["dues_balance"], 0.0);
    let claims = decode_claims(res["access_token"].as_str().unwrap());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 8 * 3600);
    assert_eq!(claims["username"], "student1");
    assert_eq!(claims["is_admin"], false);
    let student_token = res["access_token"].as_str().unwrap().to_owned();
    let (status, res) = post(&app, "/api/auth/login", json!({"username": "student1", "password": "bad"})).await;
    assert_eq!((status, res), (401, json!({"error": "Invalid username or password"})));

    // The first admin may be created openly; after that only an admin may create another.
    let (status, res) = post(&app, "/api/auth/register-admin", json!({"username": "admin", "password": "Adm1n!pass"})).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["is_admin"], true);
    assert_eq!(res["msg"], "Admin user registered successfully");
    let (status, res) = post(&app, "/api/auth/register-admin", json!({"username": "mallory", "password": "Str0ng!pass"})).await;
    assert_eq!((status, res), (403, json!({"error": "Admin access required"})));
    let res = app
        .post_json_with_token("/api/auth/register-admin", &student_token, &json!({"username": "mallory", "password": "Str0ng!pass"}))
        .await;
    assert_eq!((res.status, res.json()), (403, json!({"error": "Admin access required"})));
    let (_, admin) = post(&app, "/api/auth/login", json!({"username": "admin", "password": "Adm1n!pass"})).await;
    assert_eq!(admin["is_admin"], true);
    let res = app
        .post_json_with_token(
            "/api/auth/register-admin",
            admin["access_token"].as_str().unwrap(),
            &json!({"username": "admin2", "password": "Adm1n!pass2"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
});

// ---- 003 Student Achievement Tracking ----

backend_test!(async fn achievement_register_login_logout(app) {
    let (status, res) = post(&app, "/api/register", json!({"name": "Priya", "email": "Priya@School.test", "password": "Str0ng!pass", "role": "parent"})).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["message"], "User registered successfully");
    let user = &res["user"];
    assert_eq!(user["role"], "Parent");
    assert_eq!(user["email"], "priya@school.test");
    for key in ["user_id", "name", "email", "role", "created_at", "updated_at"] {
        assert!(user.get(key).is_some(), "{key}");
    }
    assert!(user.get("password").is_none());
    let (status, res) = post(&app, "/api/register", json!({"name": "Kid", "email": "kid@school.test", "password": "Str0ng!pass"})).await;
    assert_eq!(status, 201);
    assert_eq!(res["user"]["role"], "Student");
    let (status, res) = post(&app, "/api/register", json!({"name": "P", "email": "priya@school.test", "password": "Str0ng!pass"})).await;
    assert_eq!((status, res), (409, json!({"error": "Email already registered"})));
    for (body, code) in [
        (json!({"name": "A", "email": "a@school.test", "password": "Str0ng!pass", "role": "Admin"}), 403),
        (json!({"name": "T", "email": "t@school.test", "password": "Str0ng!pass", "role": "teacher"}), 403),
        (json!({"name": "K", "email": "k@school.test", "password": "Str0ng!pass", "role": "Wizard"}), 400),
        (json!({"name": "E", "email": "bad-email", "password": "Str0ng!pass"}), 400),
        (json!({"email": "n@school.test", "password": "Str0ng!pass"}), 400),
    ] {
        let (status, res) = post(&app, "/api/register", body.clone()).await;
        assert_eq!(status, code, "{body} -> {res}");
        assert!(res["error"].is_string(), "{res}");
    }

    let (status, res) = post(&app, "/api/login", json!({"email": "priya@school.test", "password": "Str0ng!pass"})).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["token_type"], "Bearer");
    assert_eq!(res["user"]["role"], "Parent");
    let claims = decode_claims(res["access_token"].as_str().unwrap());
    assert_eq!(claims["role"], "parent");
    let token = res["access_token"].as_str().unwrap().to_owned();
    let (status, res) = post(&app, "/api/login", json!({"email": "priya@school.test", "password": "nope"})).await;
    assert_eq!((status, res), (401, json!({"error": "Invalid email or password"})));

    let res = app.post_json_with_token("/api/logout", &token, &json!({})).await;
    assert_eq!((res.status, res.json()), (200, json!({"message": "Logged out successfully"})));
    let res = app.post_json_with_token("/api/logout", &token, &json!({})).await;
    assert_eq!((res.status, res.json()), (401, json!({"error": "Token has been revoked"})));
});

backend_test!(async fn facades_take_malformed_or_missing_bodies_as_clear_400s(app) {
    for path in ["/signup", "/login", "/auth/register", "/auth/login", "/api/auth/register", "/api/auth/login", "/api/register", "/api/login"] {
        let res = app.post_raw(path, "application/json", "{not json").await;
        assert_eq!(res.status, 400, "{path}: {}", res.text);
        let res = app.post_raw(path, "text/plain", "hello").await;
        assert_eq!(res.status, 400, "{path}: {}", res.text);
        assert_eq!(res.content_type(), "application/json");
        let res = app.post_raw(path, "application/json", "[1, 2]").await;
        assert_eq!(res.status, 400, "{path}: {}", res.text);
    }
});

backend_test!(async fn concurrent_first_callers_make_exactly_one_administrator(app) {
    let attempts = (0..8).map(|i| {
        let body = json!({"username": format!("first{i}"), "password": "Adm1n!pass"});
        let app = &app;
        async move { app.post_json("/api/auth/register-admin", &body).await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 403), "{statuses:?}");
});

backend_test!(async fn the_open_admin_bootstrap_is_rate_limited(app) settings(|s| {
    s.auth.rate_limits.register_per_ip_per_hour = 2;
}) {
    let body = |name: &str| json!({"username": name, "password": "Adm1n!pass"});
    assert_eq!(app.post_json("/api/auth/register-admin", &body("boss")).await.status, 201);
    assert_eq!(app.post_json("/api/auth/register-admin", &body("guess1")).await.status, 403);
    let res = app.post_json("/api/auth/register-admin", &body("guess2")).await;
    assert_eq!(res.status, 429, "{}", res.text);
});

// On a server reachable from other hosts, the first caller is not made administrator: the
// bootstrap needs the setup token that `serve` wrote to the data directory (owner-only).
backend_test!(async fn an_exposed_server_needs_the_setup_token_for_its_first_administrator(app)
    settings(|s| s.server.host = "0.0.0.0".to_owned())
{
    let body = json!({"username": "boss", "password": "Adm1n!pass"});
    let path = app.settings.data_dir.join("setup-token");
    let token = std::fs::read_to_string(&path).expect("serve wrote the setup token").trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let attempt = |token: Option<&str>| {
        let mut req = app.request(reqwest::Method::POST, "/api/auth/register-admin").json(&body);
        if let Some(t) = token {
            req = req.header("x-setup-token", t);
        }
        app.send(req)
    };
    let refused = attempt(None).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.json()["error"].as_str().unwrap().contains("X-Setup-Token"), "{}", refused.text);
    assert_eq!(attempt(Some("not-the-token")).await.status, 403);
    let made = attempt(Some(&token)).await;
    assert_eq!(made.status, 201, "{}", made.text);
    // Spent: the token opens nothing once an administrator exists.
    let second = json!({"username": "boss2", "password": "Adm1n!pass"});
    let again = app.send(app.request(reqwest::Method::POST, "/api/auth/register-admin").header("x-setup-token", &token).json(&second)).await;
    assert_eq!(again.status, 403, "{}", again.text);
    // The next start finds an administrator and removes the file.
    let _sibling = app.spawn_sibling(|s| s.server.host = "0.0.0.0".to_owned()).await;
    assert!(!path.exists(), "the spent setup token was left in the data directory");
});
