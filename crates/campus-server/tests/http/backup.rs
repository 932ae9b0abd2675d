//! Backups: a school with rows in every table and files in the store is backed up, restored
//! into a fresh database and file store, and compared row for row and byte for byte.

use campus_db::backup::TABLES;
use campus_server::backup;
use campus_test_support::{TestApp, backend_test};
use reqwest::Method;
use serde_json::json;

fn tiny_jpeg() -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0x56, 0xFF, 0xD9,
    ]
}

/// Writes through the API (and the demo loader) until every table holds rows.
async fn fill_every_table(app: &TestApp) {
    let state = &app.state;
    campus_domain::demo::load_demo(state.identity(), state.school())
        .await
        .unwrap();
    campus_domain::demo::load_finance_demo(state.identity(), state.finance())
        .await
        .unwrap();
    let admin = app.session("admin").await;
    let finance = app.session("finance").await;
    let user = app.session("user").await;
    // Failed login, refresh rotation, logout (revocation).
    app.post_json(
        "/api/v1/auth/login",
        &json!({"login": admin.email, "password": "wrong-password-1"}),
    )
    .await;
    let other = app.session("teacher").await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other.refresh_token}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.post_json_with_token(
            "/api/v1/auth/logout",
            res.json()["access_token"].as_str().unwrap(),
            &json!({})
        )
        .await
        .status,
        204
    );
    // A student with a guardian, grades, attendance, activity; a course, enrollment, payment
    // with an idempotency key and a contact action.
    let parent = app.session("parent").await;
    let student = app
        .post_json_with_token(
            "/api/v1/students",
            &admin.token,
            &json!({"name": "Backup Pupil", "class_level": 4}),
        )
        .await
        .json();
    let sid = student["id"].as_i64().unwrap();
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/guardians"),
            &admin.token,
            &json!({"user_id": parent.user_id}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/grades"),
            &admin.token,
            &json!({"subject": "Maths", "score": 88, "term": "2026-T1"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/attendance"),
            &admin.token,
            &json!({"date": "2026-11-02", "status": "Absent"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let course = app
        .post_json_with_token(
            "/api/v1/courses",
            &finance.token,
            &json!({"code": "BK101", "name": "Backups", "credits": 3, "fee": "120.50"}),
        )
        .await
        .json();
    let res = app
        .post_json_with_token(
            "/api/v1/enrollments",
            &finance.token,
            &json!({"student_id": sid, "course_id": course["id"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app
        .send(
            app.request(Method::POST, &format!("/api/v1/students/{sid}/payments"))
                .bearer_auth(&finance.token)
                .header("idempotency-key", "backup-1")
                .json(&json!({"amount": "20.25"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/contact"),
            &finance.token,
            &json!({"method": "PHONE", "notes": "left a message"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/activities"),
            &admin.token,
            &json!({"activity_name": "Chess club"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    // A student's own payment is a declaration (self_service_payments = pending).
    let pupil = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"login": "student1", "password": "pass123"}),
        )
        .await
        .json();
    let res = app
        .post_json_with_token(
            "/api/students/pay",
            pupil["access_token"].as_str().unwrap(),
            &json!({"amount": 10, "reference_number": "TX-B"}),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{sid}/reports"),
            &admin.token,
            &json!({"kind": "transcript"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .post_json_with_token(
            "/api/v1/reports/batches",
            &admin.token,
            &json!({"kind": "progress", "class_level": 4}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    // The batch is rendered here, not by the background worker, so nothing is written while
    // the tables are compared.
    let batch = res.json();
    let now = chrono::Utc::now().timestamp_millis();
    if let Some(claimed) = state.reports().claim_batch(now, 60_000).await.unwrap() {
        campus_server::reports::run_batch(state, claimed).await.unwrap();
    }
    let done = app
        .get_with_token(&format!("/api/v1/reports/batches/{}", batch["id"]), &admin.token)
        .await
        .json();
    assert_eq!(done["status"], "done", "{done}");
    // Key-value data, a web session, usage, notifications and their preferences, a reset.
    let res = app
        .send(
            app.request(Method::PUT, "/api/v1/kv/colour")
                .bearer_auth(&user.token)
                .json(&json!({"value": "teal"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app.post_json("/api/login", &json!({"username": user.email, "password": campus_test_support::TEST_PASSWORD, "access_token": user.token})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app
        .post_json_with_token("/api/v1/usage", &user.token, &json!({"action": "reading"}))
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .post_json_with_token(
            "/api/v1/notifications",
            &admin.token,
            &json!({"user_ids": [parent.user_id], "message": "Backups work"}),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .send(
            app.request(Method::PUT, "/api/v1/me/notification-preferences")
                .bearer_auth(&parent.token)
                .json(&json!([{"topic": "notices", "channel": "instant"}])),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    app.post_json("/api/v1/auth/password-reset", &json!({"email": parent.email}))
        .await;
    // Parking with a photo, a caregiver link.
    let event = app
        .post_json_with_token(
            "/api/v1/parking-events",
            &user.token,
            &json!({"latitude": 1, "longitude": 2}),
        )
        .await
        .json();
    let eid = event["id"].as_i64().unwrap();
    app.post_json_with_token(
        &format!("/api/v1/parking-events/{eid}/landmarks"),
        &user.token,
        &json!({"landmarks": [{"location_name": "Kiosk"}]}),
    )
    .await;
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(tiny_jpeg()).file_name("car.jpg"),
    );
    let res = app
        .send(
            app.request(Method::POST, &format!("/api/v1/parking-events/{eid}/photo"))
                .bearer_auth(&user.token)
                .multipart(form),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let res = app
        .send(
            app.request(Method::PATCH, &format!("/api/v1/parking-events/{eid}"))
                .bearer_auth(&user.token)
                .json(&json!({"status": "retrieved"})),
        )
        .await;
    assert!(res.status < 300, "{}", res.text);
    let contact = app
        .post_json_with_token(
            "/api/v1/me/emergency-contacts",
            &user.token,
            &json!({"name": "Carer", "email": "carer@family.test"}),
        )
        .await
        .json();
    let res = app
        .post_json_with_token(
            "/api/v1/me/caregivers",
            &user.token,
            &json!({"contact_id": contact["id"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    state.audit().seal().await.unwrap();
}

/// Every table as the backup writes it, for comparing two databases.
async fn dump_all(db: &sea_orm::DatabaseConnection) -> Vec<(&'static str, String)> {
    let snapshot = campus_db::backup::snapshot(db).await.unwrap();
    let mut out = Vec::new();
    for table in TABLES {
        let mut bytes = Vec::new();
        table.dump(&snapshot, &mut bytes).await.unwrap();
        out.push((table.name, String::from_utf8(bytes).unwrap()));
    }
    out
}

async fn files_of(store: &campus_storage::BlobStore) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut keys = store.list(None).await.unwrap();
    keys.sort();
    for (key, _) in keys {
        let blob = store
            .get(&campus_storage::BlobKey::parse(&key).unwrap())
            .await
            .unwrap();
        let bytes = campus_storage::read_limited(blob.stream, u64::MAX, None)
            .await
            .unwrap();
        out.push((key, bytes.to_vec()));
    }
    out
}

backend_test!(async fn a_backup_restores_every_row_and_file_into_a_fresh_database(app) settings(|s| {
    s.finance.self_service_payments = campus_config::SelfServicePayments::Pending;
    // The test renders its batch itself (see fill_every_table).
    s.reports.batch_poll_secs = 3_600;
}) {
    fill_every_table(&app).await;
    let original = dump_all(app.state.db()).await;
    let empty: Vec<&str> = original.iter().filter(|(_, rows)| rows.is_empty()).map(|(name, _)| *name).collect();
    assert!(empty.is_empty(), "tables without rows: {empty:?}");
    let files = files_of(app.state.storage()).await;
    assert!(files.len() >= 2, "a photo and a report at least: {files:?}", files = files.iter().map(|f| &f.0).collect::<Vec<_>>());

    let dir = tempfile::tempdir().unwrap();
    let manifest = backup::create(app.state.db(), app.state.storage(), dir.path()).await.unwrap();
    assert_eq!(manifest.tables.len(), TABLES.len());
    assert_eq!(manifest.files.len(), files.len());
    // A directory holding anything is refused.
    assert!(matches!(backup::create(app.state.db(), app.state.storage(), dir.path()).await, Err(backup::BackupError::Refused(_))));

    // Restoring into the same, non-empty database is refused and changes nothing.
    let refused = backup::restore(app.state.db(), app.state.storage(), dir.path()).await;
    assert!(matches!(&refused, Err(backup::BackupError::Refused(m)) if m.contains("empty")), "{refused:?}");

    let fresh = TestApp::spawn(app.backend).await.unwrap();
    let restored = backup::restore(fresh.state.db(), fresh.state.storage(), dir.path()).await.unwrap();
    assert_eq!(restored, manifest);
    let copy = dump_all(fresh.state.db()).await;
    for ((name, a), (_, b)) in original.iter().zip(&copy) {
        assert_eq!(a, b, "table {name} differs after the restore");
    }
    assert_eq!(files_of(fresh.state.storage()).await, files);
    assert!(fresh.state.finance().verify().await.unwrap().is_empty());
    assert!(matches!(fresh.state.audit().verify().await.unwrap(), campus_domain::audit::Verdict::Intact { .. }));
    // The restored accounts sign in, and new rows continue after the restored ids.
    let admin = fresh.login("admin1@school.test", campus_test_support::TEST_PASSWORD, 0).await;
    let res = fresh.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "After Restore"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
});

backend_test!(async fn a_damaged_backup_is_refused_before_anything_is_written(app) {
    let admin = app.session("admin").await;
    app.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Only One"})).await;
    let dir = tempfile::tempdir().unwrap();
    backup::create(app.state.db(), app.state.storage(), dir.path()).await.unwrap();
    let students = dir.path().join("tables/students.jsonl");
    let text = std::fs::read_to_string(&students).unwrap().replace("Only One", "Only Two");
    std::fs::write(&students, text).unwrap();
    let fresh = TestApp::spawn(app.backend).await.unwrap();
    let res = backup::restore(fresh.state.db(), fresh.state.storage(), dir.path()).await;
    assert!(matches!(&res, Err(backup::BackupError::Refused(m)) if m.contains("students.jsonl")), "{res:?}");
    let users = TABLES.iter().find(|t| t.name == "users").unwrap();
    assert_eq!(users.count(fresh.state.db()).await.unwrap(), 0);
    // Without a manifest there is no backup.
    std::fs::remove_file(dir.path().join("manifest.json")).unwrap();
    assert!(backup::verify(dir.path()).is_err());
});

// Every table the migrations create is in the backup's list (a new table cannot be left out).
backend_test!(async fn the_backup_lists_every_table_the_migrations_create(app) {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.state.db();
    let sql = match app.backend {
        campus_test_support::Backend::Sqlite => "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        campus_test_support::Backend::Postgres => "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        campus_test_support::Backend::Mysql => "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = database() AND table_type = 'BASE TABLE'",
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let mut found: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "t").unwrap()).filter(|t| t != "campus_migrations").collect();
    found.sort();
    let mut listed: Vec<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed);
});
