//! `/api/v1/usage`: starting, heartbeats, stopping, the idle sweep, logout, who may see whose
//! usage, summaries in time zones (across midnight and DST changes), exports and bad input.

use std::time::Duration;

use campus_db::entities::usage_entries;
use campus_test_support::{Session, TestApp, backend_test};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

async fn post(app: &TestApp, path: &str, who: &Session, body: Value) -> campus_test_support::TestResponse {
    app.post_json_with_token(path, &who.token, &body).await
}

/// Stores an entry at given instants (RFC 3339), as if tracked then.
async fn entry(app: &TestApp, user_id: i64, action: &str, start: &str, end: Option<&str>) {
    let ms = |t: &str| t.parse::<DateTime<Utc>>().unwrap().timestamp_millis();
    usage_entries::ActiveModel {
        user_id: Set(user_id),
        action: Set(action.to_owned()),
        details: Set(None),
        source: Set("v1".to_owned()),
        started_ms: Set(ms(start)),
        last_seen_ms: Set(ms(start)),
        ended_ms: Set(end.map(ms)),
        end_reason: Set(end.map(|_| "stopped".to_owned())),
        heartbeats: Set(0),
        ..Default::default()
    }
    .insert(app.state.db())
    .await
    .unwrap();
}

/// `{key: seconds}` of a summary.
fn seconds(summary: &Value) -> Vec<(String, f64)> {
    summary["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["seconds"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn pairs(p: &[(&str, f64)]) -> Vec<(String, f64)> {
    p.iter().map(|(k, s)| ((*k).to_owned(), *s)).collect()
}

backend_test!(async fn starting_replaces_the_open_entry_and_stopping_persists(app) {
    let ana = app.session("student").await;
    let first = post(&app, "/api/v1/usage", &ana, json!({"action": "  reading ", "details": "chapter 1"})).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!((first.json()["action"].as_str(), first.json()["source"].as_str()), (Some("reading"), Some("v1")));
    app.clock.advance(Duration::from_secs(90));
    let current = app.get_with_token("/api/v1/usage/current", &ana.token).await.json();
    assert_eq!(current["entry"]["id"], first.json()["id"]);
    assert!(current["so_far_sec"].as_f64().unwrap() >= 90.0, "{current}");

    let second = post(&app, "/api/v1/usage", &ana, json!({"action": "maths"})).await;
    assert_eq!(second.status, 201);
    let list = app.get_with_token("/api/v1/usage", &ana.token).await.json();
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{list}");
    assert_eq!(entries[0]["end_reason"], "replaced");
    assert!(entries[0]["duration_sec"].as_f64().unwrap() >= 90.0);
    assert!(entries[1]["ended_at"].is_null());

    let beat = post(&app, "/api/v1/usage/current/heartbeat", &ana, json!({})).await;
    assert_eq!((beat.status, beat.json()["heartbeats"].as_i64()), (200, Some(1)), "{}", beat.text);
    app.clock.advance(Duration::from_secs(30));
    let stopped = post(&app, "/api/v1/usage/current/stop", &ana, json!({})).await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);
    assert_eq!(stopped.json()["end_reason"], "stopped");
    assert!(stopped.json()["duration_sec"].as_f64().unwrap() >= 30.0);
    // Nothing open now: a stop or a heartbeat is a 404, and nothing is written.
    post(&app, "/api/v1/usage/current/stop", &ana, json!({})).await.assert_problem(404, "not_found");
    post(&app, "/api/v1/usage/current/heartbeat", &ana, json!({})).await.assert_problem(404, "not_found");
    let none = app.get_with_token("/api/v1/usage/current", &ana.token).await.json();
    assert!(none["entry"].is_null() && none["so_far_sec"].is_null(), "{none}");
    // Stopping an ended entry by id returns it unchanged.
    let id = stopped.json()["id"].as_i64().unwrap();
    let again = post(&app, &format!("/api/v1/usage/{id}/stop"), &ana, json!({})).await;
    assert_eq!(again.json()["ended_at"], stopped.json()["ended_at"]);
});

backend_test!(async fn idle_entries_close_at_their_last_heartbeat_plus_grace(app) {
    let ana = app.session("student").await;
    let ben = app.session("student").await;
    post(&app, "/api/v1/usage", &ana, json!({"action": "reading"})).await;
    post(&app, "/api/v1/usage/current/heartbeat", &ana, json!({})).await;
    // Ben's client never sends heartbeats (seed 000's clients): by default he keeps the seed's behaviour.
    post(&app, "/api/v1/usage", &ben, json!({"action": "reading"})).await;
    let usage = app.state.usage();
    assert_eq!(usage.sweep_idle().await.unwrap(), 0, "not idle yet");
    app.clock.advance(Duration::from_secs(1801));
    assert_eq!(usage.sweep_idle().await.unwrap(), 1);
    assert_eq!(usage.sweep_idle().await.unwrap(), 0, "closed once");
    let e = app.get_with_token("/api/v1/usage", &ana.token).await.json()["entries"][0].clone();
    assert_eq!(e["end_reason"], "idle", "{e}");
    let gap = e["ended_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap()
        - e["last_seen_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(gap.num_seconds(), 60, "{e}");
    let b = app.get_with_token("/api/v1/usage/current", &ben.token).await.json();
    assert!(b["entry"]["ended_at"].is_null(), "{b}");
});

backend_test!(async fn idle_entries_without_heartbeats_close_when_configured(app) settings(|s| s.tracking.close_idle_without_heartbeats = true) {
    let ben = app.session("student").await;
    post(&app, "/api/v1/usage", &ben, json!({"action": "reading"})).await;
    app.clock.advance(Duration::from_secs(1801));
    assert_eq!(app.state.usage().sweep_idle().await.unwrap(), 1);
    let e = app.get_with_token("/api/v1/usage", &ben.token).await.json()["entries"][0].clone();
    assert_eq!(e["end_reason"], "idle");
    assert_eq!(e["duration_sec"], 60.0, "closed at the start plus the grace: {e}");
});

backend_test!(async fn signing_out_ends_the_open_entry(app) {
    let ana = app.session("student").await;
    post(&app, "/api/v1/usage", &ana, json!({"action": "reading"})).await;
    let other = app.login(&ana.email, campus_test_support::TEST_PASSWORD, ana.user_id).await;
    let out = post(&app, "/api/v1/auth/logout", &ana, json!({})).await;
    assert!(out.status < 300, "{}", out.text);
    let e = app.get_with_token("/api/v1/usage", &other.token).await.json()["entries"][0].clone();
    assert_eq!(e["end_reason"], "logout", "{e}");
    post(&app, "/api/v1/usage", &other, json!({"action": "maths"})).await;
    let all = post(&app, "/api/v1/auth/logout-all", &other, json!({})).await;
    assert!(all.status < 300, "{}", all.text);
    let third = app.login(&ana.email, campus_test_support::TEST_PASSWORD, ana.user_id).await;
    let list = app.get_with_token("/api/v1/usage", &third.token).await.json();
    assert_eq!(list["entries"][1]["end_reason"], "logout", "{list}");
});

backend_test!(async fn who_may_see_and_record_whose_usage(app) {
    let teacher = app.session("teacher").await;
    let child = app.session("student").await;
    let stranger = app.session("student").await;
    let parent = app.session("parent").await;
    let other_parent = app.session("parent").await;
    let student = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "Kid", "user_id": child.user_id})).await.json();
    let link = app.post_json_with_token(&format!("/api/v1/students/{}/guardians", student["id"]), &teacher.token, &json!({"user_id": parent.user_id})).await;
    assert_eq!(link.status, 201, "{}", link.text);
    post(&app, "/api/v1/usage", &child, json!({"action": "reading"})).await;

    let path = format!("/api/v1/usage?user_id={}", child.user_id);
    assert_eq!(app.get_with_token(&path, &parent.token).await.json()["entries"].as_array().unwrap().len(), 1);
    app.get_with_token(&path, &other_parent.token).await.assert_problem(403, "forbidden");
    app.get_with_token(&path, &stranger.token).await.assert_problem(403, "forbidden");
    let cur = format!("/api/v1/usage/current?user_id={}", child.user_id);
    app.get_with_token(&cur, &stranger.token).await.assert_problem(403, "forbidden");
    // Staff read anyone's, and each read of someone else's is audited.
    assert_eq!(app.get_with_token(&path, &teacher.token).await.status, 200);
    let admin = app.session("admin").await;
    let audit = app.get_with_token("/api/v1/audit?action=usage.viewed", &admin.token).await.json();
    assert_eq!(audit["audit"][0]["actor_id"], teacher.user_id, "{audit}");
    assert_eq!(audit["audit"][0]["target_id"], child.user_id.to_string());
    // Only staff record for someone else; an unknown user is a 404 for them.
    post(&app, "/api/v1/usage", &stranger, json!({"action": "x", "user_id": child.user_id})).await.assert_problem(403, "forbidden");
    post(&app, "/api/v1/usage", &parent, json!({"action": "x", "user_id": child.user_id})).await.assert_problem(403, "forbidden");
    let by_staff = post(&app, "/api/v1/usage", &teacher, json!({"action": "lesson", "user_id": child.user_id})).await;
    assert_eq!((by_staff.status, by_staff.json()["user_id"].as_i64()), (201, Some(child.user_id)));
    post(&app, "/api/v1/usage", &teacher, json!({"action": "x", "user_id": 987_654})).await.assert_problem(404, "not_found");
    // Someone else's entry by id is not there for a non-staff caller.
    let id = by_staff.json()["id"].as_i64().unwrap();
    post(&app, &format!("/api/v1/usage/{id}/stop"), &stranger, json!({})).await.assert_problem(404, "not_found");
    app.get_with_token("/api/v1/usage/summary?class_level=7", &parent.token).await.assert_problem(403, "forbidden");
});

backend_test!(async fn summaries_split_entries_at_local_midnight_and_dst_changes(app) {
    let ana = app.session("student").await;
    // 23:30 CET on 28 March 2026 to 03:30 CEST on the 29th: clocks skip 02:00-03:00 that night.
    entry(&app, ana.user_id, "reading", "2026-03-28T22:30:00Z", Some("2026-03-29T01:30:00Z")).await;
    // Still open: counts 0.
    entry(&app, ana.user_id, "reading", "2026-03-29T10:00:00Z", None).await;
    let get = |q: &str| {
        let path = format!("/api/v1/usage/summary?{q}");
        let app = &app;
        let token = ana.token.clone();
        async move {
            let res = app.get_with_token(&path, &token).await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.json()
        }
    };
    let berlin = get("from=2026-03-28&to=2026-03-30&tz=Europe/Berlin").await;
    assert_eq!(seconds(&berlin), pairs(&[("2026-03-28", 1800.0), ("2026-03-29", 9000.0), ("2026-03-30", 0.0)]), "{berlin}");
    assert_eq!(berlin["total_sec"], 10800.0);
    let day = &berlin["buckets"][1];
    let hours = day["end"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap() - day["start"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(hours.num_hours(), 23, "the spring-forward day: {day}");
    let utc = get("from=2026-03-28&to=2026-03-29&tz=UTC").await;
    assert_eq!(seconds(&utc), pairs(&[("2026-03-28", 5400.0), ("2026-03-29", 5400.0)]));
    // An entry that began before the period counts from the period's start.
    let only_29 = get("from=2026-03-29&to=2026-03-29&tz=Europe/Berlin").await;
    assert_eq!(seconds(&only_29), pairs(&[("2026-03-29", 9000.0)]));

    // 25 hours in one local day when the clocks go back (25 October 2026).
    entry(&app, ana.user_id, "maths", "2026-10-24T22:00:00Z", Some("2026-10-25T23:00:00Z")).await;
    let fall = get("from=2026-10-25&to=2026-10-25&tz=Europe/Berlin").await;
    assert_eq!(seconds(&fall), pairs(&[("2026-10-25", 90000.0)]), "{fall}");
    // The profile's zone is the default; the request's wins.
    let me = app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&ana.token).json(&json!({"timezone": "Europe/Berlin"}));
    assert_eq!(app.send(me).await.status, 200);
    assert_eq!(get("from=2026-03-28&to=2026-03-28").await["tz"], "Europe/Berlin");
    assert_eq!(get("from=2026-03-28&to=2026-03-28&tz=Asia/Kolkata").await["tz"], "Asia/Kolkata");

    let weeks = get("from=2026-03-23&to=2026-04-05&tz=Europe/Berlin&group_by=week").await;
    assert_eq!(seconds(&weeks), pairs(&[("2026-W13", 10800.0), ("2026-W14", 0.0)]), "{weeks}");
    let months = get("from=2026-03-01&to=2026-10-31&tz=Europe/Berlin&group_by=month").await;
    assert_eq!(months["buckets"].as_array().unwrap().len(), 8);
    assert_eq!(months["total_sec"], 100800.0);
    let actions = get("from=2026-03-01&to=2026-10-31&tz=Europe/Berlin&group_by=action").await;
    assert_eq!(seconds(&actions), pairs(&[("maths", 90000.0), ("reading", 10800.0)]), "{actions}");
});

backend_test!(async fn class_summaries_add_up_a_class_for_staff(app) {
    let teacher = app.session("teacher").await;
    let mut ids = Vec::new();
    for (class, section) in [(7, "A"), (7, "A"), (7, "B"), (8, "A")] {
        let kid = app.session("student").await;
        let s = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "Kid", "user_id": kid.user_id, "class_level": class, "section": section})).await;
        assert_eq!(s.status, 201, "{}", s.text);
        entry(&app, kid.user_id, "reading", "2026-05-04T08:00:00Z", Some("2026-05-04T08:10:00Z")).await;
        ids.push(kid.user_id);
    }
    let get = |q: &'static str| {
        let (app, token) = (&app, teacher.token.clone());
        async move { app.get_with_token(&format!("/api/v1/usage/summary?from=2026-05-04&to=2026-05-04&tz=UTC&{q}"), &token).await }
    };
    assert_eq!(get("class_level=7").await.json()["total_sec"], 1800.0);
    assert_eq!(get("class_level=7&section=A").await.json()["total_sec"], 1200.0);
    let empty = get("class_level=9").await.text;
    assert!(empty.contains("\"total_sec\":0.0"), "zero, not -0.0: {empty}");
    get("class_level=7&user_id=1").await.assert_problem(422, "validation_failed");
    let long = app.get_with_token("/api/v1/usage/summary?class_level=7&from=2025-01-01&to=2026-01-02", &teacher.token).await;
    long.assert_problem(422, "validation_failed");
});

backend_test!(async fn bad_input_is_refused_and_writes_nothing(app) {
    let ana = app.session("student").await;
    for (body, field) in [
        (json!({}), None),
        (json!({"action": "   "}), Some("action")),
        (json!({"action": "a".repeat(201)}), Some("action")),
        (json!({"action": "x", "details": "d".repeat(2049)}), Some("details")),
        (json!({"action": 5}), None),
        (json!({"action": "x", "colour": "red"}), None),
    ] {
        let res = post(&app, "/api/v1/usage", &ana, body.clone()).await;
        // Rules on values name the field; a body of the wrong shape is `invalid_body`.
        if let Some(f) = field {
            let p = res.assert_problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["field"], f, "{body}: {p}");
        } else {
            res.assert_problem(422, "invalid_body");
        }
    }
    let not_json = app.send(app.request(reqwest::Method::POST, "/api/v1/usage").bearer_auth(&ana.token).body("action=x")).await;
    assert!(not_json.status == 415 || not_json.status == 400, "{}", not_json.text);
    assert_eq!(app.get_with_token("/api/v1/usage", &ana.token).await.json()["entries"], json!([]));
    for q in ["tz=Mars/Olympus", "from=2026-02-01&to=2026-01-01", "group_by=hour", "from=2025-01-01&to=2026-01-02", "from=yesterday"] {
        let res = app.get_with_token(&format!("/api/v1/usage/summary?{q}"), &ana.token).await;
        assert!(res.status == 422 || res.status == 400, "{q}: {}", res.text);
        assert_eq!(res.content_type(), "application/problem+json", "{q}");
    }
    let me = app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&ana.token).json(&json!({"timezone": "Nowhere/Land"}));
    app.send(me).await.assert_problem(422, "validation_failed");
    app.get_with_token("/api/v1/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", &ana.token).await.assert_problem(422, "validation_failed");
});

backend_test!(async fn usage_exports_as_csv_xlsx_and_json(app) {
    let ana = app.session("student").await;
    entry(&app, ana.user_id, "=cmd|calc", "2026-05-04T08:00:00Z", Some("2026-05-04T08:10:00Z")).await;
    let csv = app.get_with_token("/api/v1/exports/usage?format=csv", &ana.token).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.text.starts_with("id,user_id,action,details,source,started_at,ended_at,end_reason,duration_sec"), "{}", csv.text);
    assert!(csv.text.contains("'=cmd|calc"), "formula neutralised: {}", csv.text);
    assert!(csv.text.contains(",600"), "{}", csv.text);
    let json = app.get_with_token("/api/v1/exports/usage?format=json&what=summary&from=2026-05-04&to=2026-05-05&tz=UTC", &ana.token).await.json();
    assert_eq!(json["usage"][0]["seconds"], 600.0, "{json}");
    let xlsx = app.get_with_token("/api/v1/exports/usage?format=xlsx", &ana.token).await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.text.starts_with("PK"), "a zip");
    app.get_with_token("/api/v1/exports/usage?format=pdf", &ana.token).await.assert_problem(400, "invalid_query");
    // Entry dates are local dates in the reader's zone: 20:00 UTC on 4 May is 5 May in Kolkata.
    entry(&app, ana.user_id, "late", "2026-05-04T20:00:00Z", Some("2026-05-04T20:05:00Z")).await;
    let me = app.request(reqwest::Method::PATCH, "/api/v1/me").bearer_auth(&ana.token).json(&json!({"timezone": "Asia/Kolkata"}));
    assert_eq!(app.send(me).await.status, 200);
    let fifth = app.get_with_token("/api/v1/exports/usage?format=csv&from=2026-05-05&to=2026-05-05", &ana.token).await.text;
    assert!(fifth.contains(",late,") && !fifth.contains("calc"), "{fifth}");
});

backend_test!(async fn concurrent_starts_leave_one_entry_open(app) {
    let ana = app.session("student").await;
    let starts = (0..8).map(|i| {
        let (app, token) = (&app, ana.token.clone());
        async move { app.post_json_with_token("/api/v1/usage", &token, &json!({"action": format!("task {i}")})).await.status }
    });
    let statuses = futures_util::future::join_all(starts).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let list = app.get_with_token("/api/v1/usage?limit=20", &ana.token).await.json();
    let open = list["entries"].as_array().unwrap().iter().filter(|e| e["ended_at"].is_null()).count();
    assert_eq!(open, 1, "{list}");
});

backend_test!(async fn many_users_starting_and_stopping_at_once_all_succeed(app) {
    let mut users = Vec::new();
    for _ in 0..24 {
        users.push(app.session("student").await);
    }
    // Each user runs start, heartbeat, stop in order while the others do the same.
    let runs = users.iter().map(|u| {
        let (app, token) = (&app, u.token.clone());
        async move {
            let mut statuses = Vec::new();
            for _ in 0..4 {
                for path in ["/api/v1/usage", "/api/v1/usage/current/heartbeat", "/api/v1/usage/current/stop"] {
                    statuses.push(app.post_json_with_token(path, &token, &json!({"action": "reading"})).await.status);
                }
            }
            statuses
        }
    });
    for statuses in futures_util::future::join_all(runs).await {
        assert!(statuses.iter().all(|s| *s < 300), "{statuses:?}");
    }
});
