//! `/api/v1/imports/{kind}` and `/api/v1/exports/{dataset}`: dry runs, all-or-nothing commits,
//! guardians from roster columns, hostile files, and exports that import back.

use campus_tabular::{Input, Limits, TableReader};
use campus_test_support::{TestApp, TestResponse, backend_test};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

async fn upload(app: &TestApp, token: &str, path: &str, name: &str, bytes: Vec<u8>) -> TestResponse {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.send(app.request(Method::POST, path).bearer_auth(token).multipart(form))
        .await
}

/// Uploads 70 KiB against a 64 KiB limit (the server answers 413 without reading the body).
async fn too_large(app: &TestApp, token: &str, path: &str) -> TestResponse {
    app.send_oversized(|client| {
        let form = Form::new().part("file", Part::bytes(vec![b'a'; 70 * 1024]).file_name("big.csv"));
        client.post(app.url(path)).bearer_auth(token).multipart(form)
    })
    .await
}

async fn students(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get_with_token("/api/v1/students?limit=500", token).await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["students"].as_array().unwrap().clone()
}

const ROSTER: &str = "Roll Number,Name,Class,Section,Date of Birth,Guardian Name,Guardian Email,Guardian Relationship\n\
101,Arnav Sharma,1,A,2019-04-03,Meera Sharma,meera@family.test,mother\n\
102,Diya Sharma,2,A,,Meera Sharma,MEERA@family.test,mother\n\
103,Kabir Rao,1,B,,,,\n";

backend_test!(async fn a_roster_is_a_dry_run_until_committed_and_creates_parents_once(app) {
    let admin = app.session("admin").await;
    let dry = upload(&app, &admin.token, "/api/v1/imports/students", "roster.csv", ROSTER.into()).await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    let r = dry.json();
    assert_eq!((r["committed"].as_bool(), r["rows"].as_u64(), r["new"].as_u64()), (Some(false), Some(3), Some(3)));
    assert_eq!(r["parents_created"], 1, "siblings share one parent account: {r}");
    assert_eq!(r["guardians_linked"], 2);
    assert_eq!(r["changes"][0]["row"], 2);
    assert_eq!(r["changes"][0]["key"], "101");
    assert!(students(&app, &admin.token).await.is_empty(), "a dry run writes nothing");

    let done = upload(&app, &admin.token, "/api/v1/imports/students?commit=true", "roster.csv", ROSTER.into()).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["committed"], true);
    let list = students(&app, &admin.token).await;
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["roll_number"], "101");
    assert_eq!(list[0]["date_of_birth"], "2019-04-03");
    assert_eq!(list[1]["class_level"], 2);
    let guardians = app
        .get_with_token(&format!("/api/v1/students/{}/guardians", list[1]["id"]), &admin.token)
        .await
        .json();
    assert_eq!(guardians["guardians"][0]["email"], "meera@family.test");
    assert_eq!(guardians["guardians"][0]["relationship"], "mother");
    // The parent exists but cannot sign in until an administrator sets a password.
    let login = app
        .post_json("/api/v1/auth/login", &serde_json::json!({"login": "meera@family.test", "password": ""}))
        .await;
    assert!(login.status == 401 || login.status == 422, "{}", login.text);

    // Importing again: only what differs is an update; the parent is not created twice.
    let again = ROSTER.replace("Kabir Rao,1,B", "Kabir Rao,2,B");
    let r = upload(&app, &admin.token, "/api/v1/imports/students?commit=true", "roster.csv", again.into())
        .await
        .json();
    assert_eq!((r["new"].as_u64(), r["updated"].as_u64(), r["unchanged"].as_u64()), (Some(0), Some(1), Some(2)), "{r}");
    assert_eq!(r["changes"][0]["fields"], serde_json::json!(["class_level"]));
    assert_eq!((r["parents_created"].as_u64(), r["guardians_linked"].as_u64()), (Some(0), Some(0)), "{r}");
});

backend_test!(async fn a_commit_with_any_bad_row_writes_nothing_and_lists_every_error(app) {
    let teacher = app.session("teacher").await;
    let file = "roll_number,name,class_level,date_of_birth,status\n\
                201,Good Row,3,,\n\
                202,Bad Class,x,,\n\
                201,Duplicate,3,,\n\
                203,,3,2099-01-01,expelled\n\
                204,=HYPERLINK(\"http://evil\"),1,,\n";
    let res = upload(&app, &teacher.token, "/api/v1/imports/students?commit=true", "s.csv", file.into()).await;
    let body = res.assert_problem(422, "import_rejected");
    let r = &body["report"];
    assert_eq!(r["committed"], false);
    assert_eq!(r["errors_total"], 4, "{r}");
    let errors: Vec<(u64, &str, &str)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(errors.contains(&(3, "class_level", "invalid_format")), "{errors:?}");
    assert!(errors.contains(&(4, "roll_number", "duplicate")), "{errors:?}");
    assert!(errors.contains(&(5, "name", "required")), "{errors:?}");
    assert!(errors.contains(&(5, "date_of_birth", "out_of_range")), "{errors:?}");
    assert!(errors.contains(&(5, "status", "invalid_choice")), "{errors:?}");
    assert!(errors.contains(&(6, "name", "formula")), "{errors:?}");
    assert!(students(&app, &teacher.token).await.is_empty(), "nothing was written");
});

backend_test!(async fn hostile_and_malformed_files_get_a_clear_422(app) settings(|s| {
    s.school.import.max_rows = 5;
    s.school.import.max_upload_bytes = 64 * 1024;
    s.school.import.max_expanded_bytes = 1024 * 1024;
}) {
    let admin = app.session("admin").await;
    let path = "/api/v1/imports/students?commit=true";
    let wrong = upload(&app, &admin.token, path, "s.csv", "rol_number,name\n1,A\n".into()).await;
    let body = wrong.assert_problem(422, "invalid_header");
    assert!(body["detail"].as_str().unwrap().contains("unknown column(s) `rol_number`"), "{body}");

    let mut latin1 = b"roll_number,name\n1,Ren".to_vec();
    latin1.extend_from_slice(&[0xE9, b'e', b'\n']);
    upload(&app, &admin.token, path, "s.csv", latin1).await.assert_problem(422, "bad_encoding");

    let mut many = String::from("roll_number,name\n");
    for i in 0..6 {
        many.push_str(&format!("{i},Student {i}\n"));
    }
    upload(&app, &admin.token, path, "s.csv", many.into_bytes()).await.assert_problem(422, "too_many_rows");

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "roll_number").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    sheet.write_number(1, 0, 1).unwrap();
    sheet.write_formula(1, 1, "=UPPER(\"arnav\")").unwrap();
    let formula = upload(&app, &admin.token, path, "s.xlsx", book.save_to_buffer().unwrap()).await;
    assert!(formula.assert_problem(422, "formula_cells")["detail"].as_str().unwrap().contains("B2"));

    upload(&app, &admin.token, path, "bomb.xlsx", zip_bomb()).await.assert_problem(422, "file_too_large");
    too_large(&app, &admin.token, path).await.assert_problem(413, "payload_too_large");
    upload(&app, &admin.token, path, "e.csv", Vec::new()).await.assert_problem(422, "empty_file");
    upload(&app, &admin.token, path, "old.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0])
        .await
        .assert_problem(422, "unsupported_format");

    let not_multipart = app
        .send(app.request(Method::POST, path).bearer_auth(&admin.token).body("roll_number,name\n"))
        .await;
    not_multipart.assert_problem(400, "bad_request");
    upload(&app, &admin.token, "/api/v1/imports/teachers", "s.csv", "a\n".into())
        .await
        .assert_problem(404, "not_found");
    assert!(students(&app, &admin.token).await.is_empty(), "nothing was written");
});

/// A zip whose one entry expands to 4 MiB of zeros from a few KiB.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", opts).unwrap();
    zip.write_all(&vec![b'0'; 4 * 1024 * 1024]).unwrap();
    zip.finish().unwrap();
    out.into_inner()
}

backend_test!(async fn grades_and_attendance_import_and_everything_exports_back(app) {
    let admin = app.session("admin").await;
    let r = upload(&app, &admin.token, "/api/v1/imports/students?commit=true", "r.csv", ROSTER.into()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Seed 000's marks sheet shape: roll, name, subject, class, marks.
    let marks = "roll,name,subject,class,marks,term\n101,Arnav,Maths,1,95,T1\n101,Arnav,Science,1,72,T1\n999,Nobody,Maths,1,50,T1\n";
    let res = upload(&app, &admin.token, "/api/v1/imports/grades?commit=true", "m.csv", marks.into()).await;
    let report = res.assert_problem(422, "import_rejected");
    assert_eq!(report["report"]["errors"][0]["code"], "not_found");
    let marks = marks.replace("999,Nobody,Maths,1,50,T1\n", "");
    let res = upload(&app, &admin.token, "/api/v1/imports/grades?commit=true", "m.csv", marks.into()).await;
    assert_eq!(res.json()["new"], 2, "{}", res.text);
    let list = students(&app, &admin.token).await;
    let arnav = list[0]["id"].as_i64().unwrap();
    let gpa = app.get_with_token(&format!("/api/v1/students/{arnav}/gpa"), &admin.token).await.json();
    assert_eq!(gpa["cumulative"]["unweighted"], 3.0, "(4.0 + 2.0) / 2: {gpa}");
    // Re-importing one mark updates that grade in place.
    let fix = "roll_number,subject,score,term\n101,science,85,T1\n";
    let res = upload(&app, &admin.token, "/api/v1/imports/grades?commit=true", "m.csv", fix.into()).await;
    assert_eq!((res.json()["updated"].as_u64(), res.json()["new"].as_u64()), (Some(1), Some(0)), "{}", res.text);

    let days = "roll_number,date,status,note\n101,2026-09-01,present,\n102,2026-09-01,ABSENT,flu\n101,2026-09-02,Holiday,\n";
    let res = upload(&app, &admin.token, "/api/v1/imports/attendance?commit=true", "a.csv", days.into()).await;
    let body = res.assert_problem(422, "import_rejected");
    assert_eq!(body["report"]["errors"][0]["row"], 4);
    let days = days.replace("101,2026-09-02,Holiday,\n", "");
    let res = upload(&app, &admin.token, "/api/v1/imports/attendance?commit=true", "a.csv", days.into()).await;
    assert_eq!(res.json()["new"], 2, "{}", res.text);
    let att = app
        .get_with_token(&format!("/api/v1/students/{}/attendance", list[1]["id"]), &admin.token)
        .await
        .json();
    assert_eq!(att["records"][0]["status"], "Absent", "{att}");

    let csv = app.get_with_token("/api/v1/exports/grades?format=csv", &admin.token).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert_eq!(csv.content_type(), "text/csv");
    assert!(csv.header("content-disposition").unwrap().contains("grades-"), "{:?}", csv.headers);
    let mut lines = csv.text.lines();
    assert_eq!(lines.next(), Some("roll_number,name,subject,score,letter,term,credits,graded_at"));
    assert!(lines.next().unwrap().starts_with("101,Arnav Sharma,Maths,95,,T1,1,"), "{}", csv.text);

    let json = app.get_with_token("/api/v1/exports/students?format=json&class_level=1", &admin.token).await;
    let rolls: Vec<Value> = json.json()["students"].as_array().unwrap().iter().map(|s| s["roll_number"].clone()).collect();
    assert_eq!(rolls, ["101", "103"]);

    let xlsx = app
        .client
        .get(app.url("/api/v1/exports/students?format=xlsx"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut table = TableReader::open(Input::Bytes(bytes.clone()), Limits::default()).await.unwrap();
    assert_eq!(table.header[0], "roll_number");
    assert_eq!(table.next().await.unwrap().unwrap().cells[1], "Arnav Sharma");
    // The export imports back unchanged.
    let back = upload(&app, &admin.token, "/api/v1/imports/students", "s.xlsx", bytes).await.json();
    assert_eq!((back["unchanged"].as_u64(), back["errors_total"].as_u64()), (Some(3), Some(0)), "{back}");

    app.get_with_token("/api/v1/exports/students?format=pdf", &admin.token)
        .await
        .assert_problem(400, "invalid_query");
});

backend_test!(async fn only_staff_import_and_finance_exports_only_students(app) {
    let finance = app.session("finance").await;
    let parent = app.session("parent").await;
    for who in [&finance, &parent] {
        upload(&app, &who.token, "/api/v1/imports/students", "s.csv", ROSTER.into())
            .await
            .assert_problem(403, "forbidden");
        app.get_with_token("/api/v1/exports/grades", &who.token)
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.get_with_token("/api/v1/exports/students", &finance.token).await.status, 200);
    app.get_with_token("/api/v1/exports/students", &parent.token)
        .await
        .assert_problem(403, "forbidden");
    upload(&app, "not-a-token", "/api/v1/imports/students", "s.csv", ROSTER.into())
        .await
        .assert_problem(401, "token_invalid");
});

backend_test!(async fn a_self_registered_parent_is_not_linked_to_a_child_by_email(app) {
    // Someone registers first with the guardian's address (emails are not verified)...
    let res = app
        .post_json(
            "/api/register",
            &serde_json::json!({"name": "Meera?", "email": "meera@family.test", "password": "Secret#123", "role": "Parent"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let login = app
        .post_json("/api/v1/auth/login", &serde_json::json!({"login": "meera@family.test", "password": "Secret#123"}))
        .await;
    let impostor = login.json()["access_token"].as_str().unwrap().to_owned();
    // ...and the school imports its roster naming that address.
    let admin = app.session("admin").await;
    let done = upload(&app, &admin.token, "/api/v1/imports/students?commit=true", "roster.csv", ROSTER.into()).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let r = done.json();
    assert_eq!(r["committed"], true, "{r}");
    assert_eq!(r["new"], 3);
    assert_eq!(r["guardians_linked"], 0, "{r}");
    assert_eq!(r["parents_created"], 0, "{r}");
    let held = r["guardian_links_held"].as_array().unwrap();
    assert_eq!(held.len(), 2, "{r}");
    assert_eq!(held[0]["code"], "existing_account");
    // The account sees no child until staff link it.
    assert!(students(&app, &impostor).await.is_empty());
});
