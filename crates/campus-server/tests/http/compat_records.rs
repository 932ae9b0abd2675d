//! Seed 003 school records, row by row from shared/docs/seed-contracts.md.

use campus_test_support::backend_test;
use reqwest::Method;
use serde_json::{Value, json};

backend_test!(async fn achievement_students_grades_gpa_and_attendance(app) {
    let teacher = app.session("teacher").await;
    let parent = app.session("parent").await;
    let student_user = app.session("student").await;
    let user = app.session("user").await;

    // POST /api/students: by user_id (name taken from the account) or by name.
    let res = app.post_json_with_token("/api/students", &teacher.token, &json!({"user_id": student_user.user_id, "date_of_birth": "2012-04-01", "gender": "F", "guardian_name": "Mum"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let s = res.json();
    for key in ["student_id", "user_id", "name", "email", "date_of_birth", "gender", "address", "contact_number", "guardian_name", "guardian_contact", "created_at", "updated_at"] {
        assert!(s.get(key).is_some(), "{key} in {s}");
    }
    assert_eq!(s["email"], student_user.email);
    assert_eq!(s["date_of_birth"], "2012-04-01");
    let sid = s["student_id"].as_i64().unwrap();
    let res = app.post_json_with_token("/api/students", &teacher.token, &json!({"user_id": student_user.user_id})).await;
    assert_eq!((res.status, res.json()), (409, json!({"error": "User already has a student profile"})));
    let res = app.post_json_with_token("/api/students", &teacher.token, &json!({"user_id": 987654})).await;
    assert_eq!((res.status, res.json()), (404, json!({"error": "User not found"})));
    let res = app.post_json_with_token("/api/students", &teacher.token, &json!({"name": "Kid", "date_of_birth": "01/02/2012"})).await;
    assert_eq!(res.status, 400);
    assert!(res.json()["error"].as_str().unwrap().contains("YYYY-MM-DD"));
    let other = app.post_json_with_token("/api/students", &teacher.token, &json!({"name": "Other Kid"})).await.json();

    // Lists: staff only, plain array.
    let list = app.get_with_token("/api/students", &teacher.token).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    let res = app.get_with_token("/api/students", &parent.token).await;
    assert_eq!((res.status, res.json()["error"].is_string()), (403, true));

    // GET one: staff, self; an unrelated parent or user gets nothing.
    assert_eq!(app.get_with_token(&format!("/api/students/{sid}"), &student_user.token).await.status, 200);
    assert_eq!(app.get_with_token(&format!("/api/students/{}", other["student_id"]), &student_user.token).await.status, 404);
    let res = app.get_with_token(&format!("/api/students/{sid}"), &parent.token).await;
    assert_eq!((res.status, res.json()), (404, json!({"error": "Student not found"})));
    assert_eq!(app.get_with_token(&format!("/api/students/{sid}"), &user.token).await.status, 403);
    assert_eq!(app.get_with_token("/api/students/abc", &teacher.token).await.status, 404);

    // PUT: partial update by staff.
    let res = app.send(app.request(Method::PUT, &format!("/api/students/{sid}")).bearer_auth(&teacher.token).json(&json!({"address": "1 School Lane", "contact_number": "555"}))).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["address"], "1 School Lane");
    assert_eq!(res.json()["gender"], "F", "untouched fields stay");

    // Grades: letters or numbers.
    let path = format!("/api/students/{sid}/grades");
    for (grade, expected) in [(json!("A"), json!("A")), (json!(85), json!(85.0)), (json!("B+"), json!("B+"))] {
        let res = app.post_json_with_token(&path, &teacher.token, &json!({"subject": "Maths", "grade": grade})).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let g = res.json();
        assert_eq!(g["grade"], expected);
        for key in ["grade_id", "student_id", "subject", "grade", "created_at", "updated_at"] {
            assert!(g.get(key).is_some(), "{key}");
        }
    }
    app.post_json_with_token(&path, &teacher.token, &json!({"subject": "Art", "grade": 50})).await;
    for bad in [json!({"subject": "Maths", "grade": "Z"}), json!({"subject": "Maths", "grade": 150}), json!({"subject": "Maths"})] {
        let res = app.post_json_with_token(&path, &teacher.token, &bad).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
        assert!(res.json()["error"].is_string());
    }
    let res = app.post_json_with_token(&path, &student_user.token, &json!({"subject": "Maths", "grade": "A"})).await;
    assert_eq!(res.status, 403, "students cannot grade themselves");
    assert_eq!(app.get_with_token(&path, &student_user.token).await.json().as_array().unwrap().len(), 4);

    let gpa = app.get_with_token(&format!("/api/students/{sid}/gpa"), &teacher.token).await.json();
    // A=4.0, 85=3.0, B+=3.3, 50=0.0 -> 10.3 / 4 = 2.575 -> 2.58 (unweighted, every grade row)
    assert_eq!(gpa, json!({"student_id": sid, "gpa": 2.58, "scale": 4.0, "graded_subjects": 2}));

    // Attendance: 201 new, 200 same-date update, 400 bad status or date.
    let apath = format!("/api/students/{sid}/attendance");
    let res = app.post_json_with_token(&apath, &teacher.token, &json!({"date": "2026-11-02", "status": "Present"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    for key in ["attendance_id", "student_id", "date", "status", "created_at"] {
        assert!(res.json().get(key).is_some(), "{key}");
    }
    let res = app.post_json_with_token(&apath, &teacher.token, &json!({"date": "2026-11-02", "status": "Excused"})).await;
    assert_eq!(res.status, 200);
    app.post_json_with_token(&apath, &teacher.token, &json!({"date": "2026-11-03", "status": "Absent"})).await;
    for bad in [json!({"status": "Sleeping"}), json!({"date": "tomorrow", "status": "Present"}), json!({})] {
        let res = app.post_json_with_token(&apath, &teacher.token, &bad).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
    }
    let res = app.get_with_token(&format!("{apath}?from=2026-11-01&to=2026-11-30"), &student_user.token).await.json();
    assert_eq!(res["records"].as_array().unwrap().len(), 2);
    let summary = &res["summary"];
    assert_eq!((summary["present"].clone(), summary["absent"].clone(), summary["excused"].clone(), summary["total"].clone()), (json!(0), json!(1), json!(1), json!(2)));
    assert_eq!(summary["attendance_rate"], 50.0);
    let res = app.get_with_token(&format!("{apath}?from=someday"), &teacher.token).await;
    assert_eq!(res.status, 400);

    // DELETE: admins only.
    let res = app.send(app.request(Method::DELETE, &format!("/api/students/{sid}")).bearer_auth(&teacher.token)).await;
    assert_eq!(res.status, 403);
    let admin = app.session("admin").await;
    let res = app.send(app.request(Method::DELETE, &format!("/api/students/{sid}")).bearer_auth(&admin.token)).await;
    assert_eq!((res.status, res.json()), (200, json!({"message": "Student deleted"})));
    let res = app.get_with_token(&format!("/api/students/{sid}/grades"), &admin.token).await;
    assert_eq!(res.status, 404);
    let _: Value = res.json();
});
