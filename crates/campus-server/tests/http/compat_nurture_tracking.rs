//! Seed 000's activity tracking, row by row from shared/docs/seed-contracts.md: the README's
//! sequence (signup, login, action, end_action, logs, report) and every error in the seed's
//! `{"error": ...}` envelope, with the bearer token decision 5 requires.

use std::time::Duration;

use campus_test_support::{TestApp, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

/// Signs up and logs in through seed 000; (user id, token).
async fn member(app: &TestApp, name: &str) -> (i64, String) {
    let email = format!("{name}@nurture.test");
    let res = app
        .post_json(
            "/signup",
            &json!({"full_name": name, "username": name, "email": email, "password": "Nurture!123"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let login = app
        .post_json("/login", &json!({"email": email, "password": "Nurture!123"}))
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let b = login.json();
    (
        b["user_id"].as_i64().unwrap(),
        b["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.request(method, path);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = app.send(req).await;
    (res.status, res.json())
}

fn is_seed_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok())
}

backend_test!(async fn the_readmes_tracking_sequence(app) {
    let (id, token) = member(&app, "arnav").await;
    let t = Some(token.as_str());
    // /login logged the seed's "login" activity, still open.
    let (status, logs) = call(&app, Method::GET, &format!("/logs/{id}"), t, None).await;
    assert_eq!(status, 200);
    assert_eq!(logs, json!([{"action": "login", "details": "User logged in", "start_time": logs[0]["start_time"], "end_time": null}]));
    assert!(is_seed_time(&logs[0]["start_time"]), "{logs}");

    app.clock.advance(Duration::from_secs(5));
    let (status, body) = call(&app, Method::POST, "/action", t, Some(json!({"user_id": id, "action": "reading", "details": "Opened chapter 3"}))).await;
    assert_eq!((status, body), (200, json!({"message": "Action logged successfully"})));
    app.clock.advance(Duration::from_secs(42));
    let (status, body) = call(&app, Method::POST, "/end_action", t, Some(json!({"user_id": id, "action": "reading"}))).await;
    assert_eq!((status, body["message"].as_str()), (200, Some("Action end time recorded")), "{body}");
    let took = body["duration_sec"].as_f64().unwrap();
    assert!((42.0..43.0).contains(&took), "{body}");

    let (_, logs) = call(&app, Method::GET, &format!("/logs/{id}"), t, None).await;
    let logs = logs.as_array().unwrap().clone();
    assert_eq!(logs.iter().map(|l| l["action"].as_str().unwrap()).collect::<Vec<_>>(), ["login", "reading"]);
    assert!(logs.iter().all(|l| is_seed_time(&l["end_time"])), "both ended and persisted (decision 6): {logs:?}");

    for who in ["arnav", "arnav@nurture.test"] {
        let (status, report) = call(&app, Method::GET, &format!("/report?username={who}"), t, None).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!((report["username"].as_str(), report["full_name"].as_str(), report["email"].as_str()), (Some("arnav"), Some("arnav"), Some("arnav@nurture.test")));
        assert!(is_seed_time(&report["signup_time"]));
        let log = report["activity_log"].as_array().unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1]["duration_sec"].as_f64(), Some(took));
        let sum: f64 = log.iter().map(|l| l["duration_sec"].as_f64().unwrap()).sum();
        assert!((report["total_time_spent_seconds"].as_f64().unwrap() - sum).abs() < 0.011, "{report}");
        assert!(report["total_time_spent_seconds"].as_f64().unwrap() >= 47.0);
    }
});

backend_test!(async fn end_action_closes_only_the_named_action_and_says_when_nothing_is_open(app) {
    let (id, token) = member(&app, "sanya").await;
    let t = Some(token.as_str());
    call(&app, Method::POST, "/action", t, Some(json!({"user_id": id, "action": "maths"}))).await;
    let (status, body) = call(&app, Method::POST, "/end_action", t, Some(json!({"user_id": id, "action": "science"}))).await;
    assert_eq!((status, body), (404, json!({"error": "No open action to end"})));
    let (status, _) = call(&app, Method::POST, "/end_action", t, Some(json!({"user_id": id}))).await;
    assert_eq!(status, 200);
    let (status, body) = call(&app, Method::POST, "/end_action", t, Some(json!({"user_id": id}))).await;
    assert_eq!((status, body), (404, json!({"error": "No open action to end"})));
    // user_id may be left out: the token's user.
    let (status, _) = call(&app, Method::POST, "/action", t, Some(json!({"action": "art"}))).await;
    assert_eq!(status, 200);
    let (_, logs) = call(&app, Method::GET, &format!("/logs/{id}"), t, None).await;
    assert_eq!(logs.as_array().unwrap().last().unwrap()["action"], "art");
});

backend_test!(async fn tracking_errors_in_the_seeds_envelope(app) {
    let (id, token) = member(&app, "roy").await;
    let (other, other_token) = member(&app, "neha").await;
    let t = Some(token.as_str());
    let err = |body: &Value| body["error"].as_str().map(str::to_owned);
    // No token: 401; someone else's: 403.
    for (method, path, body) in [
        (Method::POST, "/action".to_owned(), Some(json!({"user_id": id, "action": "x"}))),
        (Method::POST, "/end_action".to_owned(), Some(json!({"user_id": id}))),
        (Method::GET, format!("/logs/{id}"), None),
        (Method::GET, "/report?username=roy".to_owned(), None),
    ] {
        let (status, b) = call(&app, method.clone(), &path, None, body.clone()).await;
        assert_eq!(status, 401, "{path}: {b}");
        assert!(err(&b).is_some(), "{path}: {b}");
        let (status, b) = call(&app, method, &path, Some(&other_token), body).await;
        assert_eq!(status, 403, "{path}: {b}");
        assert!(err(&b).is_some(), "{path}: {b}");
    }
    let cases = [
        (json!({"user_id": id}), "action is required"),
        (json!({"user_id": id, "action": "   "}), "action is required"),
        (json!({"user_id": "abc", "action": "x"}), "user_id must be an integer"),
        (json!({"user_id": id, "action": "x", "details": 5}), "details must be a string"),
    ];
    for (body, message) in cases {
        let (status, b) = call(&app, Method::POST, "/action", t, Some(body.clone())).await;
        assert_eq!((status, err(&b).as_deref()), (400, Some(message)), "{body}");
    }
    let (status, b) = call(&app, Method::POST, "/action", t, Some(json!({"user_id": id, "action": "a".repeat(201)}))).await;
    assert_eq!(status, 400, "{b}");
    assert!(err(&b).unwrap().starts_with("action "), "{b}");
    let malformed = app.send(app.request(Method::POST, "/action").bearer_auth(&token).header("content-type", "application/json").body("{\"action\":")).await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert!(malformed.json()["error"].is_string());
    let (status, b) = call(&app, Method::GET, "/report", t, None).await;
    assert_eq!((status, b), (400, json!({"error": "Username is required"})));
    // A non-staff caller learns nothing about other accounts; staff learn they do not exist.
    let (status, _) = call(&app, Method::GET, "/report?username=nobody", t, None).await;
    assert_eq!(status, 403);
    let teacher = app.session("teacher").await;
    let (status, b) = call(&app, Method::GET, "/report?username=nobody", Some(&teacher.token), None).await;
    assert_eq!((status, b), (404, json!({"error": "User not found"})));
    let (status, b) = call(&app, Method::GET, "/logs/987654", Some(&teacher.token), None).await;
    assert_eq!(status, 404, "{b}");
    let (status, b) = call(&app, Method::GET, "/logs/abc", t, None).await;
    assert_eq!(status, 400, "{b}");
    assert!(err(&b).is_some(), "{b}");
    // Staff may track for anyone, and read anyone's log.
    let (status, _) = call(&app, Method::POST, "/action", Some(&teacher.token), Some(json!({"user_id": other, "action": "lesson"}))).await;
    assert_eq!(status, 200);
    let (status, logs) = call(&app, Method::GET, &format!("/logs/{other}"), Some(&teacher.token), None).await;
    assert_eq!((status, logs.as_array().map(Vec::len)), (200, Some(2)));
    // Nothing was written by the refused requests.
    let (_, logs) = call(&app, Method::GET, &format!("/logs/{id}"), t, None).await;
    assert_eq!(logs.as_array().map(Vec::len), Some(1), "only the login: {logs}");
});
