//! Seed 004 (Key-Value Store): every route in JSON mode and as a browser uses it (forms,
//! cookies, CSRF), the 003/004 dispatcher's branches, and the session cookie on `/api/v1`.

use std::collections::HashMap;

use campus_test_support::{TestApp, TestResponse, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "Secret#123";

fn error_of(res: &TestResponse, status: u16, code: &str) {
    assert_eq!(res.status, status, "{}", res.text);
    let body = res.json();
    assert_eq!(body["status"], "error", "{}", res.text);
    assert_eq!(body["code"], code, "{}", res.text);
}

fn person(username: &str) -> Value {
    json!({
        "username": username, "email": format!("{username}@kv.test"), "password": PASSWORD,
        "full_name": format!("{username} Example"), "age": 30, "gender": "female",
    })
}

async fn register_and_token(app: &TestApp, username: &str) -> String {
    let res = app.post_json("/api/register", &person(username)).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app
        .post_json("/api/token", &json!({"username": username, "password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["data"]["access_token"].as_str().unwrap().to_owned()
}

/// A browser: keeps cookies, reads the CSRF token out of each page's forms.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookies: HashMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &TestResponse) {
        for set in res.headers.get_all("set-cookie") {
            let text = set.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(
                attrs.contains("HttpOnly") && attrs.contains("SameSite=Lax"),
                "{text}"
            );
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> TestResponse {
        let req = self
            .app
            .request(Method::GET, path)
            .header("cookie", self.cookie_header());
        let res = self.app.send(req).await;
        self.keep(&res);
        res
    }

    pub(crate) async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let req = self
            .app
            .request(Method::POST, path)
            .header("cookie", self.cookie_header())
            .form(fields);
        let res = self.app.send(req).await;
        self.keep(&res);
        res
    }

    /// GETs `page` and posts its form with the page's CSRF token plus `fields`.
    pub(crate) async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
        let form = self.get(page).await;
        assert_eq!(form.status, 200, "{}", form.text);
        let token = csrf_in(&form.text);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }
}

pub(crate) fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..][..html[start..].find('"').unwrap()].to_owned()
}

backend_test!(async fn hello_world_and_json_mode_accounts(app) {
    let res = app.get("/").await;
    assert_eq!((res.status, res.text.as_str()), (200, "Hello World"));

    // Register: the seed's validation order, each failure with its code.
    let mut missing = person("ann");
    missing.as_object_mut().unwrap().remove("gender");
    error_of(&app.post_json("/api/register", &missing).await, 400, "INVALID_REQUEST");
    let ok = app.post_json("/api/register", &person("ann")).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["message"], "User successfully registered!");
    assert_eq!(ok.json()["data"]["username"], "ann");
    assert_eq!(ok.json()["data"]["full_name"], "ann Example");
    assert_eq!(ok.json()["data"]["age"], 30);
    // Username is checked before email, and both before the password.
    let mut dup = person("ann");
    dup["password"] = json!("weak");
    error_of(&app.post_json("/api/register", &dup).await, 409, "USERNAME_EXISTS");
    let mut dup_email = person("bob");
    dup_email["email"] = json!("ann@kv.test");
    dup_email["password"] = json!("weak");
    error_of(&app.post_json("/api/register", &dup_email).await, 409, "EMAIL_EXISTS");
    for weak in ["Sh0rt!", "alllowercase1!", "NoDigits!!", "NoSpecial123"] {
        let mut body = person("bob");
        body["password"] = json!(weak);
        let res = app.post_json("/api/register", &body).await;
        error_of(&res, 400, "INVALID_PASSWORD");
        assert!(res.json()["message"].as_str().unwrap().starts_with("Password must be at least 8"));
    }
    for age in [json!("abc"), json!(-3), json!("4.5")] {
        let mut body = person("bob");
        body["age"] = age;
        error_of(&app.post_json("/api/register", &body).await, 400, "INVALID_AGE");
    }
    let mut blank = person("bob");
    blank["gender"] = json!("   ");
    error_of(&app.post_json("/api/register", &blank).await, 400, "GENDER_REQUIRED");

    // Token.
    error_of(&app.post_json("/api/token", &json!({"username": "ann"})).await, 400, "MISSING_FIELDS");
    error_of(
        &app.post_json("/api/token", &json!({"username": "ann", "password": "Wrong#123"})).await,
        401,
        "INVALID_CREDENTIALS",
    );
    let token = app.post_json("/api/token", &json!({"username": "ann", "password": PASSWORD})).await;
    assert_eq!(token.json()["message"], "Access token generated successfully.");
    assert_eq!(token.json()["data"]["expires_in"], 3600);
    let ann_token = token.json()["data"]["access_token"].as_str().unwrap().to_owned();

    // Login: fields, credentials, and the token must be the same user's.
    let bob_token = register_and_token(&app, "bob").await;
    error_of(&app.post_json("/api/login", &json!({"username": "ann", "password": PASSWORD})).await, 400, "MISSING_FIELDS");
    error_of(
        &app.post_json("/api/login", &json!({"username": "ann", "password": PASSWORD, "access_token": bob_token})).await,
        401,
        "INVALID_TOKEN",
    );
    error_of(
        &app.post_json("/api/login", &json!({"username": "ann", "password": PASSWORD, "access_token": "not.a.jwt"})).await,
        401,
        "INVALID_TOKEN",
    );
    let login = app
        .post_json("/api/login", &json!({"username": "ann", "password": PASSWORD, "access_token": ann_token}))
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert!(login.json()["data"]["csrf_token"].is_string());
    let cookie = login.header("set-cookie").unwrap();
    assert!(cookie.starts_with("campus_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
});

backend_test!(async fn json_mode_data_routes_with_bearer(app) {
    let ann = register_and_token(&app, "ann").await;
    let bob = register_and_token(&app, "bob").await;
    let post = |token: &str, path: &str, body: Value| {
        app.send(app.request(Method::POST, path).bearer_auth(token).json(&body))
    };
    let stored = post(&ann, "/api/data", json!({"key": "color", "value": "  blue  "})).await;
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert_eq!(stored.json(), json!({"status": "success", "message": "Data stored successfully."}));
    error_of(&post(&ann, "/api/data", json!({"key": "color", "value": "red"})).await, 409, "KEY_EXISTS");
    // Keys are per user: bob may use the same key (the seed's global UNIQUE was a bug).
    assert_eq!(post(&bob, "/api/data", json!({"key": "color", "value": "green"})).await.status, 200);
    error_of(&post(&ann, "/api/data", json!({"key": "  ", "value": "x"})).await, 400, "INVALID_KEY");
    error_of(&post(&ann, "/api/data", json!({"key": "k", "value": ""})).await, 400, "INVALID_VALUE");
    error_of(&post(&ann, "/api/data", json!({"key": "k", "value": "v".repeat(101)})).await, 400, "INVALID_VALUE");
    error_of(&post(&ann, "/api/data", json!({"key": "k".repeat(101), "value": "v"})).await, 400, "INVALID_KEY");
    error_of(&post(&ann, "/api/data", json!({"key": "bad\u{7}key", "value": "v"})).await, 400, "INVALID_KEY");
    // v1 accepts what the facade's 100-character column refuses.
    let long = app
        .send(app.request(Method::PUT, "/api/v1/kv/long").bearer_auth(&ann).json(&json!({"value": "v".repeat(500)})))
        .await;
    assert_eq!(long.status, 201, "{}", long.text);

    let got = app.get_with_token("/api/data/retrieve?key=color", &ann).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["message"], "Data retrieved successfully!");
    assert_eq!(got.json()["data"], json!({"key": "color", "value": "blue"}));
    assert_eq!(app.get_with_token("/api/data/retrieve?key=color", &bob).await.json()["data"]["value"], "green");
    error_of(&app.get_with_token("/api/data/retrieve?key=nope", &ann).await, 404, "KEY_NOT_FOUND");
    error_of(&app.get_with_token("/api/data/retrieve", &ann).await, 400, "INVALID_KEY");

    error_of(&post(&ann, "/api/data/update", json!({"key": "nope", "value": "x"})).await, 404, "KEY_NOT_FOUND");
    error_of(&post(&ann, "/api/data/update", json!({"key": "color"})).await, 400, "MISSING_VALUE");
    let updated = post(&ann, "/api/data/update", json!({"key": "color", "value": "navy"})).await;
    assert_eq!(updated.json()["message"], "Data updated successfully.");
    assert_eq!(app.get_with_token("/api/data/retrieve?key=color", &ann).await.json()["data"]["value"], "navy");

    let deleted = post(&ann, "/api/data/delete", json!({"key": "color"})).await;
    assert_eq!(deleted.json()["message"], "Data deleted successfully.");
    error_of(&post(&ann, "/api/data/delete", json!({"key": "color"})).await, 404, "KEY_NOT_FOUND");
    assert_eq!(app.get_with_token("/api/data/retrieve?key=color", &bob).await.json()["data"]["value"], "green");

    // No credentials, or a bad token: 401 INVALID_TOKEN in the seed's envelope.
    let anon = app
        .send(app.request(Method::POST, "/api/data").json(&json!({"key": "a", "value": "b"})))
        .await;
    error_of(&anon, 401, "INVALID_TOKEN");
    error_of(&post("garbage", "/api/data", json!({"key": "a", "value": "b"})).await, 401, "INVALID_TOKEN");
    let dash = app.get_with_token("/dashboard", &ann).await;
    assert_eq!(dash.json()["message"], "Welcome, ann");
});

backend_test!(async fn a_user_past_the_key_quota_is_told_so_in_the_seeds_envelope(app)
    settings(|s| s.kv.max_keys_per_user = 2)
{
    let ann = register_and_token(&app, "ann").await;
    let post = |path: &str, body: Value| app.send(app.request(Method::POST, path).bearer_auth(&ann).json(&body));
    for key in ["a", "b"] {
        assert_eq!(post("/api/data", json!({"key": key, "value": "v"})).await.status, 200);
    }
    let refused = post("/api/data", json!({"key": "c", "value": "v"})).await;
    error_of(&refused, 403, "QUOTA_EXCEEDED");
    assert!(refused.json()["message"].as_str().unwrap().contains("2 keys"), "{}", refused.text);
    // Updating an existing key still works; deleting one makes room.
    assert_eq!(post("/api/data/update", json!({"key": "a", "value": "w"})).await.status, 200);
    assert_eq!(post("/api/data/delete", json!({"key": "b"})).await.status, 200);
    assert_eq!(post("/api/data", json!({"key": "c", "value": "v"})).await.status, 200);
});

backend_test!(async fn a_browser_registers_signs_in_and_manages_data(app) {
    let mut b = Browser::new(&app);
    let page = b.get("/api/register").await;
    assert_eq!(page.content_type(), "text/html");
    assert!(b.cookies.contains_key("campus_csrf"), "a fresh visitor gets the CSRF cookie");
    assert!(page.header("content-security-policy").unwrap().contains("default-src 'none'"));

    // A form without its token, or with another visitor's, is refused.
    let res = b.post_form("/api/register", &[("username", "cat"), ("email", "cat@kv.test")]).await;
    assert_eq!(res.status, 403, "{}", res.text);
    assert!(res.text.contains("CSRF_FAILED"));
    let res = b.post_form("/api/register", &[("csrf_token", "forged"), ("username", "cat")]).await;
    assert_eq!(res.status, 403);

    // Missing fields: the form again with the seed's code and sentence.
    let res = b.submit("/api/register", "/api/register", &[("username", "cat")]).await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(res.text.contains("INVALID_REQUEST") && res.text.contains("Please provide all required fields"));
    let fields = [
        ("username", "cat"), ("email", "cat@kv.test"), ("password", PASSWORD),
        ("full_name", "Cat <b>Bold</b>"), ("age", "41"), ("gender", "male"),
    ];
    let res = b.submit("/api/register", "/api/register", &fields).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("User successfully registered!"));
    assert!(res.text.contains("Cat &#60;b&#62;Bold&#60;/b&#62;") || res.text.contains("Cat &lt;b&gt;Bold&lt;/b&gt;"), "{}", res.text);

    let res = b.submit("/api/token", "/api/token", &[("username", "cat"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, 200);
    assert!(res.text.contains("Access token generated successfully."));
    let marker = "readonly rows=\"4\">";
    let start = res.text.find(marker).unwrap() + marker.len();
    let token = res.text[start..][..res.text[start..].find('<').unwrap()].to_owned();

    let res = b.submit("/api/login", "/api/login", &[("username", "cat"), ("password", "Wrong#999"), ("access_token", &token)]).await;
    assert_eq!(res.status, 401);
    assert!(res.text.contains("INVALID_CREDENTIALS"));
    let res = b.submit("/api/login", "/api/login", &[("username", "cat"), ("password", PASSWORD), ("access_token", &token)]).await;
    assert_eq!((res.status, res.header("location")), (302, Some("/dashboard")), "{}", res.text);
    assert!(b.cookies.contains_key("campus_session"));

    let dash = b.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert!(dash.text.contains("Welcome, cat"));
    assert!(dash.text.contains("You have not stored anything yet."));

    let script = "<script>alert(1)</script>";
    let res = b.submit("/api/data", "/api/data", &[("key", "greeting"), ("value", script)]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("Data stored successfully."));
    let res = b.submit("/api/data", "/api/data", &[("key", "greeting"), ("value", "again")]).await;
    assert_eq!(res.status, 409);
    assert!(res.text.contains("KEY_EXISTS"));

    let got = b.get("/api/data/retrieve?key=greeting").await;
    assert!(got.text.contains("Data retrieved successfully!"));
    assert!(!got.text.contains(script), "values are escaped");
    assert!(got.text.contains("&#60;script&#62;") || got.text.contains("&lt;script&gt;"), "{}", got.text);
    let missing = b.get("/api/data/retrieve?key=nothing").await;
    assert_eq!(missing.status, 200, "the seed answered not-found pages with 200");
    assert!(missing.text.contains("KEY_NOT_FOUND"));
    let blank = b.get("/api/data/retrieve?key=").await;
    assert!(blank.text.contains("Key is required to retrieve data."));
    // No `key` at all is the same answer (the seed's), not a silent empty form.
    let none = b.get("/api/data/retrieve").await;
    assert_eq!(none.status, 200);
    assert!(none.text.contains("Key is required to retrieve data."), "{}", none.text);
    assert!(none.text.contains("id=\"data-form\""), "the form is under the message");
    let res = b.submit("/api/data", "/api/data", &[("key", "<i>k</i>"), ("value", "v")]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let dash = b.get("/dashboard").await;
    assert!(dash.text.contains(">greeting</a>"));
    assert!(!dash.text.contains("<i>k</i>"), "keys are escaped on the dashboard");

    let res = b.submit("/api/data/update", "/api/data/update", &[("key", "greeting"), ("value", "hello")]).await;
    assert!(res.text.contains("Data updated successfully."), "{}", res.text);
    let res = b.submit("/api/data/update", "/api/data/update", &[("key", "greeting")]).await;
    assert!(res.text.contains("New value is required to update the data."));
    assert!(b.get("/api/data/retrieve?key=greeting").await.text.contains(">hello<"));
    let res = b.submit("/api/data/delete", "/api/data/delete", &[("key", "greeting")]).await;
    assert!(res.text.contains("Data deleted successfully."));
    let res = b.submit("/api/data/delete", "/api/data/delete", &[("key", "greeting")]).await;
    assert!(res.text.contains("KEY_NOT_FOUND"));

    // The session works on /api/v1 too; unsafe requests there need the X-CSRF-Token header.
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], "cat");
    let put = app
        .send(app.request(Method::PUT, "/api/v1/kv/x").header("cookie", b.cookie_header()).json(&json!({"value": "1"})))
        .await;
    put.assert_problem(403, "csrf_failed");
    let csrf = csrf_in(&b.get("/api/data").await.text);
    let put = app
        .send(
            app.request(Method::PUT, "/api/v1/kv/x")
                .header("cookie", b.cookie_header())
                .header("x-csrf-token", csrf)
                .json(&json!({"value": "1"})),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.text);

    // Sign out ends the session on the server: the old cookie no longer works.
    let old = b.cookie_header();
    let out = b.get("/api/logout").await;
    assert_eq!((out.status, out.header("location")), (302, Some("/api/login")));
    assert!(!b.cookies.contains_key("campus_session"));
    let replay = app.send(app.request(Method::GET, "/dashboard").header("cookie", old.clone())).await;
    assert_eq!((replay.status, replay.header("location")), (302, Some("/api/login")));
    let replay = app.send(app.request(Method::GET, "/api/v1/me").header("cookie", old)).await;
    assert_eq!(replay.status, 401);
});

backend_test!(async fn pages_need_a_session_and_follow_preferences(app) {
    for path in ["/dashboard", "/api/data", "/api/data/retrieve?key=a", "/api/data/update", "/api/data/delete"] {
        let res = app.get(path).await;
        assert_eq!((res.status, res.header("location")), (302, Some("/api/login")), "{path}");
    }
    let res = app.send(app.request(Method::GET, "/dashboard").header("accept", "application/json")).await;
    error_of(&res, 401, "INVALID_TOKEN");
    let css = app.get("/static/campus.css").await;
    assert_eq!((css.status, css.content_type()), (200, "text/css"));
    assert!(css.text.contains(".high-contrast"));
    assert_eq!(app.get("/static/nope.css").await.status, 404);

    let token = register_and_token(&app, "dee").await;
    let res = app
        .send(app.request(Method::PATCH, "/api/v1/me").bearer_auth(&token).json(&json!({"text_size": "large", "high_contrast_mode": true})))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let mut b = Browser::new(&app);
    let res = b.submit("/api/login", "/api/login", &[("username", "dee"), ("password", PASSWORD), ("access_token", &token)]).await;
    assert_eq!(res.status, 302);
    let dash = b.get("/dashboard").await;
    assert!(dash.text.contains("class=\"text-large high-contrast\""), "{}", dash.text);

    // An oversized form is refused before it is parsed.
    let big = "x".repeat(70 * 1024);
    let res = b.post_form("/api/data", &[("key", "k"), ("value", big.as_str())]).await;
    assert_eq!(res.status, 413);
});

backend_test!(async fn the_003_004_dispatcher_routes_by_request_shape(app) {
    // POST /api/register: 003's JSON shape -> 003 (201 with "user").
    let res = app.post_json("/api/register", &json!({"name": "Priya", "email": "priya@kv.test", "password": PASSWORD})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["user"]["role"], "Student");
    // username plus 004's profile fields -> 004.
    let res = app.post_json("/api/register", &json!({"username": "quinn", "email": "q@kv.test", "password": PASSWORD, "age": 20})).await;
    error_of(&res, 400, "INVALID_REQUEST");
    // username alone is not 004's shape -> 003's answer.
    let res = app.post_json("/api/register", &json!({"username": "quinn"})).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["error"], "name, email and password are required");
    // A form body -> 004 (and therefore CSRF-checked).
    let res = app.send(app.request(Method::POST, "/api/register").form(&[("name", "x")])).await;
    assert_eq!(res.status, 403);
    assert!(res.text.contains("CSRF_FAILED"));

    // POST /api/login: email + password -> 003.
    let res = app.post_json("/api/login", &json!({"email": "priya@kv.test", "password": PASSWORD})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["token_type"], "Bearer");
    let priya = res.json()["access_token"].as_str().unwrap().to_owned();
    // username without email -> 004; access_token -> 004.
    error_of(&app.post_json("/api/login", &json!({"username": "priya", "password": PASSWORD})).await, 400, "MISSING_FIELDS");
    error_of(&app.post_json("/api/login", &json!({"email": "priya@kv.test", "access_token": "x"})).await, 400, "MISSING_FIELDS");
    // Neither shape -> 003's message.
    let res = app.post_json("/api/login", &json!({})).await;
    assert_eq!(res.json()["error"], "email and password are required");
    let res = app.send(app.request(Method::POST, "/api/login").form(&[("username", "x")])).await;
    assert_eq!(res.status, 403);

    // GET pages are 004's.
    for path in ["/api/register", "/api/login", "/api/token"] {
        let res = app.get(path).await;
        assert_eq!((res.status, res.content_type()), (200, "text/html"), "{path}");
    }
    assert_eq!(app.get("/api/logout").await.status, 302);
    // POST /api/logout -> 003: revokes the token.
    let res = app.post_json_with_token("/api/logout", &priya, &json!({})).await;
    assert_eq!(res.json()["message"], "Logged out successfully");
    let res = app.post_json_with_token("/api/logout", &priya, &json!({})).await;
    assert_eq!(res.status, 401);
    assert!(res.json()["error"].is_string(), "{}", res.text);
    let res = app.post_json("/api/logout", &json!({})).await;
    assert_eq!(res.status, 401);

    // 003's logout also ends a 004 session sent with it.
    let token = register_and_token(&app, "rita").await;
    let login = app
        .post_json("/api/login", &json!({"username": "rita", "password": PASSWORD, "access_token": token}))
        .await;
    let session = login.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let res = app
        .send(app.request(Method::POST, "/api/logout").bearer_auth(&token).header("cookie", session.clone()).json(&json!({})))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let after = app.send(app.request(Method::GET, "/dashboard").header("cookie", session)).await;
    assert_eq!(after.status, 302);
});

// The pages sign out with a POST form carrying the page's CSRF token (GET keeps working for
// seed 004's clients); a form without the token ends nothing.
backend_test!(async fn the_sign_out_button_posts_a_form_and_ends_the_session(app) {
    let token = register_and_token(&app, "paul").await;
    let mut b = Browser::new(&app);
    b.submit("/api/login", "/api/login", &[("username", "paul"), ("password", PASSWORD), ("access_token", &token)]).await;
    let page = b.get("/dashboard").await;
    assert!(page.text.contains(r#"<form method="post" action="/api/logout""#), "{}", page.text);
    let forged = app
        .send(app.request(Method::POST, "/api/logout").header("cookie", b.cookie_header()).header("content-type", "application/x-www-form-urlencoded").body("csrf_token=forged"))
        .await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    assert_eq!(b.get("/dashboard").await.status, 200);
    let old = b.cookie_header();
    let out = b.submit("/dashboard", "/api/logout", &[]).await;
    assert_eq!((out.status, out.header("location")), (302, Some("/api/login")), "{}", out.text);
    assert!(!b.cookies.contains_key("campus_session"));
    let replay = app.send(app.request(Method::GET, "/dashboard").header("cookie", old)).await;
    assert_eq!((replay.status, replay.header("location")), (302, Some("/api/login")));
});

backend_test!(async fn a_session_ends_after_its_lifetime(app) settings(|s| {
    s.web.session_ttl_secs = 1;
    s.web.session_idle_secs = 1;
}) {
    let token = register_and_token(&app, "eve").await;
    let mut b = Browser::new(&app);
    let res = b.submit("/api/login", "/api/login", &[("username", "eve"), ("password", PASSWORD), ("access_token", &token)]).await;
    assert_eq!(res.status, 302);
    assert_eq!(b.get("/dashboard").await.status, 200);
    app.clock.advance(std::time::Duration::from_secs(2));
    let res = b.get("/dashboard").await;
    assert_eq!((res.status, res.header("location")), (302, Some("/api/login")));
    let res = app.send(app.request(Method::GET, "/api/v1/me").header("cookie", b.cookie_header())).await;
    assert_eq!(res.status, 401);
    // Signing out everywhere (v1) ends sessions too.
    let mut b = Browser::new(&app);
    let token = app.post_json("/api/token", &json!({"username": "eve", "password": PASSWORD})).await.json()["data"]["access_token"]
        .as_str().unwrap().to_owned();
    b.submit("/api/login", "/api/login", &[("username", "eve"), ("password", PASSWORD), ("access_token", &token)]).await;
    let res = app.send(app.request(Method::POST, "/api/v1/auth/logout-all").bearer_auth(&token)).await;
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(b.get("/dashboard").await.status, 302);
});

backend_test!(async fn other_sites_and_disguised_bodies_are_refused(app) {
    let token = register_and_token(&app, "fay").await;
    let body = json!({"username": "fay", "password": PASSWORD, "access_token": token});
    // A page of another site may send `text/plain` without a preflight; `+json` in a parameter
    // does not make it JSON, so it is not a 004 login.
    let res = app
        .send(app.request(Method::POST, "/api/login").header("content-type", "text/plain; x=+json").body(body.to_string()))
        .await;
    let no_session = |res: &TestResponse| {
        res.headers.get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("campus_session"))
    };
    assert!(no_session(&res), "{}", res.text);
    assert_eq!(res.json()["error"], "email and password are required");
    // A browser that says the request comes from another site is refused, JSON or not.
    for site in ["cross-site", "same-site"] {
        let res = app
            .send(app.request(Method::POST, "/api/login").header("sec-fetch-site", site).json(&body))
            .await;
        assert_eq!(res.status, 403, "{site}: {}", res.text);
        assert!(no_session(&res));
    }
    let res = app
        .send(app.request(Method::POST, "/api/login").header("sec-fetch-site", "same-origin").json(&body))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let session = res.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    // Upper-case form types are forms too: checked for the token.
    let res = app
        .send(app.request(Method::POST, "/api/token").header("content-type", "Application/X-WWW-Form-Urlencoded").body("username=fay&password=x"))
        .await;
    assert_eq!(res.status, 403, "{}", res.text);
    // A logout that fails the CSRF check does not end the session.
    let res = app
        .send(app.request(Method::POST, "/api/logout").header("cookie", session.clone()).json(&json!({})))
        .await;
    assert_eq!(res.status, 403, "{}", res.text);
    let still = app.send(app.request(Method::GET, "/dashboard").header("cookie", session)).await;
    assert_eq!(still.status, 200);
});

backend_test!(async fn asking_whether_a_username_is_taken_is_rate_limited(app) settings(|s| {
    s.auth.rate_limits.register_per_ip_per_hour = 3;
}) {
    assert_eq!(app.post_json("/api/register", &person("eve")).await.status, 200);
    for _ in 0..2 {
        let res = app.post_json("/api/register", &person("eve")).await;
        error_of(&res, 409, "USERNAME_EXISTS");
    }
    // The fourth attempt from this address is refused before any lookup.
    let res = app.post_json("/api/register", &person("eve")).await;
    error_of(&res, 429, "RATE_LIMITED");
});

backend_test!(async fn over_https_the_cookies_are_host_prefixed_and_plain_ones_are_ignored(app) settings(|s| s.web.secure_cookies = true) {
    let token = register_and_token(&app, "hana").await;
    let mut b = Browser::new(&app);
    let res = b.submit("/api/login", "/api/login", &[("username", "hana"), ("password", PASSWORD), ("access_token", &token)]).await;
    assert_eq!((res.status, res.header("location")), (302, Some("/dashboard")), "{}", res.text);
    let set: Vec<&str> = res.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(set.iter().any(|c| c.starts_with("__Host-campus_session=") && c.contains("; Secure") && c.contains("Path=/") && !c.contains("Domain")), "{set:?}");
    assert!(b.cookies.contains_key("__Host-campus_session") && b.cookies.contains_key("__Host-campus_csrf"));
    assert_eq!(b.get("/dashboard").await.status, 200);

    // The same session under the plain name (planted by a sibling site or a plain-HTTP page)
    // signs nobody in.
    let session = b.cookies["__Host-campus_session"].clone();
    let planted = app.send(app.request(Method::GET, "/dashboard").header("cookie", format!("campus_session={session}"))).await;
    assert_eq!((planted.status, planted.header("location")), (302, Some("/api/login")));
    let res = b.get("/api/logout").await;
    assert_eq!(res.status, 302);
    assert!(!b.cookies.contains_key("__Host-campus_session"), "signing out deletes the prefixed cookie");
});
