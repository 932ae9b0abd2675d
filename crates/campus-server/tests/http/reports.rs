//! Reports: each kind generated on `/api/v1` with the numbers of the PDF equal to the JSON's,
//! the stored report answered for the same data, verification codes, seed 003's calls, batches
//! and every kind of bad input.

use campus_test_support::{Session, TestApp, backend_test};
use serde_json::{Value, json};

/// The text of a PDF, whitespace collapsed.
fn pdf_text(bytes: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(bytes).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn fetch_pdf(url: &str) -> Vec<u8> {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    bytes
}

/// A student with grades in two terms, attendance and an activity; a linked parent.
async fn graded_student(app: &TestApp, teacher: &Session, parent: &Session) -> i64 {
    let res = app
        .post_json_with_token(
            "/api/v1/students",
            &teacher.token,
            &json!({"name": "Ada Lovelace", "class_level": 7, "section": "B"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    for g in [
        json!({"subject": "Mathematics", "letter": "A-", "credits": 4, "term": "2026-T1"}),
        json!({"subject": "History", "score": 88, "credits": 3, "term": "2026-T1"}),
        json!({"subject": "Art", "score": 71.5, "credits": 2, "term": "2026-T2"}),
    ] {
        let res = app
            .post_json_with_token(&format!("/api/v1/students/{id}/grades"), &teacher.token, &g)
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    for (date, status) in [
        ("2026-10-01", "Present"),
        ("2026-10-02", "Absent"),
        ("2026-10-05", "Present"),
        ("2026-10-06", "Late"),
    ] {
        let res = app
            .post_json_with_token(
                &format!("/api/v1/students/{id}/attendance"),
                &teacher.token,
                &json!({"date": date, "status": status}),
            )
            .await;
        assert!(res.status == 201 || res.status == 200, "{}", res.text);
    }
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{id}/activities"),
            &teacher.token,
            &json!({"activity_name": "Chess club", "role_or_award": "Captain"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app
        .post_json_with_token(
            &format!("/api/v1/students/{id}/guardians"),
            &teacher.token,
            &json!({"user_id": parent.user_id}),
        )
        .await;
    assert!(res.status == 201 || res.status == 200, "{}", res.text);
    id
}

fn fixed(v: &Value) -> String {
    format!("{:.2}", v.as_f64().unwrap())
}

backend_test!(async fn a_progress_report_pdf_shows_the_numbers_its_json_certifies(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let id = graded_student(&app, &teacher, &parent).await;

    let res = app
        .post_json_with_token(&format!("/api/v1/students/{id}/reports"), &teacher.token, &json!({"kind": "progress", "term": "2026-T1", "comment": "Steady work."}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let created = res.json();
    let report_id = created["id"].as_i64().unwrap();
    let code = created["verification_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 19, "{code}");

    let detail = app.get_with_token(&format!("/api/v1/reports/{report_id}"), &teacher.token).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    let detail = detail.json();
    let data = &detail["data"];
    assert_eq!(data["student"]["name"], "Ada Lovelace");
    assert_eq!(data["grades"].as_array().unwrap().len(), 2, "only the term's grades");
    // (3.7 + 3.0) / 2 = 3.35; cumulative (3.7 + 3.0 + 2.0) / 3 = 2.9
    assert_eq!(data["term_gpa"]["unweighted"], 3.35);
    assert_eq!(data["cumulative_gpa"]["unweighted"], 2.9);
    assert_eq!(data["attendance"]["total"], 4);
    assert_eq!(data["attendance"]["attendance_rate"], 75.0);
    assert!(data["student"]["guardians"][0].as_str().unwrap().starts_with("Test Parent"), "{data}");

    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    let expected = [
        data["student"]["name"].as_str().unwrap().to_owned(),
        data["student"]["guardians"][0].as_str().unwrap().to_owned(),
        "Mathematics".to_owned(),
        "History".to_owned(),
        fixed(&data["term_gpa"]["unweighted"]),
        fixed(&data["cumulative_gpa"]["unweighted"]),
        format!("{}%", fixed(&data["attendance"]["attendance_rate"])),
        "Chess club".to_owned(),
        "Steady work.".to_owned(),
        code.clone(),
    ];
    for e in expected {
        assert!(text.contains(&e), "{e:?} not in the PDF: {text}");
    }
    assert!(!text.contains("Art"), "another term's grade is not on a term report: {text}");

    // The same request with the same data: the stored report (200), not a new one.
    let again = app
        .post_json_with_token(&format!("/api/v1/students/{id}/reports"), &teacher.token, &json!({"kind": "Progress", "term": "2026-T1", "comment": "Steady work."}))
        .await;
    assert_eq!((again.status, again.json()["id"].as_i64()), (200, Some(report_id)));
    // Changed data: a new report with a new code.
    app.post_json_with_token(&format!("/api/v1/students/{id}/grades"), &teacher.token, &json!({"subject": "Latin", "score": 95, "term": "2026-T1"})).await;
    let changed = app
        .post_json_with_token(&format!("/api/v1/students/{id}/reports"), &teacher.token, &json!({"kind": "progress", "term": "2026-T1", "comment": "Steady work."}))
        .await;
    assert_eq!(changed.status, 201, "{}", changed.text);
    assert_ne!(changed.json()["verification_code"], code);

    // Anyone can verify the code and sees what it certified, nothing else.
    let page = app.get(&format!("/verify/{}", code.to_lowercase())).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Progress report") && page.text.contains("Ada Lovelace"));
    assert!(page.text.contains("3.35") && page.text.contains("75.00%"), "{}", page.text);
    assert!(!page.text.contains("Mathematics"), "the page repeats figures, not the grades");
    assert_eq!(app.get("/verify/AAAA-BBBB-CCCC-DDDD").await.status, 404);
    assert_eq!(app.get("/verify/%3Cscript%3E").await.status, 404);

    // The parent reads it; the PDF route redirects to a signed link; lists show it.
    assert_eq!(app.get_with_token(&format!("/api/v1/reports/{report_id}"), &parent.token).await.status, 200);
    let list = app.get_with_token(&format!("/api/v1/students/{id}/reports"), &parent.token).await;
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client.get(app.url(&format!("/api/v1/reports/{report_id}/pdf"))).bearer_auth(&teacher.token).send().await.unwrap();
    assert_eq!(res.status(), 303);
    fetch_pdf(res.headers()["location"].to_str().unwrap()).await;
});

backend_test!(async fn achievement_reports_and_transcripts_match_their_data(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let id = graded_student(&app, &teacher, &parent).await;
    let res = app.post_json_with_token(&format!("/api/v1/students/{id}/reports"), &teacher.token, &json!({"kind": "achievement"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let detail = app.get_with_token(&format!("/api/v1/reports/{}", res.json()["id"]), &teacher.token).await.json();
    let data = &detail["data"];
    assert_eq!(data["gpa_trend"], json!([{"term": "2026-T1", "gpa": 3.35, "credits": 7.0}, {"term": "2026-T2", "gpa": 2.0, "credits": 2.0}]));
    assert_eq!(data["best_subjects"][0]["subject"], "Mathematics");
    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    for e in ["GPA by term", "2026-T1", "3.35", "2026-T2", "2.00", "2.90", "Mathematics", "Chess club", "75.00%"] {
        assert!(text.contains(e), "{e:?} not in {text}");
    }

    let res = app.post_json_with_token(&format!("/api/v1/students/{id}/reports"), &teacher.token, &json!({"kind": "transcript"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let detail = app.get_with_token(&format!("/api/v1/reports/{}", res.json()["id"]), &teacher.token).await.json();
    let data = &detail["data"];
    assert_eq!(data["terms"].as_array().unwrap().len(), 2);
    assert_eq!(data["total_credits"], 9.0);
    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    for e in ["Term 2026-T1", "Term 2026-T2", "Art", "71.5", "9.0", "2.90", "3.35"] {
        assert!(text.contains(e), "{e:?} not in {text}");
    }
});

backend_test!(async fn statements_and_receipts_print_the_ledger(app) {
    let finance = app.session("finance").await;
    let admin = app.session("admin").await;
    let res = app.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Payer"})).await;
    let sid = res.json()["id"].as_i64().unwrap();
    let course = app
        .post_json_with_token("/api/v1/courses", &finance.token, &json!({"code": "ALG1", "name": "Algebra I", "credits": 3, "fee": 500}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let res = app.post_json_with_token("/api/v1/enrollments", &finance.token, &json!({"course_id": course, "student_id": sid})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app
        .post_json_with_token(&format!("/api/v1/students/{sid}/payments"), &finance.token, &json!({"amount": "125.50", "method": "cash", "reference": "RCPT-77"}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let entry_id = res.json()["entry"]["id"].as_i64().unwrap();

    let res = app.get_with_token(&format!("/api/v1/ledger/{entry_id}/receipt"), &finance.token).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let detail = app.get_with_token(&format!("/api/v1/reports/{}", res.json()["id"]), &finance.token).await.json();
    assert_eq!(detail["data"]["amount"], json!({"minor": 12550, "text": "125.50"}));
    assert_eq!(detail["data"]["remaining_balance"]["text"], "374.50");
    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    for e in ["Payment receipt", "125.50", "374.50", "RCPT-77", &format!("Receipt number {entry_id}")] {
        assert!(text.contains(e), "{e:?} not in {text}");
    }

    let res = app.post_json_with_token(&format!("/api/v1/students/{sid}/reports"), &finance.token, &json!({"kind": "statement"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let detail = app.get_with_token(&format!("/api/v1/reports/{}", res.json()["id"]), &finance.token).await.json();
    let data = &detail["data"];
    assert_eq!(data["opening_balance"]["minor"], 0);
    assert_eq!(data["closing_balance"]["text"], "374.50");
    assert_eq!(data["entries"].as_array().unwrap().len(), 2);
    assert_eq!(data["aging"]["current"]["text"], "374.50");
    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    for e in ["Statement of account", "Opening balance", "500.00", "-125.50", "374.50", "Closing balance"] {
        assert!(text.contains(e), "{e:?} not in {text}");
    }

    // A charge is not a payment; teachers see no money.
    let charge = app.get_with_token(&format!("/api/v1/students/{sid}/ledger"), &finance.token).await.json()["entries"][0]["id"].as_i64().unwrap();
    app.get_with_token(&format!("/api/v1/ledger/{charge}/receipt"), &finance.token).await.assert_problem(422, "validation_failed");
    let teacher = app.session("teacher").await;
    app.get_with_token(&format!("/api/v1/ledger/{entry_id}/receipt"), &teacher.token).await.assert_problem(403, "forbidden");
});

backend_test!(async fn bad_report_requests_get_clear_answers(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let other_parent = app.session("parent").await;
    let id = graded_student(&app, &teacher, &parent).await;
    let path = format!("/api/v1/students/{id}/reports");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "diploma"})).await.assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "statement", "from": "2010-01-01", "to": "2026-01-01"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "progress", "from": "2026-02-01", "to": "2026-01-01"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "receipt"})).await.assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "statement", "from": "0001-01-01"})).await.assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "statement", "to": "+262142-12-31"})).await.assert_problem(422, "validation_failed");
    // A family may render a report card, but not put words in a teacher's mouth.
    let res = app.post_json_with_token(&path, &parent.token, &json!({"kind": "progress", "comment": "Recommend for a scholarship"})).await;
    assert!(res.assert_problem(422, "validation_failed").to_string().contains("comment"));
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": "progress", "term": "x".repeat(65)})).await.assert_problem(422, "validation_failed");
    app.post_json_with_token(&path, &teacher.token, &json!({"kind": 7})).await.assert_problem(422, "invalid_body");
    app.post_json_with_token("/api/v1/students/999999/reports", &teacher.token, &json!({"kind": "progress"})).await.assert_problem(404, "not_found");
    // Someone else's child: as if it did not exist.
    app.post_json_with_token(&path, &other_parent.token, &json!({"kind": "progress"})).await.assert_problem(404, "not_found");
    let created = app.post_json_with_token(&path, &teacher.token, &json!({"kind": "transcript"})).await.json();
    app.get_with_token(&format!("/api/v1/reports/{}", created["id"]), &other_parent.token).await.assert_problem(404, "not_found");
    app.get_with_token("/api/v1/reports/999999", &teacher.token).await.assert_problem(404, "not_found");

    // A term with no grades is a report that says so, not an error.
    let res = app.post_json_with_token(&path, &teacher.token, &json!({"kind": "progress", "term": "1999-T9"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let detail = app.get_with_token(&format!("/api/v1/reports/{}", res.json()["id"]), &teacher.token).await.json();
    assert_eq!(detail["data"]["notice"], "No grades are recorded for term 1999-T9.");
    let text = pdf_text(&fetch_pdf(detail["pdf_url"].as_str().unwrap()).await);
    assert!(text.contains("No grades are recorded for term 1999-T9."), "{text}");
});

backend_test!(async fn seed_003_generates_and_reads_reports(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let stranger = app.session("parent").await;
    let id = graded_student(&app, &teacher, &parent).await;
    let path = format!("/api/students/{id}/generate-report");
    let res = app.post_json_with_token(&path, &teacher.token, &json!({"type": "Achievement"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    let keys: std::collections::BTreeSet<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["generated_at", "report_id", "report_url", "student_id", "type"].into_iter().collect());
    assert_eq!((body["type"].as_str(), body["student_id"].as_i64()), (Some("Achievement"), Some(id)));
    fetch_pdf(body["report_url"].as_str().unwrap()).await;
    let res = app.post_json_with_token(&path, &teacher.token, &json!({})).await;
    assert_eq!((res.status, res.json()["type"].as_str()), (201, Some("Progress")));

    let res = app.post_json_with_token(&path, &teacher.token, &json!({"type": "Diploma"})).await;
    assert_eq!((res.status, res.json()), (400, json!({"error": "type must be Progress or Achievement"})));
    let res = app.post_json_with_token("/api/students/999999/generate-report", &teacher.token, &json!({})).await;
    assert_eq!((res.status, res.json()), (404, json!({"error": "Student not found"})));
    let res = app.post_json_with_token(&path, &parent.token, &json!({})).await;
    assert_eq!(res.status, 403, "generating is for staff");

    let rid = body["report_id"].as_i64().unwrap();
    let res = app.get_with_token(&format!("/api/reports/{rid}"), &parent.token).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let got = res.json();
    assert_eq!(got["type"], "Achievement");
    assert_eq!(got["content"]["student"]["name"], "Ada Lovelace");
    assert!(got["content"]["gpa_trend"].is_array());
    assert!(got["report_url"].as_str().unwrap().contains("/files/"));
    let res = app.get_with_token(&format!("/api/reports/{rid}"), &stranger.token).await;
    assert_eq!((res.status, res.json()), (404, json!({"error": "Report not found"})));
    let res = app.get_with_token("/api/reports/abc", &teacher.token).await;
    assert_eq!(res.status, 404);
});

backend_test!(async fn a_class_batch_renders_every_students_report(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let first = graded_student(&app, &teacher, &parent).await;
    let second = graded_student(&app, &teacher, &parent).await;
    let res = app.post_json_with_token("/api/v1/reports/batches", &teacher.token, &json!({"class_level": 7, "term": "2026-T1"})).await;
    assert_eq!(res.status, 202, "{}", res.text);
    let batch = res.json();
    assert_eq!((batch["status"].as_str(), batch["total"].as_i64()), (Some("queued"), Some(2)));
    // The worker runs on every instance; here it is driven directly, as one poll would.
    let claimed = app.state.reports().claim_batch(chrono::Utc::now().timestamp_millis(), 60_000).await.unwrap().unwrap();
    assert!(app.state.reports().claim_batch(chrono::Utc::now().timestamp_millis(), 60_000).await.unwrap().is_none(), "a claimed batch is not claimed twice");
    campus_server::reports::run_batch(&app.state, claimed).await.unwrap();
    let done = app.get_with_token(&format!("/api/v1/reports/batches/{}", batch["id"]), &teacher.token).await.json();
    assert_eq!((done["status"].as_str(), done["done"].as_i64(), done["failed"].as_i64()), (Some("done"), Some(2), Some(0)));
    for sid in [first, second] {
        let list = app.get_with_token(&format!("/api/v1/students/{sid}/reports"), &teacher.token).await.json();
        assert_eq!(list[0]["batch_id"], batch["id"]);
        assert_eq!(list[0]["params"]["term"], "2026-T1");
    }

    let res = app.post_json_with_token("/api/v1/reports/batches", &parent.token, &json!({"class_level": 7})).await;
    res.assert_problem(403, "forbidden");
    app.post_json_with_token("/api/v1/reports/batches", &teacher.token, &json!({"class_level": 12})).await.assert_problem(422, "validation_failed");
    app.post_json_with_token("/api/v1/reports/batches", &teacher.token, &json!({"class_level": 7, "kind": "statement"})).await.assert_problem(422, "validation_failed");
});

backend_test!(async fn a_batch_over_two_thousand_students_is_refused(app) {
    use campus_db::entities::students;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let teacher = app.session("teacher").await;
    let now = chrono::Utc::now();
    let rows: Vec<students::ActiveModel> = (0..2_001)
        .map(|i| students::ActiveModel {
            roll_number: Set(format!("BIG{i:05}")),
            name: Set(format!("Kid {i}")),
            class_level: Set(Some(11)),
            status: Set("active".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        students::Entity::insert_many(chunk.to_vec()).exec(app.state.db()).await.unwrap();
    }
    let res = app.post_json_with_token("/api/v1/reports/batches", &teacher.token, &json!({"class_level": 11})).await;
    let problem = res.assert_problem(422, "validation_failed");
    assert!(problem.to_string().contains("too_many_students"), "{problem}");
});
