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

/// A MemoPark account (emergency contact optional); its token and id.
async fn memopark_user(
    app: &campus_test_support::TestApp,
    email: &str,
    contact: Option<Value>,
) -> (String, i64) {
    let mut body = json!({"user_email": email, "user_password": "Park!ng123", "user_name": "Someone"});
    if let Some(c) = contact {
        body["emergency_contact"] = c;
    }
    let res = app.post_json("/auth/register", &body).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    let id = app.get_with_token("/auth/profile", &token).await.json()["user_id"]
        .as_i64()
        .unwrap();
    (token, id)
}

backend_test!(async fn a_caregiver_follows_read_only_is_alerted_and_loses_access_when_unlinked(app) {
    let contact = json!({"emergency_contact_name": "Sam", "relation": "son", "emergency_email": "Sam@Family.test", "is_allow_alerts": true});
    let (driver, driver_id) = memopark_user(&app, "driver@family.test", Some(contact)).await;
    let (carer, _) = memopark_user(&app, "sam@family.test", None).await;
    let (stranger, _) = memopark_user(&app, "stranger@family.test", None).await;
    let contact_id = app.get_with_token("/auth/profile", &driver).await.json()["emergency_contacts"][0]["emergency_id"].as_i64().unwrap();

    // A contact without an email cannot be invited; someone else's contact does not exist.
    let phone_only = app
        .post_json_with_token("/api/v1/me/emergency-contacts", &driver, &json!({"name": "Neighbour", "phone": "+44 1234"}))
        .await;
    let phone_only = phone_only.json()["id"].as_i64().unwrap();
    app.post_json_with_token("/api/v1/me/caregivers", &driver, &json!({"contact_id": phone_only}))
        .await
        .assert_problem(422, "validation_failed");
    app.post_json_with_token("/api/v1/me/caregivers", &stranger, &json!({"contact_id": contact_id}))
        .await
        .assert_problem(404, "not_found");
    app.post_json_with_token("/api/v1/me/caregivers", &driver, &json!({"contact": 1}))
        .await
        .assert_problem(422, "invalid_body");
    let invited = app.post_json_with_token("/api/v1/me/caregivers", &driver, &json!({"contact_id": contact_id})).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let token = invited.json()["invite_token"].as_str().unwrap().to_owned();
    let link_id = invited.json()["link"]["id"].as_i64().unwrap();
    // Only the invited address may accept; the driver cannot care for themself.
    app.post_json_with_token("/api/v1/caregivers/accept", &stranger, &json!({"token": token})).await.assert_problem(404, "not_found");
    app.post_json_with_token("/api/v1/caregivers/accept", &driver, &json!({"token": token})).await.assert_problem(404, "not_found");
    let accepted = app.post_json_with_token("/api/v1/caregivers/accept", &carer, &json!({"token": token})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.json()["status"], "ACTIVE");
    app.post_json_with_token("/api/v1/caregivers/accept", &carer, &json!({"token": token})).await.assert_problem(404, "not_found");
    assert_eq!(app.get_with_token("/api/v1/caring-for", &carer).await.json()["people"][0]["user_id"], driver_id);

    // The driver parks and starts finding the car with a one-minute estimate.
    let created = app.post_json_with_token("/api/v1/parking-events", &driver, &json!({"latitude": 10, "longitude": 20})).await;
    let event = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/parking-events/{event}");
    let res = app.send(app.request(Method::PATCH, &path).bearer_auth(&driver).json(&json!({"status": "retrieving", "estimated_time_secs": 60}))).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let view_path = format!("/api/v1/caring-for/{driver_id}/parking");
    let seen = app.get_with_token(&view_path, &carer).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.json()["current"]["id"], event);
    app.get_with_token(&view_path, &stranger).await.assert_problem(404, "not_found");
    // Read-only: the caregiver cannot change the event.
    let res = app.send(app.request(Method::PATCH, &path).bearer_auth(&carer).json(&json!({"status": "expired"}))).await;
    res.assert_problem(404, "not_found");

    // Past twice the estimate the caregiver is alerted, once, however many sweeps run.
    assert_eq!(app.state.parking().alert_overdue().await.unwrap(), 0, "not overdue yet");
    app.clock.advance(Duration::from_secs(121));
    assert_eq!(app.state.parking().alert_overdue().await.unwrap(), 1);
    assert_eq!(app.state.parking().alert_overdue().await.unwrap(), 0);
    // Abandoning the event alerts too.
    app.send(app.request(Method::PATCH, &path).bearer_auth(&driver).json(&json!({"status": "expired"}))).await;
    let notes = app.get_with_token("/api/v1/me/notifications", &carer).await.json();
    let messages: Vec<&str> = notes["notifications"].as_array().unwrap().iter().map(|n| n["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("taking long")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("abandoned")), "{messages:?}");
    assert!(app.get_with_token("/api/v1/me/notifications", &stranger).await.json()["notifications"].as_array().unwrap().is_empty());

    // Every caregiver read is in the audit trail.
    let admin = app.session("admin").await;
    let audit = app.get_with_token("/api/v1/audit?action=parking.caregiver_read", &admin.token).await.json();
    assert_eq!(audit["audit"].as_array().unwrap().len(), 1, "{audit}");

    // Unlinking ends access at once.
    let res = app.send(app.request(Method::DELETE, &format!("/api/v1/me/caregivers/{link_id}")).bearer_auth(&driver)).await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get_with_token(&view_path, &carer).await.assert_problem(404, "not_found");
    assert!(app.get_with_token("/api/v1/caring-for", &carer).await.json()["people"].as_array().unwrap().is_empty());
});

fn tiny_jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    let exif = b"Exif\0\0GPS 48.8584N 2.2945E";
    b.extend([0xFF, 0xE1]);
    b.extend(u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    b.extend(exif);
    b.extend([
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0x56, 0xFF, 0xD9,
    ]);
    b
}

backend_test!(async fn event_and_landmark_photos_upload_on_v1_and_admins_read_a_users_events_audited(app)
    settings(|s| s.storage.max_photo_bytes = 8_192)
{
    let s = app.session("user").await;
    let created = app.post_json_with_token("/api/v1/parking-events", &s.token, &json!({"latitude": 1, "longitude": 2})).await;
    let id = created.json()["id"].as_i64().unwrap();
    app.post_json_with_token(&format!("/api/v1/parking-events/{id}/landmarks"), &s.token, &json!({"landmarks": [{"location_name": "Kiosk"}]})).await;
    let detail = app.get_with_token(&format!("/api/v1/parking-events/{id}"), &s.token).await.json();
    let lid = detail["landmarks"][0]["id"].as_i64().unwrap();
    let send = |path: String, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part("photo", reqwest::multipart::Part::bytes(bytes).file_name("kiosk.jpg"));
        app.send(app.request(Method::POST, &path).bearer_auth(&s.token).multipart(form))
    };
    let event_photo = send(format!("/api/v1/parking-events/{id}/photo"), tiny_jpeg()).await;
    assert_eq!(event_photo.status, 201, "{}", event_photo.text);
    let landmark = send(format!("/api/v1/parking-events/{id}/landmarks/{lid}/photo"), tiny_jpeg()).await;
    assert_eq!(landmark.status, 201, "{}", landmark.text);
    assert_eq!(landmark.json()["content_type"], "image/jpeg");
    let detail = app.get_with_token(&format!("/api/v1/parking-events/{id}"), &s.token).await.json();
    let link = detail["landmarks"][0]["photo_url"].as_str().unwrap().to_owned();
    let file = app.client.get(&link).send().await.unwrap();
    assert_eq!(file.status(), 200);
    let body = file.bytes().await.unwrap();
    assert!(!body.windows(3).any(|w| w == b"GPS"), "EXIF kept");
    assert!(detail["photo_url"].is_string());
    // A text file is 415, an oversized photo 413, both problem+json; nothing replaced.
    send(format!("/api/v1/parking-events/{id}/photo"), b"not an image".to_vec()).await.assert_problem(415, "unsupported_media_type");
    let mut big = tiny_jpeg();
    big.extend(vec![0u8; 10_000]);
    send(format!("/api/v1/parking-events/{id}/photo"), big).await.assert_problem(413, "payload_too_large");
    // Someone else's landmark: not found, and nothing stored for them.
    let other = app.session("user").await;
    let form = reqwest::multipart::Form::new().part("photo", reqwest::multipart::Part::bytes(tiny_jpeg()).file_name("x.jpg"));
    let res = app.send(app.request(Method::POST, &format!("/api/v1/parking-events/{id}/landmarks/{lid}/photo")).bearer_auth(&other.token).multipart(form)).await;
    res.assert_problem(404, "not_found");

    // Only administrators read a user's parking, and each read is audited.
    let path = format!("/api/v1/users/{}/parking-events", s.user_id);
    app.get_with_token(&path, &other.token).await.assert_problem(403, "forbidden");
    let admin = app.session("admin").await;
    let listed = app.get_with_token(&path, &admin.token).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json()["events"][0]["id"], id);
    let audit = app.get_with_token("/api/v1/audit?action=parking.admin_read", &admin.token).await.json();
    assert_eq!(audit["audit"].as_array().unwrap().len(), 1, "{audit}");
});

async fn upload_link_flow(app: &campus_test_support::TestApp) {
    let s = app.session("user").await;
    let created = app
        .post_json_with_token(
            "/api/v1/parking-events",
            &s.token,
            &json!({"latitude": 1, "longitude": 2}),
        )
        .await;
    let id = created.json()["id"].as_i64().unwrap();
    let asked = app
        .post_json_with_token(
            &format!("/api/v1/parking-events/{id}/photo-upload"),
            &s.token,
            &json!({"file_name": "car.jpg", "content_type": "image/jpeg"}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.text);
    let key = asked.json()["key"].as_str().unwrap().to_owned();
    let url = asked.json()["upload_url"].as_str().unwrap().to_owned();
    let put = app
        .client
        .put(&url)
        .header("content-type", "image/jpeg")
        .body(tiny_jpeg())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{} {url}", put.status());
    let confirm = format!("/api/v1/parking-events/{id}/photo-upload/confirm");
    let other = app.session("user").await;
    let theirs = app
        .post_json_with_token(&confirm, &other.token, &json!({"key": key}))
        .await;
    theirs.assert_problem(404, "not_found");
    let done = app
        .post_json_with_token(&confirm, &s.token, &json!({"key": key}))
        .await;
    assert_eq!(done.status, 201, "{}", done.text);
    let link = app
        .get_with_token(&format!("/api/v1/parking-events/{id}"), &s.token)
        .await
        .json()["photo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.client.get(&link).send().await.unwrap().bytes().await.unwrap();
    assert!(
        !body.windows(3).any(|w| w == b"GPS"),
        "metadata of a direct upload kept"
    );
    // A text file uploaded through a link is refused at confirmation, and deleted.
    let asked = app
        .post_json_with_token(
            &format!("/api/v1/parking-events/{id}/photo-upload"),
            &s.token,
            &json!({"file_name": "x.png", "content_type": "image/png"}),
        )
        .await;
    let bad_key = asked.json()["key"].as_str().unwrap().to_owned();
    let url = asked.json()["upload_url"].as_str().unwrap().to_owned();
    app.client
        .put(&url)
        .header("content-type", "image/png")
        .body("just text")
        .send()
        .await
        .unwrap();
    app.post_json_with_token(&confirm, &s.token, &json!({"key": bad_key}))
        .await
        .assert_problem(415, "unsupported_media_type");
    let gone = campus_storage::BlobKey::parse(&bad_key).unwrap();
    assert!(matches!(
        app.state.storage().head(&gone).await,
        Err(campus_storage::StorageError::NotFound)
    ));
    // Another user's folder, or nothing uploaded.
    app.post_json_with_token(&confirm, &s.token, &json!({"key": "user_999999/parking_1_x.jpg"}))
        .await
        .assert_problem(422, "validation_failed");
    let nothing = format!("user_{}/parking_1_never.jpg", s.user_id);
    app.post_json_with_token(&confirm, &s.token, &json!({"key": nothing}))
        .await
        .assert_problem(404, "not_found");
}

backend_test!(async fn a_photo_uploaded_through_a_signed_link_is_checked_when_confirmed(app) {
    upload_link_flow(&app).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_links_work_on_s3() {
    let Some(s3) = campus_storage::testing::s3_settings() else {
        return;
    };
    let app = campus_test_support::TestApp::spawn_with(campus_test_support::Backend::Sqlite, move |s| {
        s.storage = s3.clone()
    })
    .await
    .unwrap();
    upload_link_flow(&app).await;
}

backend_test!(async fn uploads_beyond_the_concurrency_limit_wait_their_turn(app)
    settings(|s| s.storage.max_concurrent_uploads = 1)
{
    let s = app.session("user").await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let created = app.post_json_with_token("/api/v1/parking-events", &s.token, &json!({"latitude": 1, "longitude": 2})).await;
        ids.push(created.json()["id"].as_i64().unwrap());
    }
    // Four at once through a limit of one: each waits for the one before, none fails.
    let uploads = ids.iter().map(|id| {
        let form = reqwest::multipart::Form::new().part("photo", reqwest::multipart::Part::bytes(tiny_jpeg()).file_name("car.jpg"));
        app.send(app.request(Method::POST, &format!("/api/v1/parking-events/{id}/photo")).bearer_auth(&s.token).multipart(form))
    });
    let done = tokio::time::timeout(std::time::Duration::from_secs(30), futures_util::future::join_all(uploads))
        .await
        .expect("every upload gets its turn");
    assert!(done.iter().all(|r| r.status == 201), "{:?}", done.iter().map(|r| r.status).collect::<Vec<_>>());
});
