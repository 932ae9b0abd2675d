//! Seed 000 data endpoints, row by row from shared/docs/seed-contracts.md, over students and
//! grades recorded through `/api/v1`.

use campus_test_support::{Session, TestApp, backend_test};
use serde_json::{Value, json};

async fn seed(app: &TestApp) -> Session {
    let teacher = app.session("teacher").await;
    for (roll, name, subject, class, marks) in campus_domain::demo::NURTURE_MARKS {
        let s = app
            .post_json_with_token(
                "/api/v1/students",
                &teacher.token,
                &json!({"roll_number": roll.to_string(), "name": name, "class_level": class}),
            )
            .await
            .json();
        let res = app
            .post_json_with_token(
                &format!("/api/v1/students/{}/grades", s["id"]),
                &teacher.token,
                &json!({"subject": subject, "score": marks}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    teacher
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let res = match token {
        Some(t) => app.get_with_token(path, t).await,
        None => app.get(path).await,
    };
    (res.status, res.json())
}

backend_test!(async fn column_queries_and_the_catch_all_precedence(app) {
    let t = seed(&app).await;
    let tok = Some(t.token.as_str());
    let (status, body) = get(&app, "/subject?params=Science", tok).await;
    assert_eq!(status, 200, "{body}");
    let rows = body["subject=Science"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], json!({"roll": 101, "name": "Arnav", "subject": "Science", "class": 1, "marks": 88}));
    let (status, body) = get(&app, "/CLASS?params=1", tok).await;
    assert_eq!(status, 200);
    assert_eq!(body["class=1"].as_array().unwrap().len(), 4, "case-insensitive column, integer match");
    assert_eq!(get(&app, "/subject?params=science", tok).await.0, 404, "subject match is case-sensitive");
    assert_eq!(get(&app, "/subject?params=Art", tok).await, (404, json!({"message": "No data found for subject = Art"})));
    assert_eq!(get(&app, "/class?params=one", tok).await.0, 404);
    assert_eq!(get(&app, "/subject", tok).await, (400, json!({"error": "Missing 'params' query"})));
    assert_eq!(
        get(&app, "/colour?params=red", tok).await,
        (400, json!({"error": "'colour' is not a valid column. Valid: ['roll', 'name', 'subject', 'class', 'marks']"}))
    );
    assert_eq!(get(&app, "/favicon.ico", None).await.0, 404, "stray paths are 404, not 400");
    // Literal routes win over the catch-all.
    assert_eq!(app.get("/healthz").await.json()["status"], "ok");
    assert_eq!(app.get("/api/health").await.status, 200);
    let res = app.post_json("/anything", &json!({})).await;
    assert_eq!(res.status, 404);
    // Children's marks need a staff token.
    assert_eq!(get(&app, "/subject?params=Science", None).await, (401, json!({"error": "Missing Authorization Header"})));
    let parent = app.session("parent").await;
    assert_eq!(get(&app, "/subject?params=Science", Some(&parent.token)).await.0, 403);
});

backend_test!(async fn filter_by_class_and_subject(app) {
    let t = seed(&app).await;
    let tok = Some(t.token.as_str());
    let (status, body) = get(&app, "/filter?params=1_Science", tok).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["class=1_subject=Science"].as_array().unwrap().len(), 3);
    assert_eq!(get(&app, "/filter?params=3_Science", tok).await, (404, json!({"message": "No records for Class 3, Subject Science"})));
    assert_eq!(get(&app, "/filter?params=1Science", tok).await, (400, json!({"error": "Expected: class_subject (e.g. 1_Science)"})));
    assert_eq!(get(&app, "/filter", tok).await.0, 400);
    let (status, body) = get(&app, "/filter?params=2_Maths_Extra", tok).await;
    assert_eq!((status, body), (404, json!({"message": "No records for Class 2, Subject Maths_Extra"})), "split at the first underscore");
});

backend_test!(async fn kv_lists_column_values_then_added_ones(app) {
    let t = seed(&app).await;
    let (status, body) = get(&app, "/kv/subject", None).await;
    assert_eq!((status, body), (200, json!({"subject": ["Science", "English", "Maths"]})));
    let res = app.post_json_with_token("/kv/Subject", &t.token, &json!({"values": [" SANSKRIT ", "ART", "", "Maths"]})).await;
    assert_eq!((res.status, res.json()), (200, json!({"subject": ["Science", "English", "Maths", "SANSKRIT", "ART"]})));
    let res = app.post_json_with_token("/kv/class", &t.token, &json!({"value": 4})).await;
    assert_eq!(res.json(), json!({"class": ["1", "2", "3", "4"]}));
    let res = app.post_json_with_token("/kv/class", &t.token, &json!({"other": 1})).await;
    assert_eq!((res.status, res.json()), (400, json!({"error": "Send JSON with 'value' or 'values' (list)."})));
    let res = app.post_json_with_token("/kv/colour", &t.token, &json!({"value": "red"})).await;
    assert_eq!(res.status, 400);
    assert_eq!(app.post_json("/kv/class", &json!({"value": 5})).await.status, 401, "writes need a token");
    let student = app.session("student").await;
    assert_eq!(app.post_json_with_token("/kv/class", &student.token, &json!({"value": 5})).await.status, 403);
    assert_eq!(get(&app, "/kv/name", None).await.0, 401, "names are personal");
    let (_, names) = get(&app, "/kv/name", Some(&t.token)).await;
    assert_eq!(names["name"].as_array().unwrap().len(), 10);
});

backend_test!(async fn kvdoc_documents_and_line_edits(app) {
    let t = seed(&app).await;
    assert_eq!(get(&app, "/kvdoc/APP_INTRO", None).await, (404, json!({"error": "No value found for key 'APP_INTRO'"})));
    let intro = "Hello! This is your app intro.\r\nYou can edit any line via the kvdoc API.";
    let res = app.post_json_with_token("/kvdoc/APP_INTRO", &t.token, &json!({"set_text": intro})).await;
    assert_eq!((res.status, res.json()), (200, json!({"message": "Document updated", "key": "APP_INTRO", "line_count": 2})));
    let (status, doc) = get(&app, "/kvdoc/APP_INTRO", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["text"], "Hello! This is your app intro.\nYou can edit any line via the kvdoc API.");
    assert_eq!(doc["lines"][1], "You can edit any line via the kvdoc API.");
    assert_eq!(get(&app, "/kvdoc/app_intro_line2", None).await, (200, json!({"key": "APP_INTRO_LINE2", "line": 2, "text": "You can edit any line via the kvdoc API."})));
    assert_eq!(get(&app, "/kvdoc/APP_INTRO_LINE9", None).await, (404, json!({"error": "Line 9 not found for key 'APP_INTRO'"})));
    assert_eq!(get(&app, "/kvdoc/app_intro", None).await.0, 404, "without a suffix the key is case-sensitive");

    let res = app.post_json_with_token("/kvdoc/APP_INTRO_LINE1", &t.token, &json!({"text": "Welcome!"})).await;
    assert_eq!(
        res.json(),
        json!({"message": "Document updated", "operation": "line_replaced", "key": "APP_INTRO", "line": 1, "new_line_text": "Welcome!"})
    );
    let res = app.post_json_with_token("/kvdoc/APP_INTRO", &t.token, &json!({"line": 1, "text": " Campus", "insert_at": 7})).await;
    assert_eq!(res.json()["operation"], "inserted_into_line");
    assert_eq!(res.json()["new_line_text"], "Welcome Campus!");
    let res = app.post_json_with_token("/kvdoc/APP_INTRO", &t.token, &json!({"line": 4, "text": "four"})).await;
    assert_eq!(res.status, 200);
    assert_eq!(get(&app, "/kvdoc/APP_INTRO", None).await.1["lines"], json!(["Welcome Campus!", "You can edit any line via the kvdoc API.", "", "four"]));
    for bad in [json!({"text": "x"}), json!({"line": 0, "text": "x"})] {
        let res = app.post_json_with_token("/kvdoc/APP_INTRO", &t.token, &bad).await;
        assert_eq!((res.status, res.json()), (400, json!({"error": "Provide a valid 1-based 'line' or use _LINEX in URL"})));
    }
    let res = app.post_json_with_token("/kvdoc/APP_INTRO", &t.token, &json!({"line": 2_000_000, "text": "x"})).await;
    assert_eq!(res.status, 400, "line numbers are bounded");
    assert_eq!(app.post_json("/kvdoc/APP_INTRO", &json!({"set_text": "pwned"})).await.status, 401);
});

backend_test!(async fn v1_lookups_documents_marks_and_activities(app) {
    let t = seed(&app).await;
    let res = app.get_with_token("/api/v1/marks?subject=Maths&class_level=2", &t.token).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["marks"].as_array().unwrap().len(), 2);
    app.get_with_token("/api/v1/marks?colour=red", &t.token).await.assert_problem(400, "invalid_query");
    let user = app.session("user").await;
    app.get_with_token("/api/v1/marks", &user.token).await.assert_problem(403, "forbidden");
    let res = app.get_with_token("/api/v1/lookups/class_level", &user.token).await;
    assert_eq!(res.json(), json!({"column": "class", "values": ["1", "2", "3"]}));
    app.get_with_token("/api/v1/lookups/name", &user.token).await.assert_problem(403, "forbidden");
    app.get_with_token("/api/v1/lookups/colour", &t.token).await.assert_problem(400, "unknown_column");
    let res = app.send(app.request(reqwest::Method::PUT, "/api/v1/documents/RULES").bearer_auth(&t.token).json(&json!({"text": "a\nb"}))).await;
    assert_eq!(res.json()["line_count"], 2);
    let res = app.send(app.request(reqwest::Method::PATCH, "/api/v1/documents/RULES/lines/2").bearer_auth(&t.token).json(&json!({"text": "B"}))).await;
    assert_eq!(res.json()["document"]["text"], "a\nB");
    let big = "x".repeat(300 * 1024);
    let res = app.send(app.request(reqwest::Method::PUT, "/api/v1/documents/BIG").bearer_auth(&t.token).json(&json!({"text": big}))).await;
    res.assert_problem(422, "validation_failed");

    let students = app.get_with_token("/api/v1/students?limit=1", &t.token).await.json();
    let id = students["students"][0]["id"].as_i64().unwrap();
    let res = app.post_json_with_token(&format!("/api/v1/students/{id}/activities"), &t.token, &json!({"activity_name": "Chess club", "role_or_award": "Captain"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let aid = res.json()["id"].as_i64().unwrap();
    let list = app.get_with_token(&format!("/api/v1/students/{id}/activities"), &t.token).await.json();
    assert_eq!(list["activities"][0]["role_or_award"], "Captain");
    let res = app.send(app.request(reqwest::Method::DELETE, &format!("/api/v1/activities/{aid}")).bearer_auth(&user.token)).await;
    assert_eq!(res.status, 403);
    let res = app.send(app.request(reqwest::Method::DELETE, &format!("/api/v1/activities/{aid}")).bearer_auth(&t.token)).await;
    assert_eq!(res.status, 204);
});

backend_test!(async fn demo_data_reproduces_the_seed_000_examples(app) {
    let report = campus_domain::demo::load_demo(app.state.identity(), app.state.school()).await.unwrap();
    assert_eq!(report.students_created, 10);
    assert_eq!(get(&app, "/kv/subject", None).await.1, json!({"subject": ["Science", "English", "Maths", "SANSKRIT", "ART"]}));
    assert_eq!(get(&app, "/kv/class", None).await.1, json!({"class": ["1", "2", "3", "4", "5"]}));
    assert_eq!(get(&app, "/kvdoc/APP_INTRO", None).await.1["line_count"], 2);
    let again = campus_domain::demo::load_demo(app.state.identity(), app.state.school()).await.unwrap();
    assert!(again.already_loaded);
    // The demo parent sees exactly their child, Arnav.
    let parent = app.post_json("/api/v1/auth/login", &json!({"login": "parent", "password": "Parent!2026"})).await.json();
    let kids = app.get_with_token("/api/v1/students", parent["access_token"].as_str().unwrap()).await.json();
    assert_eq!(kids["students"].as_array().unwrap().len(), 1);
    assert_eq!(kids["students"][0]["name"], "Arnav");
    let admin = app.post_json("/api/auth/login", &json!({"username": "admin", "password": "admin123"})).await;
    assert_eq!(admin.status, 200, "seed 002's documented admin works: {}", admin.text);
});
