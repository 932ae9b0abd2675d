//! The remaining finance and notification rows: seed 002's course edits and deletes, its
//! "no data" and unknown-record answers, v1 drops (with and without refunds), and each kind of
//! bad input with its 4xx.

use campus_test_support::{Session, TestApp, TestResponse, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
    let mut req = app.request(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

async fn seed_login(app: &TestApp, username: &str) -> (String, i64) {
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"username": username, "password": "Seed!pass1"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["user_id"].as_i64().unwrap();
    let login = app
        .post_json(
            "/api/auth/login",
            &json!({"username": username, "password": "Seed!pass1"}),
        )
        .await;
    (login.json()["access_token"].as_str().unwrap().to_owned(), id)
}

backend_test!(async fn seed_002_course_edits_deletes_and_unknown_records(app) {
    let admin = app.session("admin").await;
    let (student, student_id) = seed_login(&app, "nia").await;
    let created = app
        .post_json_with_token("/api/courses", &admin.token, &json!({"course_id": "BIO1", "name": "Biology", "credits": 3, "total_fee": 1000}))
        .await;
    let id = created.json()["course_id"].as_i64().unwrap();

    // PUT ignores falsy values except the description.
    let put = send(&app, Method::PUT, &format!("/api/courses/{id}"), &admin.token, Some(json!({"name": "", "credits": 0, "total_fee": 1500.5, "description": "Cells"}))).await;
    assert_eq!((put.status, put.json()), (200, json!({"msg": "Course updated successfully", "course_id": id, "name": "Biology"})));
    let course = app.get(&format!("/api/courses/{id}")).await.json();
    assert_eq!((course["credits"].as_i64(), course["total_fee"].as_f64(), course["description"].as_str()), (Some(3), Some(1500.5), Some("Cells")));
    let bad = send(&app, Method::PUT, &format!("/api/courses/{id}"), &admin.token, Some(json!({"total_fee": "lots"}))).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let missing = send(&app, Method::PUT, "/api/courses/9999", &admin.token, Some(json!({"name": "X"}))).await;
    assert_eq!((missing.status, missing.json()), (404, json!({"error": "Course not found"})));
    let not_admin = send(&app, Method::PUT, &format!("/api/courses/{id}"), &student, Some(json!({"name": "X"}))).await;
    assert_eq!((not_admin.status, not_admin.json()), (403, json!({"error": "Admin access required"})));

    // A student without a student record yet: zero dues, no enrollments, no payments.
    let status = app.get_with_token("/api/students/status", &student).await.json();
    assert_eq!((status["dues_balance"].as_f64(), status["total_enrolled_courses"].as_u64()), (Some(0.0), Some(0)));
    let payments = app.get_with_token("/api/students/payments", &student).await.json();
    assert_eq!((payments["total_paid"].as_f64(), payments["payments"].as_array().map(Vec::len)), (Some(0.0), Some(0)));
    let nothing = app.post_json_with_token("/api/students/pay", &student, &json!({})).await;
    assert_eq!((nothing.status, nothing.json()), (400, json!({"error": "No payment data provided"})));
    let no_course = app.post_json_with_token("/api/students/enroll", &student, &json!({"other": 1})).await;
    assert_eq!((no_course.status, no_course.json()), (400, json!({"error": "course_id is required"})));
    let unknown = app.post_json_with_token("/api/students/enroll", &student, &json!({"course_id": 9999})).await;
    assert_eq!((unknown.status, unknown.json()), (404, json!({"error": "Course not found"})));

    // Finance endpoints: empty bodies, unknown students, bad query numbers, non-admins.
    let empty = send(&app, Method::PUT, &format!("/api/finance/action/contact/{student_id}"), &admin.token, Some(json!({}))).await;
    assert_eq!((empty.status, empty.json()), (400, json!({"error": "No data provided"})));
    let ghost = send(&app, Method::PUT, "/api/finance/action/contact/999999", &admin.token, Some(json!({"notes": "x"}))).await;
    assert_eq!((ghost.status, ghost.json()), (404, json!({"error": "Student not found"})));
    let ghost_pay = app.post_json_with_token("/api/finance/record-payment", &admin.token, &json!({"student_id": 999999, "amount": 5})).await;
    assert_eq!((ghost_pay.status, ghost_pay.json()), (404, json!({"error": "Student not found"})));
    assert_eq!(app.get_with_token("/api/finance/dues?min_amount=abc", &admin.token).await.status, 400);
    assert_eq!(app.get_with_token("/api/finance/reports/status?threshold=1.234", &admin.token).await.status, 400);
    for path in ["/api/finance/unpaid-report", "/api/finance/reports/status"] {
        let res = app.get_with_token(path, &student).await;
        assert_eq!((res.status, res.json()), (403, json!({"error": "Admin access required"})), "{path}");
    }
    let not_admin = app.post_json_with_token("/api/finance/record-payment", &student, &json!({"student_id": student_id, "amount": 5})).await;
    assert_eq!(not_admin.status, 403);

    // A retried seed 002 payment with the same Idempotency-Key pays once.
    assert_eq!(app.post_json_with_token("/api/students/enroll", &student, &json!({"course_id": id})).await.status, 201);
    let pay = || {
        app.send(
            app.request(Method::POST, "/api/students/pay")
                .bearer_auth(&student)
                .header("Idempotency-Key", "phone-retry-1")
                .json(&json!({"amount": 100})),
        )
    };
    let first = pay().await;
    let again = pay().await;
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.json(), again.json());
    assert_eq!(app.get_with_token("/api/students/payments", &student).await.json()["total_paid"], 100.0);

    // A course with enrollments stays; one without is deleted.
    let spare = app
        .post_json_with_token("/api/courses", &admin.token, &json!({"course_id": "ART9", "name": "Art", "credits": 1, "total_fee": 10}))
        .await
        .json()["course_id"]
        .as_i64()
        .unwrap();
    let deleted = send(&app, Method::DELETE, &format!("/api/courses/{spare}"), &admin.token, None).await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({"msg": "Course deleted successfully", "course_id": spare})));
    assert_eq!(app.get(&format!("/api/courses/{spare}")).await.status, 404);
});

async fn enrolled(app: &TestApp, finance: &Session) -> (i64, i64) {
    let admin = app.session("admin").await;
    let student = app
        .post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Dropper"}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let course = app
        .post_json_with_token(
            "/api/v1/courses",
            &finance.token,
            &json!({"code": "DROP1", "name": "Drop", "credits": 1, "fee": 300}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let res = app
        .post_json_with_token(
            "/api/v1/enrollments",
            &finance.token,
            &json!({"student_id": student, "course_id": course}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    (student, res.json()["enrollment"]["id"].as_i64().unwrap())
}

backend_test!(async fn dropping_keeps_the_charge_by_default(app) {
    let finance = app.session("finance").await;
    let (student, enrollment) = enrolled(&app, &finance).await;
    let dropped = app.post_json_with_token(&format!("/api/v1/enrollments/{enrollment}/drop"), &finance.token, &json!({})).await;
    assert_eq!(dropped.status, 200, "{}", dropped.text);
    assert_eq!((dropped.json()["enrollment"]["status"].as_str(), dropped.json()["refund"].is_null()), (Some("DROPPED"), true));
    let balance = app.get_with_token(&format!("/api/v1/students/{student}/balance"), &finance.token).await.json();
    assert_eq!(balance["balance_cents"], 30_000);
    app.post_json_with_token(&format!("/api/v1/enrollments/{enrollment}/drop"), &finance.token, &json!({}))
        .await
        .assert_problem(409, "conflict");
    app.post_json_with_token("/api/v1/enrollments/999999/drop", &finance.token, &json!({}))
        .await
        .assert_problem(404, "not_found");
});

backend_test!(async fn dropping_with_full_refunds_reverses_the_charge(app) settings(|s| {
    s.finance.refund_on_drop = campus_config::RefundRule::Full;
}) {
    let finance = app.session("finance").await;
    let (student, enrollment) = enrolled(&app, &finance).await;
    let dropped = app.post_json_with_token(&format!("/api/v1/enrollments/{enrollment}/drop"), &finance.token, &json!({})).await;
    assert_eq!(dropped.status, 200, "{}", dropped.text);
    assert_eq!(dropped.json()["refund"]["entry"]["kind"], "reversal");
    assert_eq!(dropped.json()["refund"]["balance_cents"], 0);
    let ledger = app.get_with_token(&format!("/api/v1/students/{student}/ledger"), &finance.token).await.json();
    let amounts: Vec<i64> = ledger["entries"].as_array().unwrap().iter().map(|e| e["amount_cents"].as_i64().unwrap()).collect();
    assert_eq!(amounts, [30_000, -30_000], "the charge stays; a reversal cancels it");
});

backend_test!(async fn each_kind_of_bad_finance_and_notification_input_is_a_4xx(app) {
    let finance = app.session("finance").await;
    let user = app.session("user").await;
    let (student, _) = enrolled(&app, &finance).await;
    for (body, field) in [
        (json!({"code": "N1", "name": "N", "credits": -1, "fee": 1}), "credits"),
        (json!({"code": "N2", "name": "N", "credits": 1, "fee": 1.005}), "fee"),
        (json!({"code": "", "name": "N", "credits": 1, "fee": 1}), "code"),
    ] {
        let res = app.post_json_with_token("/api/v1/courses", &finance.token, &body).await;
        assert_eq!(res.assert_problem(422, "validation_failed")["errors"][0]["field"], field, "{body}");
    }
    app.post_json_with_token("/api/v1/enrollments", &finance.token, &json!({"student_id": student, "course_id": 999999}))
        .await
        .assert_problem(404, "not_found");
    app.get_with_token(&format!("/api/v1/students/{student}/statement?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z"), &finance.token)
        .await
        .assert_problem(422, "validation_failed");
    app.get_with_token(&format!("/api/v1/students/{student}/statement?from=yesterday"), &finance.token)
        .await
        .assert_problem(400, "invalid_query");
    let entry = app.get_with_token(&format!("/api/v1/students/{student}/ledger"), &finance.token).await.json()["entries"][0]["id"]
        .as_i64()
        .unwrap();
    app.post_json_with_token(&format!("/api/v1/ledger/{entry}/reverse"), &finance.token, &json!({"reason": "  "}))
        .await
        .assert_problem(422, "validation_failed");
    app.post_json_with_token("/api/v1/ledger/999999/reverse", &finance.token, &json!({"reason": "x"}))
        .await
        .assert_problem(404, "not_found");
    let long_key = app
        .send(
            app.request(Method::POST, &format!("/api/v1/students/{student}/payments"))
                .bearer_auth(&finance.token)
                .header("Idempotency-Key", "k".repeat(256))
                .json(&json!({"amount": 1})),
        )
        .await;
    long_key.assert_problem(400, "invalid_idempotency_key");
    app.post_json_with_token(&format!("/api/v1/students/{student}/payments"), &finance.token, &json!({"amount": 1, "status": "LOST"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post_json_with_token(&format!("/api/v1/students/{student}/payments"), &finance.token, &json!({"amount": 1, "method": "bad method!"}))
        .await
        .assert_problem(422, "validation_failed");
    let ledger = app.get_with_token(&format!("/api/v1/students/{student}/ledger"), &finance.token).await.json();
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1, "no refused request wrote an entry");

    // Notifications.
    app.post_json_with_token("/api/v1/notifications", &finance.token, &json!({"user_id": user.user_id, "role": "user", "message": "x"}))
        .await
        .assert_problem(400, "bad_request");
    app.post_json_with_token("/api/v1/notifications", &finance.token, &json!({"user_id": 999999, "message": "x"}))
        .await
        .assert_problem(404, "not_found");
    app.post_json_with_token("/api/v1/notifications", &finance.token, &json!({"user_id": user.user_id, "message": " "}))
        .await
        .assert_problem(422, "validation_failed");
    let sent = app.post_json_with_token("/api/v1/notifications", &finance.token, &json!({"user_id": user.user_id, "message": "Fees due"})).await;
    let id = sent.json()["notifications"][0]["id"].as_i64().unwrap();
    app.post_json_with_token(&format!("/api/v1/me/notifications/{id}/read"), &finance.token, &json!({}))
        .await
        .assert_problem(404, "not_found");
    let read = app.post_json_with_token(&format!("/api/v1/me/notifications/{id}/read"), &user.token, &json!({})).await;
    assert_eq!((read.status, read.json()["read"].as_bool()), (200, Some(true)));

    // Exports and the key-value store's headers.
    app.get_with_token("/api/v1/exports/students?status=expelled", &finance.token)
        .await
        .assert_problem(400, "invalid_query");
    app.get_with_token("/api/v1/exports/teachers", &finance.token)
        .await
        .assert_problem(404, "not_found");
    let both = app
        .send(
            app.request(Method::PUT, "/api/v1/kv/k")
                .bearer_auth(&user.token)
                .header("if-match", "\"1\"")
                .header("if-none-match", "*")
                .json(&json!({"value": "v"})),
        )
        .await;
    both.assert_problem(400, "invalid_precondition");
});
