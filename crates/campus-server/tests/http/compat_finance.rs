//! Seed 002's money endpoints (rows of seed-contracts.md) over seed 002's own demo data, and
//! seed 003's notifications.

use campus_test_support::{TestApp, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

async fn seed_002(app: &TestApp) {
    campus_domain::demo::load_demo(app.state.identity(), app.state.school())
        .await
        .unwrap();
    let created = campus_domain::demo::load_finance_demo(app.state.identity(), app.state.finance())
        .await
        .unwrap();
    assert_eq!(created.len(), 5);
}

async fn login(app: &TestApp, username: &str, password: &str) -> (String, Value) {
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let body = res.json();
    (body["access_token"].as_str().unwrap().to_owned(), body)
}

backend_test!(async fn seed_002_data_reproduces_its_documented_balances(app) {
    seed_002(&app).await;
    for (i, dues) in [5000.0, 2500.0, 6500.0, 8000.0, 2000.0].into_iter().enumerate() {
        let (_, body) = login(&app, &format!("student{}", i + 1), "pass123").await;
        assert_eq!(body["dues_balance"], dues, "student{}", i + 1);
        assert_eq!(body["is_admin"], false);
    }
    let (admin, body) = login(&app, "admin", "admin123").await;
    assert_eq!(body["is_admin"], true);
    let dues = app.get_with_token("/api/finance/dues", &admin).await.json();
    assert_eq!(dues["total_students_with_dues"], 5);
    assert_eq!(dues["total_outstanding_amount"], 24000.0);
    assert_eq!(dues["students"][0]["username"], "student4");
    assert_eq!(dues["students"][0]["dues_balance"], 8000.0);
    let filtered = app.get_with_token("/api/finance/dues?min_amount=2500&max_amount=6500&sort_by=username", &admin).await.json();
    let names: Vec<&str> = filtered["students"].as_array().unwrap().iter().map(|s| s["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["student1", "student2", "student3"]);
    let report = app.get_with_token("/api/finance/unpaid-report", &admin).await.json();
    let bucket = |b: &str| report["students_by_status"][b].as_array().unwrap().iter().map(|s| s["username"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(bucket("critical"), ["student4", "student3"]);
    assert_eq!(bucket("moderate"), ["student1", "student2", "student5"]);
    assert!(bucket("low").is_empty());
    assert_eq!(report["detailed_report"][1]["recent_payments"].as_array().unwrap().len(), 2);
    assert_eq!(report["detailed_report"][1]["enrollments"].as_array().unwrap().len(), 3);
    let status = app.get_with_token("/api/finance/reports/status?threshold=2500", &admin).await.json();
    // Seed 000's ten demo students owe nothing: they pass with student2 and student5.
    assert_eq!((status["pass_count"].as_u64(), status["fail_count"].as_u64()), (Some(12), Some(3)));
    assert_eq!(status["threshold"], 2500.0);
    assert_eq!(status["fail_students"][0]["status"], "FAIL");
    assert_eq!(status["fail_students"][0]["total_fees"], 9000.0);
});

backend_test!(async fn a_seed_002_student_enrolls_pays_and_reads_status(app) {
    let res = app.post_json("/api/auth/register", &json!({"username": "maya", "password": "Maya!pass1"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let admin = app.session("admin").await;
    let created = app
        .post_json_with_token("/api/courses", &admin.token, &json!({"course_id": "CS101", "name": "Computer Science", "credits": 4, "total_fee": 5000}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["msg"], "Course created successfully");
    let course = created.json()["course_id"].as_i64().unwrap();
    let dup = app
        .post_json_with_token("/api/courses", &admin.token, &json!({"course_id": "CS101", "name": "Again", "credits": 4, "total_fee": 1}))
        .await;
    assert_eq!((dup.status, dup.json()), (409, json!({"error": "Course ID already exists"})));
    let zero = app.post_json_with_token("/api/courses", &admin.token, &json!({"course_id": "Z", "name": "Z", "credits": 0, "total_fee": 1})).await;
    assert_eq!((zero.status, zero.json()), (400, json!({"error": "credits is required"})));
    let list = app.get("/api/courses").await.json();
    assert_eq!(list["total_courses"], 1);
    assert_eq!(list["courses"][0]["total_fee"], 5000.0);
    assert_eq!(app.get(&format!("/api/courses/{course}")).await.json()["course_id"], "CS101");
    let missing = app.get("/api/courses/9999").await;
    assert_eq!((missing.status, missing.json()), (404, json!({"error": "Course not found"})));

    let (token, _) = login(&app, "maya", "Maya!pass1").await;
    let none = app.post_json_with_token("/api/students/enroll", &token, &json!({})).await;
    assert_eq!((none.status, none.json()), (400, json!({"error": "No data provided"})));
    let enrolled = app.post_json_with_token("/api/students/enroll", &token, &json!({"course_id": course})).await;
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    let e = enrolled.json();
    assert_eq!((e["msg"].as_str(), e["course_fee"].as_f64(), e["updated_dues_balance"].as_f64()), (Some("Successfully enrolled in course"), Some(5000.0), Some(5000.0)));
    let twice = app.post_json_with_token("/api/students/enroll", &token, &json!({"course_id": course})).await;
    assert_eq!((twice.status, twice.json()), (409, json!({"error": "Student already enrolled in this course"})));

    for bad in [json!(0), json!(-1), json!("100"), json!(10.001)] {
        let res = app.post_json_with_token("/api/students/pay", &token, &json!({"amount": bad})).await;
        assert_eq!((res.status, res.json()), (400, json!({"error": "Amount must be a number greater than 0"})), "{bad}");
    }
    let over = app.post_json_with_token("/api/students/pay", &token, &json!({"amount": 6000})).await;
    assert_eq!((over.status, over.json()), (400, json!({"error": "Payment amount ($6000.00) exceeds outstanding dues ($5000.00)"})));
    let paid = app.post_json_with_token("/api/students/pay", &token, &json!({"amount": 1250.5, "payment_method": "ONLINE"})).await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    assert_eq!((paid.json()["amount"].as_f64(), paid.json()["remaining_dues"].as_f64()), (Some(1250.5), Some(3749.5)));

    let status = app.get_with_token("/api/students/status", &token).await.json();
    assert_eq!(status["dues_balance"], 3749.5);
    assert_eq!(status["total_enrolled_courses"], 1);
    assert_eq!(status["enrollments"][0]["course_id"], course);
    assert_eq!(status["enrollments"][0]["status"], "ACTIVE");
    let payments = app.get_with_token("/api/students/payments", &token).await.json();
    assert_eq!(payments["total_paid"], 1250.5);
    assert_eq!(payments["payments"][0]["payment_method"], "ONLINE");

    // Finance: record an external payment larger than the dues (kept as a credit, shown as 0).
    let maya = status["user_id"].as_i64().unwrap();
    let recorded = app
        .post_json_with_token("/api/finance/record-payment", &admin.token, &json!({"student_id": maya, "amount": 4000, "payment_method": "BANK_TRANSFER"}))
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    assert_eq!(recorded.json()["remaining_dues"], 0.0);
    assert_eq!(recorded.json()["credit_balance"], 250.5);
    // The seed never shows negative dues: 0 with the credit beside it, and an attempt to pay
    // names 0.00 as what is owed.
    let status = app.get_with_token("/api/students/status", &token).await.json();
    assert_eq!((status["dues_balance"].as_f64(), status["credit_balance"].as_f64()), (Some(0.0), Some(250.5)));
    let over = app.post_json_with_token("/api/students/pay", &token, &json!({"amount": 10})).await;
    assert_eq!((over.status, over.json()), (400, json!({"error": "Payment amount ($10.00) exceeds outstanding dues ($0.00)"})));
    let (_, login_body) = login(&app, "maya", "Maya!pass1").await;
    assert_eq!((login_body["dues_balance"].as_f64(), login_body["credit_balance"].as_f64()), (Some(0.0), Some(250.5)));
    let report = app.get_with_token("/api/finance/reports/status", &admin.token).await.json();
    let entry = report["pass_students"].as_array().unwrap().iter().find(|e| e["user_id"] == maya).unwrap().clone();
    assert_eq!((entry["dues_balance"].as_f64(), entry["credit_balance"].as_f64()), (Some(0.0), Some(250.5)));
    let missing = app.post_json_with_token("/api/finance/record-payment", &admin.token, &json!({"amount": 5})).await;
    assert_eq!((missing.status, missing.json()), (400, json!({"error": "student_id is required"})));
    let zero = app.post_json_with_token("/api/finance/record-payment", &admin.token, &json!({"student_id": maya, "amount": 0})).await;
    assert_eq!((zero.status, zero.json()), (400, json!({"error": "Amount must be greater than 0"})));
    let junk = app.post_json_with_token("/api/finance/record-payment", &admin.token, &json!({"student_id": maya, "amount": "lots"})).await;
    assert_eq!((junk.status, junk.json()), (400, json!({"error": "Invalid amount"})));
    let contact = app
        .send(app.request(Method::PUT, &format!("/api/finance/action/contact/{maya}")).bearer_auth(&admin.token).json(&json!({"contact_method": "PHONE", "notes": "called"})))
        .await;
    assert_eq!(contact.status, 201, "{}", contact.text);
    assert_eq!(contact.json()["msg"], "Contact action logged successfully");
    let admin_contact = app
        .send(app.request(Method::PUT, &format!("/api/finance/action/contact/{}", admin.user_id)).bearer_auth(&admin.token).json(&json!({"notes": "x"})))
        .await;
    assert_eq!((admin_contact.status, admin_contact.json()), (400, json!({"error": "Cannot contact admin users"})));

    // Students are not admins; courses with enrollments are not deleted.
    let forbidden = app.get_with_token("/api/finance/dues", &token).await;
    assert_eq!((forbidden.status, forbidden.json()), (403, json!({"error": "Admin access required"})));
    let delete = app.send(app.request(Method::DELETE, &format!("/api/courses/{course}")).bearer_auth(&admin.token)).await;
    assert_eq!(delete.status, 409, "{}", delete.text);
    let no_token = app.post_json("/api/students/pay", &json!({"amount": 1})).await;
    assert_eq!((no_token.status, no_token.json()["msg"].is_string()), (401, true), "{}", no_token.text);
    app.state.finance().verify().await.unwrap().is_empty().then_some(()).expect("consistent ledger");
});

backend_test!(async fn seed_003_notifications_are_sent_by_staff_and_read_by_their_user(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let other = app.session("parent").await;
    let sent = app
        .post_json_with_token("/api/notifications/send", &teacher.token, &json!({"user_ids": [parent.user_id], "message": "Report cards are out"}))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(sent.json()["message"], "Notification sent");
    assert_eq!(sent.json()["notifications"][0]["status"], "unread");
    let missing = app.post_json_with_token("/api/notifications/send", &teacher.token, &json!({"user_id": parent.user_id})).await;
    assert_eq!(missing.status, 400);
    let unknown = app.post_json_with_token("/api/notifications/send", &teacher.token, &json!({"user_id": 999_999, "message": "x"})).await;
    assert_eq!(unknown.status, 404);
    let mine = app.get_with_token(&format!("/api/notifications/{}", parent.user_id), &parent.token).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()[0]["message"], "Report cards are out");
    let theirs = app.get_with_token(&format!("/api/notifications/{}", parent.user_id), &other.token).await;
    assert_eq!(theirs.status, 403);
    let by_parent = app.post_json_with_token("/api/notifications/send", &parent.token, &json!({"user_id": other.user_id, "message": "x"})).await;
    assert_eq!(by_parent.status, 403);
});

backend_test!(async fn v1_finance_reports_in_every_format(app) {
    seed_002(&app).await;
    let finance = app.session("finance").await;
    let get = |path: String| {
        let app = &app;
        let token = finance.token.clone();
        async move { app.get_with_token(&path, &token).await }
    };
    let outstanding = get("/api/v1/finance/reports/outstanding?min_amount=2500".into()).await.json();
    let balances: Vec<f64> = outstanding["rows"].as_array().unwrap().iter().map(|r| r["balance"].as_f64().unwrap()).collect();
    assert_eq!(balances, [8000.0, 6500.0, 5000.0, 2500.0]);
    let unpaid = get("/api/v1/finance/reports/unpaid".into()).await.json();
    assert_eq!(unpaid["rows"][0]["bucket"], "critical");
    let aging = get("/api/v1/finance/reports/aging".into()).await.json();
    let total: f64 = aging["rows"].as_array().unwrap().iter().map(|r| r["days_0_30"].as_f64().unwrap()).sum();
    assert_eq!(total, 24000.0, "every charge is recent");
    let daily = get("/api/v1/finance/reports/daily".into()).await.json();
    let charges: f64 = daily["rows"].as_array().unwrap().iter().filter(|r| r["kind"] == "charge").map(|r| r["total"].as_f64().unwrap()).sum();
    assert_eq!(charges, 38500.0);
    let csv = get("/api/v1/finance/reports/pass-fail?threshold=2500&format=csv".into()).await;
    assert_eq!(csv.content_type(), "text/csv");
    assert!(csv.text.starts_with("student_id,roll_number,name,email,balance,total_fees,enrollments,last_payment_at,status\n"), "{}", csv.text);
    assert_eq!(csv.text.lines().filter(|l| l.ends_with(",FAIL")).count(), 3);
    let xlsx = get("/api/v1/finance/reports/outstanding?format=xlsx".into()).await;
    assert_eq!(xlsx.status, 200);
    get("/api/v1/finance/reports/daily?from=2026-01-02&to=2026-01-01".into()).await.assert_problem(422, "validation_failed");
    get("/api/v1/finance/reports/nope".into()).await.assert_problem(404, "not_found");
    let teacher = app.session("teacher").await;
    app.get_with_token("/api/v1/finance/reports/outstanding", &teacher.token).await.assert_problem(403, "forbidden");
});

// `finance.self_service_payments = "pending"`: a student's payment (seed 002 or v1) is a
// declaration the finance office confirms; until then the dues stand.
backend_test!(async fn declared_payments_wait_for_the_finance_office(app) settings(|s| {
    s.finance.self_service_payments = campus_config::SelfServicePayments::Pending;
}) {
    seed_002(&app).await;
    let (student, body) = login(&app, "student1", "pass123").await;
    assert_eq!(body["dues_balance"], 5000.0);
    let declared = app.post_json_with_token("/api/students/pay", &student, &json!({"amount": 1000, "reference_number": "TX-1"})).await;
    assert_eq!(declared.status, 202, "{}", declared.text);
    let d = declared.json();
    assert_eq!((d["status"].as_str(), d["amount"].as_f64(), d["remaining_dues"].as_f64()), (Some("PENDING"), Some(1000.0), Some(5000.0)));
    let status = app.get_with_token("/api/students/status", &student).await.json();
    assert_eq!(status["dues_balance"], 5000.0, "a pending declaration does not reduce the dues");
    let (clerk, _) = login(&app, "admin", "admin123").await;
    let list = app.get_with_token("/api/v1/payment-declarations?status=PENDING", &clerk).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let pending = list.json()["declarations"].as_array().unwrap().clone();
    assert_eq!(pending.len(), 1);
    let student_id = pending[0]["student_id"].as_i64().unwrap();
    // The same over v1: 202 with the declaration.
    let v1 = app.post_json_with_token(&format!("/api/v1/students/{student_id}/payments"), &student, &json!({"amount": 250})).await;
    assert_eq!(v1.status, 202, "{}", v1.text);
    assert_eq!(v1.json()["status"], "PENDING");
    // A student cannot decide, nor list everyone's.
    let first = pending[0]["id"].as_i64().unwrap();
    let own = app.post_json_with_token(&format!("/api/v1/payment-declarations/{first}/confirm"), &student, &json!({})).await;
    own.assert_problem(403, "forbidden");
    app.get_with_token("/api/v1/payment-declarations", &student).await.assert_problem(403, "forbidden");
    // The office confirms the first (the dues fall) and rejects the second (they do not).
    let confirmed = app.post_json_with_token(&format!("/api/v1/payment-declarations/{first}/confirm"), &clerk, &json!({})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.json()["status"], "CONFIRMED");
    let twice = app.post_json_with_token(&format!("/api/v1/payment-declarations/{first}/confirm"), &clerk, &json!({})).await;
    twice.assert_problem(409, "conflict");
    let second = v1.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/payment-declarations/{second}/reject");
    app.post_json_with_token(&path, &clerk, &json!({"note": ""})).await.assert_problem(422, "validation_failed");
    let rejected = app.post_json_with_token(&path, &clerk, &json!({"note": "No such transfer"})).await;
    assert_eq!(rejected.json()["status"], "REJECTED", "{}", rejected.text);
    let status = app.get_with_token("/api/students/status", &student).await.json();
    assert_eq!(status["dues_balance"], 4000.0);
    let mine = app.get_with_token(&format!("/api/v1/payment-declarations?student_id={student_id}"), &student).await.json();
    assert_eq!(mine["declarations"].as_array().unwrap().len(), 2);
});
