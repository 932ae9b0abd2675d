//! Seed 001's parking routes (rows of seed-contracts.md): the app's real call sequence,
//! every error row in the seed's `{"message": ...}` envelope, and photos with signed,
//! expiring links on the local store and on S3.

use std::time::Duration;

use campus_test_support::{Backend, TestApp, TestResponse, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

/// Registers a MemoPark user; their token.
async fn user(app: &TestApp, email: &str) -> String {
    let body = json!({"user_email": email, "user_password": "Park!ng123", "user_name": "Driver"});
    let res = app.post_json("/auth/register", &body).await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["access_token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
    let mut req = app.request(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

fn message(res: &TestResponse, status: u16, text: &str) {
    assert_eq!(res.status, status, "{}", res.text);
    assert_eq!(res.json()["message"], text, "{}", res.text);
}

async fn park(app: &TestApp, token: &str) -> i64 {
    let res = call(
        app,
        Method::POST,
        "/parking",
        token,
        Some(json!({"parking_latitude": 51.5, "parking_longitude": -0.12})),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["parking_events_id"].as_i64().unwrap()
}

backend_test!(async fn the_apps_sequence_parks_retrieves_and_scores_the_worked_example(app) {
    let token = user(&app, "driver@memo.test").await;
    // Decision 6: the equator and the prime meridian are real places.
    let created = call(&app, Method::POST, "/parking", &token, Some(json!({
        "parking_latitude": 0, "parking_longitude": 0, "parking_location_name": "Level 2",
        "parking_type": "inside_building", "level_floor": "2", "notes": "near the lift"
    }))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let c = created.json();
    assert_eq!((c["status"].as_str(), c["parking_type"].as_str(), c["parking_latitude"].as_f64()), (Some("active"), Some("inside_building"), Some(0.0)));
    assert!(c["ended_at"].is_null());
    let id = c["parking_events_id"].as_i64().unwrap();

    let added = call(&app, Method::POST, &format!("/parking/{id}/landmarks"), &token, Some(json!({"landmarks": [
        {"location_name": "Red door", "landmark_latitude": 0.0001, "landmark_longitude": 0.0001, "distance_from_parking": 12.5},
        {"location_name": "Pillar C", "landmark_latitude": 0.0002, "landmark_longitude": 0.0002, "distance_from_parking": 30}
    ]}))).await;
    message(&added, 201, &format!("2 landmarks added successfully to event {id}"));
    let detail = call(&app, Method::GET, &format!("/parking/{id}"), &token, None).await.json();
    let first = detail["landmarks"][0]["landmarks_id"].as_i64().unwrap();
    let patched = call(&app, Method::PATCH, &format!("/parking/{id}/landmarks/{first}"), &token, Some(json!({"is_achieved": true}))).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json()["is_achieved"], true);
    let unchanged = call(&app, Method::PATCH, &format!("/parking/{id}/landmarks/{first}"), &token, Some(json!({}))).await;
    assert_eq!(unchanged.json()["is_achieved"], true);

    // "Find my car", 900 s of walking against an estimate of 600, then arrival.
    let find = call(&app, Method::PUT, &format!("/parking/{id}"), &token, Some(json!({"status": "retrieving", "estimated_time": "600"}))).await;
    message(&find, 200, &format!("Event {id} updated successfully"));
    app.clock.advance(Duration::from_secs(900));
    let arrive = call(&app, Method::PUT, &format!("/parking/{id}"), &token, Some(json!({"status": "retrieved", "finalScreenTime": 300_000, "finalMapViewCount": 5}))).await;
    assert_eq!(arrive.status, 200, "{}", arrive.text);
    // Scored, and back to `active` so the app's score screen finds it (decision 7).
    let latest = call(&app, Method::GET, "/parking/latest-active", &token, None).await.json();
    assert_eq!(latest["status"], "active", "{latest}");
    assert_eq!(latest["score"]["task_score"], 52.53, "{latest}");
    assert_eq!(latest["score"]["landmark_factor"], 50.0);
    assert_eq!(latest["score"]["time_factor"], 50.0);
    assert_eq!(latest["score"]["path_performance"], 92.67);
    assert_eq!(latest["landmarks"].as_array().unwrap().len(), 2);
    // In the order they were added, as they are now (one statement on PostgreSQL/MySQL).
    let ids = |v: &Value| v["landmarks"].as_array().unwrap().iter().map(|l| l["landmarks_id"].as_i64()).collect::<Vec<_>>();
    assert_eq!(ids(&latest), ids(&detail));
    assert_eq!((latest["landmarks"][0]["is_achieved"].as_bool(), latest["landmarks"][1]["is_achieved"].as_bool()), (Some(true), Some(false)));
    assert!(latest["photo_url"].is_null());
    // Arriving again does not score twice; the status then stays `retrieved`.
    call(&app, Method::PUT, &format!("/parking/{id}"), &token, Some(json!({"status": "retrieved"}))).await;
    let again = call(&app, Method::GET, &format!("/parking/{id}"), &token, None).await.json();
    assert_eq!(again["status"], "retrieved");
    assert_eq!(again["score"]["task_score"], 52.53);
    assert!(again["ended_at"].is_string());

    call(&app, Method::PUT, &format!("/parking/{id}"), &token, Some(json!({"status": "score_watched"}))).await;
    assert_eq!(call(&app, Method::GET, "/parking/latest-active", &token, None).await.json(), json!({}));
    let scores = call(&app, Method::GET, "/scores", &token, None).await.json();
    let row = &scores[0];
    assert_eq!((row["parking_events_id"].as_i64(), row["task_score"].as_f64()), (Some(id), Some(52.53)));
    assert_eq!((row["peek_penalty"].as_i64(), row["assist_penalty"].as_i64(), row["assistance_points"].as_i64()), (Some(5), Some(300), Some(5)));
    assert_eq!((row["no_of_landmarks"].as_i64(), row["landmarks_recalled"].as_i64()), (Some(2), Some(1)));
    let list = call(&app, Method::GET, "/parking", &token, None).await.json();
    assert_eq!(list[0]["parking_events_id"], id);
    assert_eq!(list[0]["status"], "score_watched");

    // An abandoned event ends without a score.
    let other = park(&app, &token).await;
    call(&app, Method::PUT, &format!("/parking/{other}"), &token, Some(json!({"status": "expired", "finalMapViewCount": 2}))).await;
    let expired = call(&app, Method::GET, &format!("/parking/{other}"), &token, None).await.json();
    assert_eq!((expired["status"].as_str(), expired["score"].is_null()), (Some("expired"), true));
    let deleted = call(&app, Method::DELETE, &format!("/parking/{other}"), &token, None).await;
    message(&deleted, 200, &format!("Event {other} deleted successfully"));
    message(&call(&app, Method::GET, &format!("/parking/{other}"), &token, None).await, 404, "Parking event not found");
});

backend_test!(async fn another_users_event_is_not_found_on_every_route(app) {
    let owner = user(&app, "owner@memo.test").await;
    let stranger = user(&app, "stranger@memo.test").await;
    let id = park(&app, &owner).await;
    call(&app, Method::POST, &format!("/parking/{id}/landmarks"), &owner, Some(json!({"landmarks": [{"location_name": "Gate"}]}))).await;
    let lid = call(&app, Method::GET, &format!("/parking/{id}"), &owner, None).await.json()["landmarks"][0]["landmarks_id"].as_i64().unwrap();
    for (method, path, body) in [
        (Method::GET, format!("/parking/{id}"), None),
        (Method::PUT, format!("/parking/{id}"), Some(json!({"status": "expired"}))),
        (Method::DELETE, format!("/parking/{id}"), None),
        (Method::POST, format!("/parking/{id}/landmarks"), Some(json!({"landmarks": []}))),
        (Method::PATCH, format!("/parking/{id}/landmarks/{lid}"), Some(json!({"is_achieved": true}))),
        (Method::POST, format!("/parking/{id}/score"), Some(json!({"task_score": 50}))),
    ] {
        message(&call(&app, method.clone(), &path, &stranger, body).await, 404, "Parking event not found");
    }
    assert_eq!(call(&app, Method::GET, "/parking", &stranger, None).await.json(), json!([]));
    assert_eq!(call(&app, Method::GET, "/parking/latest-active", &stranger, None).await.json(), json!({}));
    // Still the owner's, untouched.
    assert_eq!(call(&app, Method::GET, &format!("/parking/{id}"), &owner, None).await.json()["status"], "active");
    let no_token = app.send(app.request(Method::GET, "/parking")).await;
    assert_eq!(no_token.status, 401);
    assert!(no_token.json()["msg"].is_string(), "{}", no_token.text);
});

backend_test!(async fn bad_input_gets_the_seeds_400s_never_a_500(app) {
    let token = user(&app, "careful@memo.test").await;
    let post = |body: Value| call(&app, Method::POST, "/parking", &token, Some(body));
    message(&post(json!({"parking_latitude": 51.5})).await, 400, "Latitude and longitude are required");
    message(&post(json!({"parking_latitude": "north", "parking_longitude": 1})).await, 400, "Latitude and longitude are required");
    let far = post(json!({"parking_latitude": 91, "parking_longitude": 0})).await;
    assert_eq!(far.status, 400, "{}", far.text);
    assert!(far.json()["message"].as_str().unwrap().contains("parking_latitude"));
    assert_eq!(post(json!({"parking_latitude": 1, "parking_longitude": 181})).await.status, 400);
    assert_eq!(post(json!({"parking_latitude": 1, "parking_longitude": 1, "parking_type": "roof"})).await.status, 400);
    let theirs = post(json!({"parking_latitude": 1, "parking_longitude": 1, "photo_s3_key": "user_999/parking_1_x.jpg"})).await;
    assert_eq!(theirs.status, 400, "another user's photo key: {}", theirs.text);
    let malformed = app.send(app.request(Method::POST, "/parking").bearer_auth(&token).header("content-type", "application/json").body("{not json")).await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);

    let id = park(&app, &token).await;
    let event_path = format!("/parking/{id}");
    let put = |body: Value| call(&app, Method::PUT, &event_path, &token, Some(body));
    message(&put(json!({"estimated_time": "soon"})).await, 400, "Invalid format for estimated_time");
    message(&put(json!({"finalScreenTime": [1]})).await, 400, "Invalid format for finalScreenTime");
    message(&put(json!({"finalMapViewCount": {"n": 1}})).await, 400, "Invalid format for finalMapViewCount");
    let unknown = put(json!({"status": "parked_on_the_moon"})).await;
    assert_eq!(unknown.status, 400, "an unknown status is 400, not the original's 500: {}", unknown.text);
    assert_eq!(put(json!({"estimated_time": -5})).await.status, 400);

    let landmarks_path = format!("/parking/{id}/landmarks");
    let landmarks = |body: Value| call(&app, Method::POST, &landmarks_path, &token, Some(body));
    message(&landmarks(json!({"landmarks": "Red door"})).await, 400, "Request body must contain a 'landmarks' array");
    message(&landmarks(json!({})).await, 400, "Request body must contain a 'landmarks' array");
    let thousand: Vec<Value> = (0..1000).map(|i| json!({"location_name": format!("L{i}")})).collect();
    let flood = landmarks(json!({"landmarks": thousand})).await;
    assert_eq!(flood.status, 400, "{}", flood.text);
    assert!(flood.json()["message"].as_str().unwrap().contains("100"), "{}", flood.text);
    assert_eq!(call(&app, Method::GET, &format!("/parking/{id}"), &token, None).await.json()["landmarks"], json!([]), "nothing half-written");
    assert_eq!(landmarks(json!({"landmarks": [{"landmark_latitude": "x"}]})).await.status, 400);

    landmarks(json!({"landmarks": [{"location_name": "Gate"}]})).await;
    let lid = call(&app, Method::GET, &format!("/parking/{id}"), &token, None).await.json()["landmarks"][0]["landmarks_id"].as_i64().unwrap();
    message(&call(&app, Method::PATCH, &format!("/parking/{id}/landmarks/{lid}"), &token, Some(json!({"is_achieved": "yes"}))).await, 400, "Invalid data type for 'is_achieved', boolean expected");
    let other = park(&app, &token).await;
    message(&call(&app, Method::PATCH, &format!("/parking/{other}/landmarks/{lid}"), &token, Some(json!({"is_achieved": true}))).await, 404, "Landmark not found for this event");
    message(&call(&app, Method::GET, "/parking/not-a-number", &token, None).await, 404, "Parking event not found");

    let score_path = format!("/parking/{id}/score");
    let score = |body: Value| call(&app, Method::POST, &score_path, &token, Some(body));
    message(&score(json!({})).await, 400, "Request body is required");
    assert_eq!(score(json!({"task_score": 250})).await.status, 400);
    let made = score(json!({"time_factor": 80, "landmark_factor": 100, "path_performance": 90, "task_score": 88.5})).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.json()["task_score"], 88.5);
    message(&score(json!({"task_score": 10})).await, 409, "A score for this event already exists");
});

/// A small JPEG with an EXIF segment holding a GPS position and a comment.
fn jpeg_with_exif() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    let exif = b"Exif\0\0GPS 51.5007N 0.1246W";
    b.extend([0xFF, 0xE1]);
    b.extend(u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    b.extend(exif);
    b.extend([
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0x56, 0xFF, 0xD9,
    ]);
    b
}

async fn upload(app: &TestApp, token: &str, id: i64, name: &str, bytes: Vec<u8>) -> TestResponse {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("photo", part);
    app.send(
        app.request(Method::POST, &format!("/parking/{id}/photo"))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

/// The link with the first character of its signature changed.
fn tamper(link: &str) -> String {
    let marker = if link.contains("X-Amz-Signature=") {
        "X-Amz-Signature="
    } else {
        "sig="
    };
    let (head, sig) = link.split_once(marker).unwrap();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[0] = if chars[0] == '0' { '1' } else { '0' };
    format!("{head}{marker}{}", chars.into_iter().collect::<String>())
}

/// The photo flow on one store: upload, the signed link on every read, the file as served.
async fn photo_flow(app: &TestApp, s3: bool) {
    let token = user(app, "photo@memo.test").await;
    let id = park(app, &token).await;
    let stored = upload(app, &token, id, "../../My Car.jpg", jpeg_with_exif()).await;
    assert_eq!(stored.status, 200, "{}", stored.text);
    let key = stored.json()["s3_key"].as_str().unwrap().to_owned();
    let me = call(app, Method::GET, "/auth/profile", &token, None).await.json()["user_id"]
        .as_i64()
        .unwrap();
    assert!(
        key.starts_with(&format!("user_{me}/parking_")) && key.ends_with("_My_Car.jpg"),
        "{key}"
    );
    let detail = call(app, Method::GET, &format!("/parking/{id}"), &token, None)
        .await
        .json();
    let link = detail["photo_url"].as_str().unwrap().to_owned();
    let again = call(app, Method::GET, "/parking/latest-active", &token, None)
        .await
        .json();
    assert!(again["photo_url"].is_string());
    let file = app.client.get(&link).send().await.unwrap();
    assert_eq!(file.status(), 200, "{link}");
    if !s3 {
        assert_eq!(file.headers()["content-type"], "image/jpeg");
        assert_eq!(file.headers()["x-content-type-options"], "nosniff");
        assert!(
            file.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("private")
        );
        assert!(
            file.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("My_Car.jpg")
        );
    }
    let body = file.bytes().await.unwrap();
    assert!(body.starts_with(&[0xFF, 0xD8]));
    assert!(
        !body.windows(10).any(|w| w == b"GPS 51.500"),
        "the GPS position was stored"
    );
    assert!(
        body.windows(3).any(|w| w == [0x12, 0x34, 0x56]),
        "the image itself was lost"
    );
    // A changed signature is refused.
    let tampered = tamper(&link);
    assert_eq!(app.client.get(&tampered).send().await.unwrap().status(), 403);
    if !s3 {
        // So is a link past its hour (the server's clock moves on).
        app.clock.advance(Duration::from_secs(3_601));
        let expired = app.client.get(&link).send().await.unwrap();
        assert_eq!(expired.status(), 403);
        assert_eq!(expired.json::<Value>().await.unwrap()["code"], "link_expired");
        // A link without its signature, with a garbled expiry or a key no link names is as
        // invalid as a tampered one (403, not 400), on GET and PUT.
        let (path, _) = link.split_once('?').unwrap();
        let path = path.trim_start_matches(&app.url(""));
        for (method, target) in [
            (Method::GET, format!("{path}?expires=1&ct=&name=")),
            (
                Method::GET,
                format!("{path}?expires=-9223372036854775808&ct=&name=&sig=00"),
            ),
            (Method::PUT, format!("{path}?expires=0.5&ct=&name=&sig=")),
            (Method::GET, "/files/a/../b?expires=1&ct=&name=&sig=00".to_owned()),
        ] {
            let res = app.send(app.request(method.clone(), &target).body("x")).await;
            assert_eq!(
                (res.status, res.json()["code"].as_str()),
                (403, Some("link_invalid")),
                "{method} {target}: {}",
                res.text
            );
        }
    }
    // A stranger gets no link and cannot upload.
    let stranger = user(app, "nosy@memo.test").await;
    message(
        &upload(app, &stranger, id, "x.jpg", jpeg_with_exif()).await,
        404,
        "Parking event not found",
    );
    // Deleting the event deletes the photo.
    call(app, Method::DELETE, &format!("/parking/{id}"), &token, None).await;
    let blob = campus_storage::BlobKey::parse(&key).unwrap();
    assert!(matches!(
        app.state.storage().head(&blob).await,
        Err(campus_storage::StorageError::NotFound)
    ));
}

backend_test!(async fn photos_are_stored_without_metadata_and_served_by_signed_expiring_links(app) {
    photo_flow(&app, false).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_work_the_same_on_s3() {
    let Some(s3) = campus_storage::testing::s3_settings() else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| s.storage = s3.clone())
        .await
        .unwrap();
    photo_flow(&app, true).await;
}

backend_test!(async fn bad_photos_are_refused_in_the_seeds_envelope(app) settings(|s| s.storage.max_photo_bytes = 4_096) {
    let token = user(&app, "upload@memo.test").await;
    let id = park(&app, &token).await;
    let renamed = upload(&app, &token, id, "car.jpg", b"this is a text file, renamed".to_vec()).await;
    assert_eq!(renamed.status, 415, "{}", renamed.text);
    assert!(renamed.json()["message"].is_string());
    let mut big = jpeg_with_exif();
    big.extend(vec![0u8; 5_000]);
    let oversized = upload(&app, &token, id, "big.jpg", big).await;
    assert_eq!(oversized.status, 413, "{}", oversized.text);
    assert!(oversized.json()["message"].is_string(), "{}", oversized.text);
    message(&upload(&app, &token, id, "", jpeg_with_exif()).await, 400, "No selected file");
    let form = reqwest::multipart::Form::new().text("other", "x");
    let missing = app.send(app.request(Method::POST, &format!("/parking/{id}/photo")).bearer_auth(&token).multipart(form)).await;
    message(&missing, 400, "No photo file found in the request");
    let nul = upload(&app, &token, id, "a\u{0}b.jpg", jpeg_with_exif()).await;
    assert_eq!(nul.status, 400, "a NUL in the part's name is a malformed upload: {}", nul.text);
    let dots = upload(&app, &token, id, "../../../etc/passwd", jpeg_with_exif()).await;
    assert_eq!(dots.status, 200, "{}", dots.text);
    assert!(dots.json()["s3_key"].as_str().unwrap().ends_with("_passwd"), "{}", dots.text);
    assert!(call(&app, Method::GET, &format!("/parking/{id}"), &token, None).await.json()["photo_url"].is_string());
});
