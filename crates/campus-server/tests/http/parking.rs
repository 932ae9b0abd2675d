//! `/api/v1/parking-events` and `/api/v1/me/scores`: the canonical surface over the same
//! parking domain as seed 001's facade.

use std::time::Duration;

use campus_test_support::backend_test;
use reqwest::Method;
use serde_json::{Value, json};

backend_test!(async fn a_parking_event_runs_from_parking_to_the_score_trend(app) {
    let s = app.session("user").await;
    let send = |method: Method, path: String, body: Option<Value>| {
        let mut req = app.request(method, &path).bearer_auth(&s.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        app.send(req)
    };
    let created = send(Method::POST, "/api/v1/parking-events".into(), Some(json!({"latitude": 0, "longitude": 0, "location_name": "Car park B"}))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.json()["status"], "active");
    let added = send(Method::POST, format!("/api/v1/parking-events/{id}/landmarks"), Some(json!({"landmarks": [{"location_name": "Lift"}, {"location_name": "Stairs"}]}))).await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.json()["added"], 2);
    let detail = send(Method::GET, format!("/api/v1/parking-events/{id}"), None).await.json();
    let lift = detail["landmarks"][0]["id"].as_i64().unwrap();
    let marked = send(Method::PATCH, format!("/api/v1/parking-events/{id}/landmarks/{lift}"), Some(json!({"is_achieved": true}))).await;
    assert_eq!(marked.json()["is_achieved"], true, "{}", marked.text);
    send(Method::PATCH, format!("/api/v1/parking-events/{id}"), Some(json!({"status": "retrieving", "estimated_time_secs": 600}))).await;
    app.clock.advance(Duration::from_secs(900));
    let arrived = send(Method::PATCH, format!("/api/v1/parking-events/{id}"), Some(json!({"status": "retrieved", "final_screen_time_ms": 300_000, "final_map_view_count": 5}))).await;
    assert_eq!(arrived.status, 200, "{}", arrived.text);
    let a = arrived.json();
    assert_eq!((a["status"].as_str(), a["score"]["task_score"].as_f64()), (Some("active"), Some(52.53)), "{a}");
    let latest = send(Method::GET, "/api/v1/parking-events/latest-active".into(), None).await.json();
    assert_eq!(latest["event"]["id"], id);
    send(Method::PATCH, format!("/api/v1/parking-events/{id}"), Some(json!({"status": "score_watched"}))).await;
    assert!(send(Method::GET, "/api/v1/parking-events/latest-active".into(), None).await.json()["event"].is_null());
    let scores = send(Method::GET, "/api/v1/me/scores".into(), None).await.json();
    assert_eq!(scores["scores"][0]["task_score"], 52.53);
    assert_eq!(scores["scores"][0]["map_views"], 5);
    assert_eq!(scores["trend"][0]["moving_average"], 52.53);

    // Bad input is a 422 naming the field; nothing is written.
    let far = send(Method::POST, "/api/v1/parking-events".into(), Some(json!({"latitude": 95, "longitude": 0}))).await;
    far.assert_problem(422, "validation_failed");
    let moon = send(Method::PATCH, format!("/api/v1/parking-events/{id}"), Some(json!({"status": "on_the_moon"}))).await;
    moon.assert_problem(422, "validation_failed");
    let typo = send(Method::POST, "/api/v1/parking-events".into(), Some(json!({"latitude": 1, "longitude": 1, "colour": "red"}))).await;
    assert!(typo.status == 400 || typo.status == 422, "{}", typo.text);

    // Someone else's event does not exist for them.
    let other = app.session("user").await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/parking-events/{id}")),
        (Method::DELETE, format!("/api/v1/parking-events/{id}")),
    ] {
        let res = app.send(app.request(method, &path).bearer_auth(&other.token)).await;
        res.assert_problem(404, "not_found");
    }
    let res = app.send(app.request(Method::PATCH, &format!("/api/v1/parking-events/{id}")).bearer_auth(&other.token).json(&json!({"status": "expired"}))).await;
    res.assert_problem(404, "not_found");

    // Newest first, in pages.
    for _ in 0..2 {
        send(Method::POST, "/api/v1/parking-events".into(), Some(json!({"latitude": 1, "longitude": 1}))).await;
    }
    let first = send(Method::GET, "/api/v1/parking-events?limit=2".into(), None).await.json();
    let ids: Vec<i64> = first["events"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1], "{ids:?}");
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second = send(Method::GET, format!("/api/v1/parking-events?limit=2&cursor={cursor}"), None).await.json();
    assert_eq!(second["events"].as_array().unwrap().len(), 1);
    assert_eq!(second["events"][0]["id"], id);
    assert!(second["meta"]["next_cursor"].is_null());
    assert_eq!(send(Method::DELETE, format!("/api/v1/parking-events/{id}"), None).await.status, 204);
    send(Method::GET, format!("/api/v1/parking-events/{id}"), None).await.assert_problem(404, "not_found");
});
