//! `/api/v1` school records: students, guardians, grades and GPA, attendance, and who may
//! see which child.

use campus_test_support::{Session, TestApp, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

async fn create_student(app: &TestApp, staff: &Session, body: Value) -> Value {
    let res = app
        .post_json_with_token("/api/v1/students", &staff.token, &body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> campus_test_support::TestResponse {
    app.send(app.request(Method::PATCH, path).bearer_auth(token).json(&body))
        .await
}

backend_test!(async fn teachers_record_grades_and_the_gpa_explains_itself(app) {
    let teacher = app.session("teacher").await;
    let s = create_student(&app, &teacher, json!({"name": "Arnav", "class_level": 1, "section": "A"})).await;
    assert_eq!(s["roll_number"], format!("S{:05}", s["id"].as_i64().unwrap()));
    assert_eq!(s["status"], "active");
    let id = s["id"].as_i64().unwrap();
    let path = format!("/api/v1/students/{id}/grades");
    for g in [
        json!({"subject": "Maths", "letter": "A-", "credits": 4, "term": "T1"}),
        json!({"subject": "Science", "score": 88, "credits": 3, "term": "T1"}),
        json!({"subject": "Art", "score": 55, "term": "T2"}),
    ] {
        let res = app.post_json_with_token(&path, &teacher.token, &g).await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let grades = app.get_with_token(&path, &teacher.token).await.json();
    assert_eq!(grades["grades"][0]["points"], 3.7);
    assert_eq!(grades["grades"][1]["points"], 3.0);
    let gpa = app.get_with_token(&format!("/api/v1/students/{id}/gpa"), &teacher.token).await.json();
    assert_eq!(gpa["cumulative"]["unweighted"], 2.23); // (3.7 + 3 + 0) / 3
    assert_eq!(gpa["cumulative"]["weighted"], 2.98); // (14.8 + 9 + 0) / 8 = 2.975
    assert_eq!(gpa["terms"]["T1"]["weighted"], 3.4);
    assert_eq!(gpa["subjects"][0]["subject"], "Art");

    let what_if = app
        .post_json_with_token(
            &format!("/api/v1/students/{id}/gpa/what-if"),
            &teacher.token,
            &json!({"grades": [{"replaces": grades["grades"][2]["id"], "score": 95}]}),
        )
        .await;
    assert_eq!(what_if.status, 200, "{}", what_if.text);
    assert_eq!(what_if.json()["cumulative"]["unweighted"], 3.57);
    let unchanged = app.get_with_token(&format!("/api/v1/students/{id}/gpa"), &teacher.token).await.json();
    assert_eq!(unchanged, gpa, "what-if writes nothing");
    let needed = app
        .get_with_token(&format!("/api/v1/students/{id}/gpa/needed?target=3.5&remaining_credits=8"), &teacher.token)
        .await
        .json();
    assert_eq!(needed["needed_points"], 4.03); // (3.5 * 16 - 23.8) / 8 = 4.025: unreachable
    assert_eq!(needed["reachable"], false);
    let needed = app
        .get_with_token(&format!("/api/v1/students/{id}/gpa/needed?target=3&remaining_credits=8"), &teacher.token)
        .await
        .json();
    assert_eq!(needed["reachable"], true);
});

backend_test!(async fn grade_changes_are_audited_with_before_and_after(app) {
    let admin = app.session("admin").await;
    let teacher = app.session("teacher").await;
    let s = create_student(&app, &teacher, json!({"name": "Riya"})).await;
    let g = app
        .post_json_with_token(&format!("/api/v1/students/{}/grades", s["id"]), &teacher.token, &json!({"subject": "Maths", "score": 70}))
        .await
        .json();
    let res = patch(&app, &teacher.token, &format!("/api/v1/grades/{}", g["id"]), json!({"score": 91})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["points"], 4.0);
    let audit = app.get_with_token("/api/v1/audit?action=grade.updated", &admin.token).await.json();
    let e = &audit["audit"][0];
    assert_eq!(e["before"]["score"], 70.0);
    assert_eq!(e["after"]["score"], 91.0);
    assert_eq!(e["actor_id"], teacher.user_id);
    let res = app.send(app.request(Method::DELETE, &format!("/api/v1/grades/{}", g["id"])).bearer_auth(&teacher.token)).await;
    assert_eq!(res.status, 204);
    let audit = app.get_with_token("/api/v1/audit?action=grade.deleted", &admin.token).await.json();
    assert_eq!(audit["audit"][0]["before"]["subject"], "Maths");
});

backend_test!(async fn bad_grades_dates_and_students_are_refused(app) {
    let teacher = app.session("teacher").await;
    let s = create_student(&app, &teacher, json!({"name": "Neha"})).await;
    let path = format!("/api/v1/students/{}/grades", s["id"]);
    for (body, field) in [
        (json!({"subject": "Maths", "score": 101}), "score"),
        (json!({"subject": "Maths", "letter": "E"}), "letter"),
        (json!({"subject": "Maths"}), "score"),
        (json!({"subject": " ", "score": 50}), "subject"),
        (json!({"subject": "Maths", "score": 50, "credits": -1}), "credits"),
    ] {
        let res = app.post_json_with_token(&path, &teacher.token, &body).await;
        let problem = res.assert_problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let res = app.post_json_with_token(&path, &teacher.token, &json!({"subject": "Maths", "score": 50, "graded_at": "2026-13-45"})).await;
    res.assert_problem(422, "invalid_body");
    let res = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "X", "date_of_birth": "yesterday"})).await;
    res.assert_problem(422, "invalid_body");
    let res = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "X", "class_level": 99})).await;
    assert_eq!(res.assert_problem(422, "validation_failed")["errors"][0]["field"], "class_level");
    let res = app.post_json_with_token("/api/v1/students/999999/attendance", &teacher.token, &json!({"status": "Present"})).await;
    res.assert_problem(404, "not_found");
    let res = app.post_json_with_token("/api/v1/students/999999/grades", &teacher.token, &json!({"subject": "M", "score": 1})).await;
    res.assert_problem(404, "not_found");
    let dup = json!({"name": "A", "roll_number": "R-1"});
    create_student(&app, &teacher, dup.clone()).await;
    app.post_json_with_token("/api/v1/students", &teacher.token, &dup).await.assert_problem(409, "conflict");
    app.get_with_token("/api/v1/students?status=asleep", &teacher.token).await.assert_problem(400, "invalid_query");
    app.get_with_token("/api/v1/students?sort=name", &teacher.token).await.assert_problem(400, "invalid_query");
});

backend_test!(async fn attendance_is_one_mark_per_day_with_a_summary(app) {
    let teacher = app.session("teacher").await;
    let s = create_student(&app, &teacher, json!({"name": "Tushar"})).await;
    let path = format!("/api/v1/students/{}/attendance", s["id"]);
    for (date, status) in [("2026-11-02", "present"), ("2026-11-03", "Absent"), ("2026-11-04", "Late"), ("2026-11-05", "Excused")] {
        let res = app.post_json_with_token(&path, &teacher.token, &json!({"date": date, "status": status})).await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let again = app.post_json_with_token(&path, &teacher.token, &json!({"date": "2026-11-03", "status": "Present", "note": "bus late"})).await;
    assert_eq!(again.status, 200, "re-marking updates: {}", again.text);
    assert_eq!(again.json()["status"], "Present");
    let bad = app.post_json_with_token(&path, &teacher.token, &json!({"status": "Asleep"})).await;
    assert!(bad.assert_problem(422, "validation_failed")["errors"][0]["message"].as_str().unwrap().contains("Excused"));
    let list = app.get_with_token(&format!("{path}?from=2026-11-03&to=2026-11-05"), &teacher.token).await.json();
    assert_eq!(list["records"].as_array().unwrap().len(), 3);
    let all = app.get_with_token(&path, &teacher.token).await.json();
    assert_eq!(all["summary"]["total"], 4);
    assert_eq!(all["summary"]["counts"]["present"], 2);
    assert_eq!(all["summary"]["counts"]["absent"], 0);
    assert_eq!(all["summary"]["attendance_rate"], 100.0);
});

backend_test!(async fn bulk_attendance_is_all_or_nothing(app) {
    let teacher = app.session("teacher").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(create_student(&app, &teacher, json!({"name": format!("Kid {n}"), "class_level": 3}))
            .await["id"]
            .as_i64()
            .unwrap());
    }
    let mut marks: Vec<Value> = ids.iter().map(|id| json!({"student_id": id, "status": "Present"})).collect();
    marks.push(json!({"student_id": 999999, "status": "Present"}));
    let res = app.post_json_with_token("/api/v1/attendance/bulk", &teacher.token, &json!({"date": "2026-11-20", "marks": marks})).await;
    res.assert_problem(404, "not_found");
    let first = app.get_with_token(&format!("/api/v1/students/{}/attendance", ids[0]), &teacher.token).await.json();
    assert_eq!(first["summary"]["total"], 0, "nothing was written");
    marks.pop();
    let res = app.post_json_with_token("/api/v1/attendance/bulk", &teacher.token, &json!({"date": "2026-11-20", "marks": marks})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["records"].as_array().unwrap().len(), 5);
    let empty = app.post_json_with_token("/api/v1/attendance/bulk", &teacher.token, &json!({"date": "2026-11-20", "marks": []})).await;
    empty.assert_problem(422, "validation_failed");
});

backend_test!(async fn each_role_sees_exactly_the_children_it_should(app) {
    let admin = app.session("admin").await;
    let teacher = app.session("teacher").await;
    let finance = app.session("finance").await;
    let parent = app.session("parent").await;
    let other_parent = app.session("parent").await;
    let student = app.session("student").await;
    let user = app.session("user").await;
    let own = create_student(&app, &teacher, json!({"name": "Own Kid", "user_id": student.user_id})).await["id"].as_i64().unwrap();
    let child = create_student(&app, &teacher, json!({"name": "Parent's Kid"})).await["id"].as_i64().unwrap();
    let res = app
        .post_json_with_token(&format!("/api/v1/students/{child}/guardians"), &teacher.token, &json!({"user_id": parent.user_id, "relationship": "mother"}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["guardians"][0]["relationship"], "mother");
    let twice = app.post_json_with_token(&format!("/api/v1/students/{child}/guardians"), &teacher.token, &json!({"user_id": parent.user_id})).await;
    twice.assert_problem(409, "conflict");
    let not_parent = app.post_json_with_token(&format!("/api/v1/students/{child}/guardians"), &teacher.token, &json!({"user_id": user.user_id})).await;
    not_parent.assert_problem(422, "validation_failed");
    for id in [own, child] {
        app.post_json_with_token(&format!("/api/v1/students/{id}/grades"), &teacher.token, &json!({"subject": "Maths", "score": 90})).await;
    }

    // (caller, record, grades/gpa/attendance) expected for [own, child]
    let cases: [(&str, &Session, [u16; 2], [u16; 2]); 7] = [
        ("admin", &admin, [200, 200], [200, 200]),
        ("teacher", &teacher, [200, 200], [200, 200]),
        ("finance", &finance, [200, 200], [403, 403]),
        ("parent", &parent, [404, 200], [404, 200]),
        ("other parent", &other_parent, [404, 404], [404, 404]),
        ("student", &student, [200, 404], [200, 404]),
        ("user", &user, [403, 403], [403, 403]),
    ];
    let mut failures = Vec::new();
    for (name, who, record, progress) in cases {
        for (i, id) in [own, child].into_iter().enumerate() {
            let checks = [
                (format!("/api/v1/students/{id}"), record[i]),
                (format!("/api/v1/students/{id}/guardians"), record[i]),
                (format!("/api/v1/students/{id}/grades"), progress[i]),
                (format!("/api/v1/students/{id}/gpa"), progress[i]),
                (format!("/api/v1/students/{id}/attendance"), progress[i]),
            ];
            for (path, expected) in checks {
                let status = app.get_with_token(&path, &who.token).await.status;
                if status != expected {
                    failures.push(format!("{name} GET {path}: {status}, expected {expected}"));
                }
            }
        }
    }
    // Writes: staff only; deletes: admins only.
    for (name, who, write, delete) in [
        ("teacher", &teacher, 201, 403),
        ("finance", &finance, 403, 403),
        ("parent", &parent, 403, 403),
        ("student", &student, 403, 403),
        ("user", &user, 403, 403),
    ] {
        let status = app.post_json_with_token(&format!("/api/v1/students/{child}/grades"), &who.token, &json!({"subject": "Art", "score": 1})).await.status;
        if status != write {
            failures.push(format!("{name} POST grade: {status}, expected {write}"));
        }
        let status = app.send(app.request(Method::DELETE, &format!("/api/v1/students/{child}")).bearer_auth(&who.token)).await.status;
        if status != delete {
            failures.push(format!("{name} DELETE student: {status}, expected {delete}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let listed = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let body = app.get_with_token("/api/v1/students", &token).await.json();
            body["students"].as_array().map(|a| a.iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>())
        }
    };
    assert_eq!(listed(&parent.token).await, Some(vec![child]));
    assert_eq!(listed(&other_parent.token).await, Some(vec![]));
    assert_eq!(listed(&student.token).await, Some(vec![own]));
    assert_eq!(listed(&teacher.token).await.map(|v| v.len()), Some(2));
    assert_eq!(app.get_with_token("/api/v1/students", &user.token).await.status, 403);
    app.get("/api/v1/students").await.assert_problem(401, "token_missing");

    let viewed = app.get_with_token(&format!("/api/v1/audit?action=student.viewed&target_id={child}"), &admin.token).await.json();
    let viewers: Vec<i64> = viewed["audit"].as_array().unwrap().iter().map(|e| e["actor_id"].as_i64().unwrap()).collect();
    assert!(viewers.contains(&finance.user_id) && viewers.contains(&teacher.user_id), "{viewers:?}");
    assert!(!viewers.contains(&parent.user_id));

    let res = app.send(app.request(Method::DELETE, &format!("/api/v1/students/{child}/guardians/{}", parent.user_id)).bearer_auth(&teacher.token)).await;
    assert_eq!(res.status, 204);
    assert_eq!(app.get_with_token(&format!("/api/v1/students/{child}"), &parent.token).await.status, 404);
    let res = app.send(app.request(Method::DELETE, &format!("/api/v1/students/{child}")).bearer_auth(&admin.token)).await;
    assert_eq!(res.status, 204);
    assert_eq!(app.get_with_token(&format!("/api/v1/students/{child}/grades"), &admin.token).await.status, 404);
});

backend_test!(async fn student_list_filters_and_pages(app) {
    let teacher = app.session("teacher").await;
    for (name, class, section) in [("Aman", 3, "A"), ("Amrita", 3, "B"), ("Kriti", 2, "A"), ("Am_x", 3, "A")] {
        create_student(&app, &teacher, json!({"name": name, "class_level": class, "section": section})).await;
    }
    let res = app.get_with_token("/api/v1/students?class_level=3&section=A", &teacher.token).await.json();
    let names: Vec<&str> = res["students"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Aman", "Am_x"]);
    let res = app.get_with_token("/api/v1/students?name=Am_", &teacher.token).await.json();
    assert_eq!(res["students"].as_array().unwrap().len(), 1, "_ is literal");
    let page = app.get_with_token("/api/v1/students?limit=3", &teacher.token).await.json();
    assert_eq!(page["students"].as_array().unwrap().len(), 3);
    let cursor = page["meta"]["next_cursor"].as_str().unwrap();
    let rest = app.get_with_token(&format!("/api/v1/students?limit=3&cursor={cursor}"), &teacher.token).await.json();
    assert_eq!(rest["students"].as_array().unwrap().len(), 1);
    assert!(rest["meta"]["next_cursor"].is_null());
    let res = patch(&app, &teacher.token, &format!("/api/v1/students/{}", page["students"][0]["id"]), json!({"status": "graduated", "section": null})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["section"], Value::Null);
    let grads = app.get_with_token("/api/v1/students?status=graduated", &teacher.token).await.json();
    assert_eq!(grads["students"].as_array().unwrap().len(), 1);
});

backend_test!(async fn concurrent_marks_of_the_same_day_all_succeed_with_one_record(app) {
    let teacher = app.session("teacher").await;
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(create_student(&app, &teacher, json!({"name": format!("Kid {n}")})).await["id"].as_i64().unwrap());
    }
    let path = format!("/api/v1/students/{}/attendance", ids[0]);
    let bodies: Vec<Value> = (0..16)
        .map(|i| json!({"date": "2026-11-21", "status": if i % 2 == 0 { "Present" } else { "Late" }}))
        .collect();
    let single = bodies.iter().map(|b| app.post_json_with_token(&path, &teacher.token, b));
    let marks: Vec<Value> = ids.iter().map(|id| json!({"student_id": id, "status": "Present"})).collect();
    let body = json!({"date": "2026-11-21", "marks": marks});
    let bulk = (0..8).map(|_| app.post_json_with_token("/api/v1/attendance/bulk", &teacher.token, &body));
    let (singles, bulks) = tokio::join!(futures_util::future::join_all(single), futures_util::future::join_all(bulk));
    let created = singles.iter().filter(|r| r.status == 201).count();
    for r in singles.iter().chain(bulks.iter()) {
        assert!(r.status == 200 || r.status == 201, "{} {}", r.status, r.text);
    }
    assert!(created <= 1, "at most one request created the record");
    let list = app.get_with_token(&path, &teacher.token).await.json();
    assert_eq!(list["summary"]["total"], 1, "one record per student and day: {list}");
});
