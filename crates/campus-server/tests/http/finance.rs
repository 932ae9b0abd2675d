//! `/api/v1` finance: courses, enrollment with its charge, payments, the ledger and its
//! balance, idempotency, concurrency, bad amounts, and a failure injected mid-transaction.

use campus_test_support::{Session, TestApp, backend_test};

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

async fn course(app: &TestApp, staff: &Session, code: &str, fee: Value) -> i64 {
    let res = app
        .post_json_with_token(
            "/api/v1/courses",
            &staff.token,
            &json!({"code": code, "name": format!("Course {code}"), "credits": 3, "fee": fee}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_i64().unwrap()
}

async fn student_for(app: &TestApp) -> i64 {
    let admin = app.session("admin").await;
    let res = app
        .post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Payer"}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_i64().unwrap()
}

async fn balance(app: &TestApp, token: &str, student: i64) -> i64 {
    let res = app
        .get_with_token(&format!("/api/v1/students/{student}/balance"), token)
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["balance_cents"].as_i64().unwrap()
}

async fn verify(app: &TestApp) {
    let bad = app.state.finance().verify().await.unwrap();
    assert!(bad.is_empty(), "balances differ from ledger sums: {bad:?}");
}

backend_test!(async fn a_student_enrolls_pays_and_reads_a_consistent_ledger(app) {
    let finance = app.session("finance").await;
    let student = app.session("student").await;
    let cs = course(&app, &finance, "CS101", json!(5000)).await;
    let res = app.post_json_with_token("/api/v1/enrollments", &student.token, &json!({"course_id": cs})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let receipt = res.json();
    assert_eq!(receipt["charge"]["amount_cents"], 500_000);
    assert_eq!(receipt["balance_cents"], 500_000);
    let sid = receipt["enrollment"]["student_id"].as_i64().unwrap();
    let again = app.post_json_with_token("/api/v1/enrollments", &student.token, &json!({"course_id": cs})).await;
    again.assert_problem(409, "conflict");

    // Fee changes do not touch the enrollment's snapshot.
    let patched = app
        .send(app.request(Method::PATCH, &format!("/api/v1/courses/{cs}")).bearer_auth(&finance.token).json(&json!({"fee": "6000.50"})))
        .await;
    assert_eq!(patched.json()["fee_cents"], 600_050);

    let pay = |amount: Value| {
        let token = student.token.clone();
        let app = &app;
        async move {
            app.post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &token, &json!({"amount": amount, "method": "online"}))
                .await
        }
    };
    let paid = pay(json!("1200.25")).await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    assert_eq!(paid.json()["entry"]["amount_cents"], -120_025);
    assert_eq!(paid.json()["entry"]["method"], "ONLINE");
    assert_eq!(paid.json()["balance_cents"], 379_975);
    let over = pay(json!(4000)).await;
    let body = over.assert_problem(422, "overpayment");
    assert_eq!(body["detail"], "Payment amount ($4000.00) exceeds outstanding dues ($3799.75)");
    for bad in [json!(0), json!(-5), json!("abc"), json!(10.005), json!(1e30), json!(null), json!("9223372036854775808")] {
        let res = pay(bad.clone()).await;
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "amount", "{bad}");
    }
    assert_eq!(balance(&app, &student.token, sid).await, 379_975, "refused payments wrote nothing");

    let ledger = app.get_with_token(&format!("/api/v1/students/{sid}/ledger"), &student.token).await.json();
    let kinds: Vec<&str> = ledger["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["charge", "payment"]);
    let statement = app.get_with_token(&format!("/api/v1/students/{sid}/statement"), &student.token).await.json();
    assert_eq!((statement["opening_balance_cents"].as_i64(), statement["closing_balance_cents"].as_i64()), (Some(0), Some(379_975)));
    let later = app
        .get_with_token(&format!("/api/v1/students/{sid}/statement?from=2099-01-01T00:00:00Z"), &student.token)
        .await
        .json();
    assert_eq!(later["opening_balance_cents"], 379_975);
    assert_eq!(later["entries"].as_array().unwrap().len(), 0);

    // Finance staff reverse the payment; a second reversal is refused.
    let entry = paid.json()["entry"]["id"].as_i64().unwrap();
    let rev = app.post_json_with_token(&format!("/api/v1/ledger/{entry}/reverse"), &finance.token, &json!({"reason": "bounced"})).await;
    assert_eq!(rev.status, 201, "{}", rev.text);
    assert_eq!(rev.json()["balance_cents"], 500_000);
    app.post_json_with_token(&format!("/api/v1/ledger/{entry}/reverse"), &finance.token, &json!({"reason": "again"}))
        .await
        .assert_problem(409, "conflict");
    app.post_json_with_token(&format!("/api/v1/ledger/{entry}/reverse"), &student.token, &json!({"reason": "mine"}))
        .await
        .assert_problem(403, "forbidden");

    // Money history makes the course and the student undeletable.
    app.send(app.request(Method::DELETE, &format!("/api/v1/courses/{cs}")).bearer_auth(&finance.token))
        .await
        .assert_problem(409, "conflict");
    let admin = app.session("admin").await;
    app.send(app.request(Method::DELETE, &format!("/api/v1/students/{sid}")).bearer_auth(&admin.token))
        .await
        .assert_problem(409, "conflict");

    let notes = app.get_with_token("/api/v1/me/notifications", &student.token).await.json();
    let kinds: Vec<&str> = notes["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["PAYMENT_RECEIVED", "FINANCE_ALERT", "ENROLLMENT"]);
    let read = app.post_json_with_token("/api/v1/me/notifications/read-all", &student.token, &json!({})).await;
    assert_eq!(read.json()["marked_read"], 3);
    let unread = app.get_with_token("/api/v1/me/notifications?unread=true", &student.token).await.json();
    assert_eq!(unread["notifications"].as_array().unwrap().len(), 0);
    verify(&app).await;
});

backend_test!(async fn an_idempotency_key_gives_one_effect_and_the_first_response(app) {
    let finance = app.session("finance").await;
    let sid = student_for(&app).await;
    let path = format!("/api/v1/students/{sid}/payments");
    let send = |key: &'static str, amount: i64| {
        let app = &app;
        let token = finance.token.clone();
        let path = path.clone();
        async move {
            app.send(
                app.request(Method::POST, &path)
                    .bearer_auth(token)
                    .header("Idempotency-Key", key)
                    .json(&json!({"amount": amount})),
            )
            .await
        }
    };
    let first = send("pay-1", 100).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = send("pay-1", 100).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.json(), first.json());
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    send("pay-1", 200).await.assert_problem(422, "idempotency_key_reused");

    // 50 concurrent retries of one request: one entry, 50 identical responses.
    let responses = join_all((0..50).map(|_| send("pay-2", 7))).await;
    let bodies: Vec<Value> = responses.iter().map(|r| {
        assert_eq!(r.status, 201, "{}", r.text);
        r.json()
    }).collect();
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every response is the first one");
    let ledger = app.get_with_token(&format!("/api/v1/students/{sid}/ledger?limit=500"), &finance.token).await.json();
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 2, "pay-1 once, pay-2 once");
    assert_eq!(balance(&app, &finance.token, sid).await, -10_700);
    verify(&app).await;
});

backend_test!(async fn two_hundred_concurrent_payments_through_two_instances_lose_nothing(app) {
    let finance = app.session("finance").await;
    let sid = student_for(&app).await;
    let cs = course(&app, &finance, "BIG1", json!(500)).await;
    let res = app.post_json_with_token("/api/v1/enrollments", &finance.token, &json!({"student_id": sid, "course_id": cs})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let sibling = app.spawn_sibling(|_| {}).await;
    let urls = [app.url(&format!("/api/v1/students/{sid}/payments")), sibling.url(&format!("/api/v1/students/{sid}/payments"))];
    let results = join_all((0..200).map(|i| {
        let request = app.client.post(&urls[i % 2]).bearer_auth(&finance.token).json(&json!({"amount": 1}));
        async move { request.send().await.map(|r| r.status().as_u16()) }
    }))
    .await;
    let statuses: Vec<u16> = results.into_iter().map(|r| r.unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "every payment succeeded: {statuses:?}");
    assert_eq!(balance(&app, &finance.token, sid).await, 50_000 - 200 * 100);
    let ledger = app.get_with_token(&format!("/api/v1/students/{sid}/ledger?limit=500"), &finance.token).await.json();
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 201);
    verify(&app).await;
});

backend_test!(async fn a_failure_after_the_entry_insert_leaves_nothing(app) {
    let finance = app.session("finance").await;
    let sid = student_for(&app).await;
    let ok = app.post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &finance.token, &json!({"amount": 1})).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    // The balance row exists now, so the next payment inserts its entry and then updates the
    // balance, which a trigger makes fail.
    use campus_db::sea_orm::ConnectionTrait;
    let db = app.state.db();
    let statements: &[&str] = match db.get_database_backend() {
        campus_db::sea_orm::DbBackend::Sqlite => &[
            "CREATE TRIGGER fail_balance BEFORE UPDATE ON student_balances BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
        campus_db::sea_orm::DbBackend::Postgres => &[
            "CREATE FUNCTION fail_balance() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_balance BEFORE UPDATE ON student_balances FOR EACH ROW EXECUTE FUNCTION fail_balance()",
        ],
        _ => &[
            "CREATE TRIGGER fail_balance BEFORE UPDATE ON student_balances FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'",
        ],
    };
    for s in statements {
        db.execute_unprepared(s).await.unwrap();
    }
    let failed = app.post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &finance.token, &json!({"amount": 5})).await;
    failed.assert_problem(500, "internal_error");
    db.execute_unprepared("DROP TRIGGER fail_balance ON student_balances").await.or(db.execute_unprepared("DROP TRIGGER fail_balance").await).unwrap();
    let ledger = app.get_with_token(&format!("/api/v1/students/{sid}/ledger"), &finance.token).await.json();
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1, "the entry of the failed payment was rolled back");
    assert_eq!(balance(&app, &finance.token, sid).await, -100);
    let notes = app.state.notifications().list(&campus_domain::identity::Principal::acting_as(finance.user_id, campus_domain::identity::Role::Finance), false, campus_domain::pagination::PageRequest::parse(None, None).unwrap()).await.unwrap();
    assert!(notes.items.is_empty());
    verify(&app).await;
});

backend_test!(async fn who_may_touch_whose_money(app) {
    let finance = app.session("finance").await;
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let student = app.session("student").await;
    let other = app.session("student").await;
    let cs = course(&app, &finance, "ART1", json!(100)).await;
    let res = app.post_json_with_token("/api/v1/enrollments", &student.token, &json!({"course_id": cs})).await;
    let sid = res.json()["enrollment"]["student_id"].as_i64().unwrap();
    let admin = app.session("admin").await;
    let link = app
        .post_json_with_token(&format!("/api/v1/students/{sid}/guardians"), &admin.token, &json!({"user_id": parent.user_id}))
        .await;
    assert!(link.status < 300, "{}", link.text);
    assert_eq!(balance(&app, &parent.token, sid).await, 10_000, "a parent reads their child's balance");
    app.post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &parent.token, &json!({"amount": 1}))
        .await
        .assert_problem(403, "forbidden");
    for path in ["balance", "ledger", "statement", "enrollments"] {
        app.get_with_token(&format!("/api/v1/students/{sid}/{path}"), &teacher.token)
            .await
            .assert_problem(403, "forbidden");
        app.get_with_token(&format!("/api/v1/students/{sid}/{path}"), &other.token)
            .await
            .assert_problem(404, "not_found");
    }
    app.post_json_with_token("/api/v1/courses", &teacher.token, &json!({"code": "X", "name": "X", "credits": 1, "fee": 1}))
        .await
        .assert_problem(403, "forbidden");
    app.post_json_with_token(&format!("/api/v1/students/{sid}/contact"), &student.token, &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let contact = app.post_json_with_token(&format!("/api/v1/students/{sid}/contact"), &finance.token, &json!({"method": "phone"})).await;
    assert_eq!(contact.status, 201, "{}", contact.text);
    assert_eq!(app.get("/api/v1/courses").await.json()["courses"][0]["code"], "ART1", "the catalogue is public");
    let sent = app
        .post_json_with_token("/api/v1/notifications", &teacher.token, &json!({"role": "parent", "message": "Sports day on Friday"}))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(sent.json()["sent"], 1);
    app.post_json_with_token("/api/v1/notifications", &student.token, &json!({"user_id": other.user_id, "message": "hi"}))
        .await
        .assert_problem(403, "forbidden");
});
