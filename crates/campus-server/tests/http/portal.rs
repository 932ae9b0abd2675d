//! The portal under `/app` as a browser uses it (cookies, forms, CSRF tokens, redirects):
//! sign-in for every role, attendance, the gradebook, payments at the counter and one's own,
//! imports, account pages and the inbox — and every kind of bad input answered as a 4xx page.

use campus_test_support::{Session, TEST_PASSWORD, TestApp, TestResponse, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

use crate::compat_kvstore::{Browser, csrf_in};

/// A browser signed in to the portal as `session`'s user.
async fn signed_in<'a>(app: &'a TestApp, session: &Session) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let res = browser
        .submit(
            "/app/login",
            "/app/login",
            &[("identifier", &session.email), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(res.header("location"), Some("/app"));
    browser
}

fn page_ok(res: &TestResponse) {
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(
        res.content_type().starts_with("text/html"),
        "{}",
        res.content_type()
    );
}

/// A 4xx answered as a portal page (HTML), never JSON or a server error.
fn page_error(res: &TestResponse, status: u16) {
    assert_eq!(res.status, status, "{}", res.text);
    assert!(
        res.content_type().starts_with("text/html"),
        "{}",
        res.content_type()
    );
}

async fn student(app: &TestApp, admin: &Session, body: Value) -> i64 {
    let res = app
        .post_json_with_token("/api/v1/students", &admin.token, &body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_i64().unwrap()
}

backend_test!(async fn every_role_signs_in_to_its_own_home_and_out_again(app) {
    // Not signed in: to the sign-in page, remembering where they were going.
    let res = app.get("/app/students?class_level=3").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/app/login?next=%2Fapp%2Fstudents%3Fclass_level%3D3"));

    let mut anonymous = Browser::new(&app);
    let form = anonymous.get("/app/login?next=/app/attendance").await;
    page_ok(&form);
    assert!(form.text.contains("name=\"next\" value=\"/app/attendance\""));
    // Wrong password: the form again with the problem, 401.
    let wrong = anonymous
        .submit("/app/login", "/app/login", &[("identifier", "nobody@school.test"), ("password", "Wrong#Pass1")])
        .await;
    page_error(&wrong, 401);
    assert!(wrong.text.contains("do not match an active account"), "{}", wrong.text);
    let empty = anonymous.submit("/app/login", "/app/login", &[("identifier", " "), ("password", "")]).await;
    page_error(&empty, 400);

    let navs = [
        ("admin", &["/app/students", "/app/attendance", "/app/gradebook", "/app/finance/dues", "/app/admin/import"][..]),
        ("teacher", &["/app/students", "/app/attendance", "/app/gradebook"][..]),
        ("finance", &["/app/finance/dues", "/app/students"][..]),
        ("parent", &["/app/students"][..]),
        ("student", &["/app/students"][..]),
    ];
    let all = ["/app/attendance", "/app/gradebook", "/app/finance/dues", "/app/admin/import"];
    for (role, links) in navs {
        let session = app.session(role).await;
        let mut browser = signed_in(&app, &session).await;
        let home = browser.get("/app").await;
        page_ok(&home);
        for link in links {
            assert!(home.text.contains(&format!("href=\"{link}\"")), "{role} misses {link}");
        }
        for link in all.iter().filter(|l| !links.contains(l)) {
            assert!(!home.text.contains(&format!("<a href=\"{link}\"")), "{role} is offered {link}");
            page_error(&browser.get(link).await, 403);
        }
        // Signing out ends the session on the server: the old cookie no longer works.
        let cookie = browser.cookies.clone();
        let out = browser.submit("/app", "/app/logout", &[]).await;
        assert_eq!((out.status, out.header("location")), (303, Some("/app/login")));
        let mut stale = Browser::new(&app);
        stale.cookies = cookie;
        assert_eq!(stale.get("/app").await.status, 303);
    }

    // After sign-in the browser goes where it was going — only ever to a portal page.
    let teacher = app.session("teacher").await;
    for (next, to) in [("/app/attendance", "/app/attendance"), ("//evil.example/app", "/app"), ("https://evil.example", "/app"), ("/app/../api", "/app")] {
        let mut b = Browser::new(&app);
        let res = b
            .submit("/app/login", "/app/login", &[("identifier", &teacher.email), ("password", TEST_PASSWORD), ("next", next)])
            .await;
        assert_eq!(res.header("location"), Some(to), "next={next}");
    }
});

backend_test!(async fn a_teacher_takes_attendance_and_the_parent_sees_the_absence(app) {
    let admin = app.session("admin").await;
    let ids: Vec<i64> = futures_util::future::join_all(
        (0..5).map(|i| student(&app, &admin, json!({"name": format!("Pupil {i}"), "class_level": 4, "section": "B"}))),
    )
    .await;
    let mut ids = ids;
    ids.sort_unstable();
    let other_class = student(&app, &admin, json!({"name": "Elsewhere", "class_level": 5})).await;
    let parent = app.session("parent").await;
    let res = app
        .post_json_with_token(&format!("/api/v1/students/{}/guardians", ids[2]), &admin.token, &json!({"user_id": parent.user_id}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);

    let teacher = app.session("teacher").await;
    let mut browser = signed_in(&app, &teacher).await;
    let page = "/app/attendance?class_level=4&section=B&date=2026-09-14";
    let form = browser.get(page).await;
    page_ok(&form);
    assert_eq!(form.text.matches("class=\"mark-row\"").count(), 5, "only class 4 B is listed");
    assert!(!form.text.contains("Elsewhere"));
    // Everyone Present by default.
    assert_eq!(form.text.matches("value=\"Present\" checked").count(), 5);
    let token = csrf_in(&form.text);
    let mut fields: Vec<(String, String)> = vec![
        ("csrf_token".into(), token.clone()),
        ("class_level".into(), "4".into()),
        ("section".into(), "B".into()),
        ("date".into(), "2026-09-14".into()),
    ];
    for id in &ids {
        let status = if *id == ids[2] { "Absent" } else { "Present" };
        fields.push((format!("status_{id}"), status.into()));
    }
    fields.push((format!("note_{}", ids[2]), "Dentist".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = browser.post_form("/app/attendance", &pairs).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    // Reopening the page shows what was saved.
    let again = browser.get(saved.header("location").unwrap()).await;
    page_ok(&again);
    assert!(again.text.contains("Attendance saved for 5 students"), "{}", again.text);
    assert!(again.text.contains(&format!("name=\"status_{}\" value=\"Absent\" checked", ids[2])));
    assert!(again.text.contains("value=\"Dentist\""));

    // An unknown status saves nothing (one transaction) and says why, at 422.
    let mut bad = pairs.clone();
    bad.retain(|(k, _)| *k != format!("status_{}", ids[0]));
    let key = format!("status_{}", ids[0]);
    bad.push((&key, "Sleeping"));
    bad.retain(|(k, _)| *k != format!("status_{}", ids[2]));
    let key2 = format!("status_{}", ids[2]);
    bad.push((&key2, "Present"));
    let refused = browser.post_form("/app/attendance", &bad).await;
    page_error(&refused, 422);
    assert!(refused.text.contains("id=\"error-summary\""), "{}", refused.text);
    let unchanged = app
        .get_with_token(&format!("/api/v1/students/{}/attendance", ids[2]), &admin.token)
        .await;
    assert_eq!(unchanged.json()["records"][0]["status"], "Absent", "{}", unchanged.text);

    // The parent sees the absence on the child's page, and not the other children.
    let mut home = signed_in(&app, &parent).await;
    let child = home.get(&format!("/app/students/{}", ids[2])).await;
    page_ok(&child);
    assert!(child.text.contains("2026-09-14</time>: Absent — Dentist"), "{}", child.text);
    assert!(child.text.contains("id=\"attendance-rate\">0.00%"), "{}", child.text);
    // The calendar opens on the month of the newest mark, the absence in its day's cell.
    assert!(child.text.contains("<caption>September 2026 "), "{}", child.text);
    assert!(child.text.contains("<td class=\"absent\"><time datetime=\"2026-09-14\">14</time><span class=\"mark\">Absent</span></td>"), "{}", child.text);
    let october = home.get(&format!("/app/students/{}?month=2026-10", ids[2])).await;
    assert!(october.text.contains("<caption>October 2026 ") && !october.text.contains("class=\"absent\""));
    for other in [ids[0], other_class, 9_999_999] {
        page_error(&home.get(&format!("/app/students/{other}")).await, 404);
    }
    let list = home.get("/app/students").await;
    assert_eq!(list.text.matches("/app/students/").count(), 1, "{}", list.text);
    // Parents do not take attendance.
    page_error(&home.get(page).await, 403);
});

backend_test!(async fn the_gradebook_saves_grades_and_the_gpa_follows(app) {
    let admin = app.session("admin").await;
    let a = student(&app, &admin, json!({"name": "Ada", "class_level": 7})).await;
    let b = student(&app, &admin, json!({"name": "Bo", "class_level": 7})).await;
    let teacher = app.session("teacher").await;
    let mut browser = signed_in(&app, &teacher).await;
    let page = "/app/gradebook?class_level=7&subject=Maths&term=T1";
    let grid = browser.get(page).await;
    page_ok(&grid);
    let token = csrf_in(&grid.text);
    let base = [("csrf_token", token.as_str()), ("class_level", "7"), ("section", ""), ("subject", "Maths"), ("term", "T1")];
    let (sa, sb) = (format!("score_{a}"), format!("score_{b}"));
    let mut fields = base.to_vec();
    fields.extend([(sa.as_str(), "95"), (sb.as_str(), "")]);
    let saved = browser.post_form("/app/gradebook", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let shown = browser.get(saved.header("location").unwrap()).await;
    assert!(shown.text.contains("Saved 1 grades"));
    assert!(shown.text.contains(&format!("name=\"{sa}\" value=\"95\"")));

    // Changing the cell updates the same grade; a bad cell is named, the good one saved.
    let mut fields = base.to_vec();
    fields.extend([(sa.as_str(), "60"), (sb.as_str(), "150")]);
    let partial = browser.post_form("/app/gradebook", &fields).await;
    page_error(&partial, 422);
    assert!(partial.text.contains(&format!("href=\"#{sb}\"")), "{}", partial.text);
    assert!(partial.text.contains(&format!("name=\"{sb}\" value=\"150\"")), "typed value kept");
    let grades = app.get_with_token(&format!("/api/v1/students/{a}/grades"), &admin.token).await;
    let items = grades.json()["grades"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", grades.text);
    assert_eq!(items[0]["score"], 60.0);
    let nothing = app.get_with_token(&format!("/api/v1/students/{b}/grades"), &admin.token).await;
    assert!(!nothing.text.contains("150"), "{}", nothing.text);

    // The student's page shows the grade and GPA; the what-if calculator projects one.
    let pupil = browser.get(&format!("/app/students/{a}?subject=Art&score=100&credits=1")).await;
    page_ok(&pupil);
    assert!(pupil.text.contains("T1 — GPA"), "{}", pupil.text);
    assert!(pupil.text.contains("id=\"what-if-result\""), "{}", pupil.text);
    page_error(&browser.get("/app/gradebook?class_level=x&subject=Maths").await, 400);
});

backend_test!(async fn payments_at_the_counter_are_taken_once_and_students_cannot_overpay(app) {
    let admin = app.session("admin").await;
    let course = app
        .post_json_with_token("/api/v1/courses", &admin.token, &json!({"code": "ART1", "name": "Art", "credits": 3, "fee": "120.00"}))
        .await;
    assert_eq!(course.status, 201, "{}", course.text);
    let learner = app.session("student").await;
    let enrolled = app
        .post_json_with_token("/api/v1/enrollments", &learner.token, &json!({"course_id": course.json()["id"]}))
        .await;
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    let id = enrolled.json()["enrollment"]["student_id"].as_i64().unwrap();

    let finance = app.session("finance").await;
    let mut counter = signed_in(&app, &finance).await;
    let dues = counter.get("/app/finance/dues").await;
    page_ok(&dues);
    assert!(dues.text.contains(&format!("/app/students/{id}")), "{}", dues.text);
    let page = counter.get(&format!("/app/students/{id}")).await;
    page_ok(&page);
    assert!(page.text.contains("Owes <strong>120.00</strong>"), "{}", page.text);
    let token = csrf_in(&page.text);
    let key = page.text.split("name=\"idempotency_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let fields = [("csrf_token", token.as_str()), ("idempotency_key", key.as_str()), ("amount", "50.00"), ("method", "CASH"), ("reference", "R-1")];
    let action = format!("/app/students/{id}/payments");
    // A double click: the same form twice records one payment.
    let first = counter.post_form(&action, &fields).await;
    assert_eq!(first.status, 303, "{}", first.text);
    let second = counter.post_form(&action, &fields).await;
    assert_eq!(second.status, 303, "{}", second.text);
    assert!(second.header("location").unwrap().contains("done=paid-again"));
    let after = counter.get(first.header("location").unwrap()).await;
    assert!(after.text.contains("Payment recorded"));
    assert!(after.text.contains("Owes <strong>70.00</strong>"), "{}", after.text);
    let ledger = app.get_with_token(&format!("/api/v1/students/{id}/ledger"), &finance.token).await;
    let payments = ledger.json()["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "payment").count();
    assert_eq!(payments, 1, "{}", ledger.text);
    // The reports page: the aging chart (SVG drawn on the server) and the same numbers.
    let reports = counter.get("/app/finance/reports").await;
    page_ok(&reports);
    assert!(reports.text.contains("<figure class=\"chart\" id=\"aging-chart\"><svg role=\"img\""), "{}", reports.text);
    assert!(reports.text.contains("<th scope=\"row\">0–30 days</th><td class=\"num\">70.00</td>"), "{}", reports.text);
    assert!(reports.text.contains("<td>payment</td><td class=\"num\">1</td><td class=\"num\">-50.00</td>"), "{}", reports.text);
    // The chart carries no script; the page's one script is the live badge's, from this server.
    let figure = &reports.text[reports.text.find("<figure").unwrap()..reports.text.find("</figure>").unwrap()];
    assert!(!figure.contains("<script"));
    assert_eq!(reports.text.matches("<script").count(), 1);
    assert!(reports.text.contains("<script src=\"/static/live.js\" defer></script>"));
    // Bad amounts are 422 pages with the field in the summary.
    for amount in ["abc", "-5", "0", ""] {
        let fresh = [("csrf_token", token.as_str()), ("idempotency_key", "k-bad"), ("amount", amount)];
        let res = counter.post_form(&action, &fresh).await;
        assert!(res.status == 422 || res.status == 400, "{amount}: {}", res.status);
        assert!(res.content_type().starts_with("text/html"));
    }

    // The student pays their own dues but never more than owed (seed 002's rule).
    let mut own = signed_in(&app, &learner).await;
    let mine = own.get(&format!("/app/students/{id}")).await;
    assert!(mine.text.contains("Pay your dues"), "{}", mine.text);
    let token = csrf_in(&mine.text);
    let over = own
        .post_form(&action, &[("csrf_token", token.as_str()), ("idempotency_key", "own-1"), ("amount", "500")])
        .await;
    page_error(&over, 422);
    assert!(over.text.contains("error-summary") || over.text.contains("notice-error"), "{}", over.text);
    let ok = own
        .post_form(&action, &[("csrf_token", token.as_str()), ("idempotency_key", "own-2"), ("amount", "70")])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert!(own.get(&format!("/app/students/{id}")).await.text.contains("Nothing owed"));

    // Reversing an entry needs a reason and is finance staff's.
    let entry = ledger.json()["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "payment").unwrap()["id"].as_i64().unwrap();
    let reverse = format!("/app/ledger/{entry}/reverse");
    let sid = id.to_string();
    page_error(&own.post_form(&reverse, &[("csrf_token", token.as_str()), ("reason", "x"), ("student_id", &sid)]).await, 403);
    let page = counter.get(&format!("/app/students/{id}")).await;
    let token = csrf_in(&page.text);
    let once = [("csrf_token", token.as_str()), ("reason", "Counted twice"), ("student_id", &sid), ("idempotency_key", "rev-1")];
    let res = counter.post_form(&reverse, &once).await;
    assert_eq!(res.status, 303, "{}", res.text);
    // A double click replays the first answer instead of an "already reversed" error.
    let res = counter.post_form(&reverse, &once).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let again = counter.post_form(&reverse, &[("csrf_token", token.as_str()), ("reason", "Again"), ("student_id", &sid)]).await;
    page_error(&again, 409);
    assert!(app.state.finance().verify().await.unwrap().is_empty());
});

backend_test!(async fn forms_without_their_token_and_bad_addresses_are_refused_as_pages(app) {
    let teacher = app.session("teacher").await;
    let mut browser = signed_in(&app, &teacher).await;
    for path in ["/app/attendance", "/app/gradebook", "/app/logout", "/app/account/preferences", "/app/account/logout-all", "/app/notifications/read-all"] {
        let res = browser.post_form(path, &[("class_level", "1")]).await;
        page_error(&res, 403);
        // A body that is not a form gets no further.
        let raw = app
            .send(app.request(Method::POST, path).header("cookie", browser.cookie_header()).body("x"))
            .await;
        page_error(&raw, 403);
    }
    // Still signed in: nothing above acted.
    page_ok(&browser.get("/app").await);
    // A form's destination opened as a page is the portal's 405 page, not JSON.
    for path in ["/app/account/password", "/app/logout", "/app/notifications/read-all"] {
        page_error(&browser.get(path).await, 405);
    }
    for (path, status) in [
        ("/app/students?class_level=abc", 400),
        ("/app/students?cursor=%%%", 400),
        ("/app/students?cursor=bm90LWEtY3Vyc29y", 400),
        ("/app/attendance?class_level=3&date=2026-13-45", 400),
        ("/app/attendance?class_level=99", 400),
        ("/app/students/999999999", 404),
        ("/app/students/abc", 404),
        ("/app/students/99999999999999999999999", 404),
        ("/app/nowhere", 404),
    ] {
        let res = browser.get(path).await;
        page_error(&res, status);
        assert!(!res.text.contains("panicked"));
    }
    // An oversized form is a 413 page.
    let token = csrf_in(&browser.get("/app/account").await.text);
    let huge = "x".repeat(70 * 1024);
    let res = browser.post_form("/app/account/preferences", &[("csrf_token", token.as_str()), ("language", &huge)]).await;
    page_error(&res, 413);
});

backend_test!(async fn an_administrator_imports_a_roster_after_a_dry_run(app) {
    let admin = app.session("admin").await;
    let mut browser = signed_in(&app, &admin).await;
    let form = browser.get("/app/admin/import").await;
    page_ok(&form);
    // The export links work with the session cookie.
    assert!(form.text.contains("href=\"/api/v1/exports/students?format=csv\""));
    let export = browser.get("/api/v1/exports/students?format=csv").await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert!(export.text.starts_with("roll_number") || export.text.contains("roll_number"), "{}", export.text);
    let token = csrf_in(&form.text);
    let csv = "roll_number,name,class_level,section\nR-100,Ivy Import,2,A\nR-101,Jon Import,2,A\n";
    // The token is the body's first field (a form without script cannot set a header).
    let upload = |mode: &'static str, token: Option<&str>, body: &'static str| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(t) = token {
            form = form.text("csrf_token", t.to_owned());
        }
        let form = form
            .text("kind", "students")
            .text("mode", mode)
            .part("file", reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("roster.csv"));
        app.send(app.request(Method::POST, "/app/admin/import").header("cookie", browser.cookie_header()).multipart(form))
    };
    page_error(&upload("commit", None, csv).await, 403);
    page_error(&upload("commit", Some("forged-token"), csv).await, 403);
    // Not in the address: a token there is not accepted (logs keep addresses).
    let in_query = reqwest::multipart::Form::new()
        .text("kind", "students")
        .text("mode", "commit")
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("roster.csv"));
    let res = app
        .send(app.request(Method::POST, &format!("/app/admin/import?csrf_token={token}")).header("cookie", browser.cookie_header()).multipart(in_query))
        .await;
    page_error(&res, 403);
    // A multipart body to any other portal form is refused outright.
    let elsewhere = reqwest::multipart::Form::new().text("csrf_token", token.clone()).text("text_size", "large");
    let res = app
        .send(app.request(Method::POST, "/app/account/preferences").header("cookie", browser.cookie_header()).multipart(elsewhere))
        .await;
    page_error(&res, 403);
    let dry = upload("dry-run", Some(&token), csv).await;
    page_ok(&dry);
    assert!(dry.text.contains("id=\"count-new\">2<"), "{}", dry.text);
    assert!(dry.text.contains("id=\"mode-commit\" value=\"commit\" checked"));
    let none = app.get_with_token("/api/v1/students?name=Ivy", &admin.token).await;
    assert_eq!(none.json()["students"].as_array().unwrap().len(), 0, "a dry run writes nothing");
    let done = upload("commit", Some(&token), csv).await;
    page_ok(&done);
    assert!(done.text.contains("Imported 2 rows"), "{}", done.text);
    let some = app.get_with_token("/api/v1/students?name=Ivy", &admin.token).await;
    assert_eq!(some.json()["students"].as_array().unwrap().len(), 1);
    // A file with a bad row: nothing written, the row named.
    let bad = upload("commit", Some(&token), "roll_number,name,class_level\nR-200,Kim,2\nR-201,,x\n").await;
    page_error(&bad, 422);
    assert!(bad.text.contains("id=\"row-errors\""), "{}", bad.text);
    let kim = app.get_with_token("/api/v1/students?name=Kim", &admin.token).await;
    assert_eq!(kim.json()["students"].as_array().unwrap().len(), 0);
    // Not a table at all.
    let junk = upload("dry-run", Some(&token), "\u{0}\u{1}PK garbage").await;
    assert!((400..500).contains(&junk.status), "{}", junk.status);
});

backend_test!(async fn account_preferences_password_sessions_and_the_inbox(app) {
    let parent = app.session("parent").await;
    let mut browser = signed_in(&app, &parent).await;
    let account = browser.get("/app/account").await;
    page_ok(&account);
    let token = csrf_in(&account.text);
    let res = browser
        .post_form("/app/account/preferences", &[("csrf_token", token.as_str()), ("text_size", "large"), ("high_contrast", "on"), ("language", "pt-BR"), ("timezone", "")])
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let home = browser.get("/app").await;
    assert!(home.text.contains("class=\"portal text-large high-contrast\""), "{}", &home.text[..600]);
    let bad = browser
        .post_form("/app/account/preferences", &[("csrf_token", token.as_str()), ("text_size", "huge")])
        .await;
    page_error(&bad, 422);
    assert!(bad.text.contains("href=\"#text_size\""), "{}", bad.text);

    // Notifications: unread first, mark one, then all.
    let admin = app.session("admin").await;
    for text in ["First notice", "Second notice"] {
        let res = app
            .post_json_with_token("/api/v1/notifications", &admin.token, &json!({"user_ids": [parent.user_id], "message": text}))
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let inbox = browser.get("/app/notifications").await;
    assert!(inbox.text.contains("id=\"unread-badge\">2"), "{}", inbox.text);
    let id = inbox
        .text
        .split("/app/notifications/")
        .filter_map(|s| s.split('/').next())
        .find(|s| s.parse::<i64>().is_ok())
        .unwrap()
        .to_owned();
    let res = browser.post_form(&format!("/app/notifications/{id}/read"), &[("csrf_token", token.as_str())]).await;
    assert_eq!(res.status, 303);
    assert!(browser.get("/app").await.text.contains("id=\"unread-badge\">1"));
    page_error(&browser.post_form("/app/notifications/999999/read", &[("csrf_token", token.as_str())]).await, 404);
    browser.post_form("/app/notifications/read-all", &[("csrf_token", token.as_str())]).await;
    assert!(!browser.get("/app").await.text.contains("unread-badge"));

    // Password: a wrong current one is refused; a good change keeps this browser signed in
    // and ends the other sessions.
    let mut other = signed_in(&app, &parent).await;
    // The account page lists both browsers, this one marked.
    let sessions = browser.get("/app/account").await;
    assert_eq!(sessions.text.matches("<td>another browser</td>").count(), 1, "{}", sessions.text);
    assert_eq!(sessions.text.matches("<td>this browser</td>").count(), 1);
    let wrong = browser
        .post_form("/app/account/password", &[("csrf_token", token.as_str()), ("current_password", "Nope#1234"), ("new_password", "Newer#Passw0rd")])
        .await;
    assert!(wrong.status == 400 || wrong.status == 401 || wrong.status == 422, "{}", wrong.status);
    let weak = browser
        .post_form("/app/account/password", &[("csrf_token", token.as_str()), ("current_password", TEST_PASSWORD), ("new_password", "short")])
        .await;
    assert!((400..500).contains(&weak.status), "{}", weak.status);
    let changed = browser
        .post_form("/app/account/password", &[("csrf_token", token.as_str()), ("current_password", TEST_PASSWORD), ("new_password", "Newer#Passw0rd")])
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text);
    page_ok(&browser.get("/app/account?done=password").await);
    assert_eq!(other.get("/app").await.status, 303, "the other session ended");

    // Sign out everywhere ends this browser's session too.
    let token = csrf_in(&browser.get("/app/account").await.text);
    let out = browser.post_form("/app/account/logout-all", &[("csrf_token", token.as_str())]).await;
    assert_eq!(out.status, 303);
    assert_eq!(browser.get("/app").await.status, 303);
});

backend_test!(async fn a_student_enrols_once_and_the_charge_appears(app) {
    let admin = app.session("admin").await;
    let course = app
        .post_json_with_token("/api/v1/courses", &admin.token, &json!({"code": "MUS1", "name": "Music", "credits": 2, "fee": "80.00"}))
        .await;
    let course = course.json()["id"].as_i64().unwrap();
    let learner = app.session("student").await;
    let mut browser = signed_in(&app, &learner).await;
    let list = browser.get("/app/courses").await;
    page_ok(&list);
    assert!(list.text.contains("id=\"enroll-MUS1\""), "{}", list.text);
    let token = csrf_in(&list.text);
    let key = list.text.split("name=\"idempotency_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let action = format!("/app/courses/{course}/enroll");
    let fields = [("csrf_token", token.as_str()), ("idempotency_key", key.as_str())];
    for _ in 0..2 {
        let res = browser.post_form(&action, &fields).await;
        assert_eq!(res.status, 303, "{}", res.text);
    }
    let after = browser.get("/app/courses?done=enrolled").await;
    assert!(after.text.contains("ACTIVE"), "{}", after.text);
    assert!(!after.text.contains("id=\"enroll-MUS1\""));
    // Without the key (a different form), enrolling again is a 409 page.
    let again = browser.post_form(&action, &[("csrf_token", token.as_str())]).await;
    page_error(&again, 409);
    let home = browser.get("/app").await;
    let own: i64 = home.text.split("/app/students/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let record = browser.get(&format!("/app/students/{own}")).await;
    assert!(record.text.contains("Owes <strong>80.00</strong>"), "{}", record.text);
    page_error(&browser.post_form("/app/courses/999999/enroll", &[("csrf_token", token.as_str())]).await, 404);
    // Only students enrol themselves here.
    let teacher = app.session("teacher").await;
    let mut staff = signed_in(&app, &teacher).await;
    let t = csrf_in(&staff.get("/app/notify").await.text);
    page_error(&staff.post_form(&action, &[("csrf_token", t.as_str())]).await, 403);
});

backend_test!(async fn a_teacher_messages_a_class_and_guardians_receive_it(app) {
    let admin = app.session("admin").await;
    let child = student(&app, &admin, json!({"name": "Noor", "class_level": 9, "section": "A"})).await;
    let parent = app.session("parent").await;
    let res = app
        .post_json_with_token(&format!("/api/v1/students/{child}/guardians"), &admin.token, &json!({"user_id": parent.user_id}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let teacher = app.session("teacher").await;
    let mut browser = signed_in(&app, &teacher).await;
    let form = browser.get("/app/notify").await;
    page_ok(&form);
    let token = csrf_in(&form.text);
    let sent = browser
        .post_form("/app/notify", &[("csrf_token", token.as_str()), ("class_level", "9"), ("section", "A"), ("audience", "guardians"), ("message", "Trip on Friday <b>bring lunch</b>")])
        .await;
    assert_eq!((sent.status, sent.header("location")), (303, Some("/app/notify?sent=1")));
    let mut home = signed_in(&app, &parent).await;
    let inbox = home.get("/app/notifications").await;
    assert!(inbox.text.contains("Trip on Friday &#60;b&#62;bring lunch&#60;/b&#62;") || inbox.text.contains("Trip on Friday &lt;b&gt;"), "{}", inbox.text);
    // Nobody to send to, and an empty message: 422 pages that keep what was typed.
    let none = browser
        .post_form("/app/notify", &[("csrf_token", token.as_str()), ("class_level", "9"), ("section", "A"), ("audience", "students"), ("message", "Hello")])
        .await;
    page_error(&none, 422);
    assert!(none.text.contains(">Hello</textarea>"));
    let blank = browser
        .post_form("/app/notify", &[("csrf_token", token.as_str()), ("class_level", "9"), ("audience", "guardians"), ("message", "  ")])
        .await;
    page_error(&blank, 422);
    page_error(&home.get("/app/notify").await, 403);
});

backend_test!(async fn an_administrator_manages_accounts_with_one_time_passwords(app) {
    let admin = app.session("admin").await;
    let mut browser = signed_in(&app, &admin).await;
    let page = browser.get("/app/admin/users").await;
    page_ok(&page);
    let token = csrf_in(&page.text);
    let created = browser
        .post_form("/app/admin/users", &[("csrf_token", token.as_str()), ("name", "Nia Newhire"), ("email", "nia@school.test"), ("username", ""), ("role", "teacher")])
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let password = created.text.split("data-field=\"password\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    // The one-time password works.
    let mut nia = Browser::new(&app);
    let res = nia.submit("/app/login", "/app/login", &[("identifier", "nia@school.test"), ("password", &password)]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let listed = browser.get("/app/admin/users?q=Nia").await;
    let id: i64 = listed.text.split("id=\"user-").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let action = format!("/app/admin/users/{id}");
    let res = browser.post_form(&action, &[("csrf_token", token.as_str()), ("action", "role"), ("role", "finance")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert!(nia.get("/app").await.text.contains("href=\"/app/finance/dues\""), "the role applies at once");
    let reset = browser.post_form(&action, &[("csrf_token", token.as_str()), ("action", "reset-password")]).await;
    page_ok(&reset);
    assert!(reset.text.contains("data-field=\"password\""));
    assert_eq!(nia.get("/app").await.status, 303, "a reset ends the sessions");
    let off = browser.post_form(&action, &[("csrf_token", token.as_str()), ("action", "deactivate")]).await;
    assert_eq!(off.status, 303);
    // Bad input: a duplicate email, an unknown role, an unknown action, oneself demoted.
    let dup = browser
        .post_form("/app/admin/users", &[("csrf_token", token.as_str()), ("name", "Again"), ("email", "nia@school.test"), ("role", "teacher")])
        .await;
    page_error(&dup, 409);
    page_error(&browser.post_form("/app/admin/users", &[("csrf_token", token.as_str()), ("name", "X"), ("role", "wizard")]).await, 422);
    page_error(&browser.post_form(&action, &[("csrf_token", token.as_str()), ("action", "explode")]).await, 400);
    let me = format!("/app/admin/users/{}", admin.user_id);
    let self_demote = browser.post_form(&me, &[("csrf_token", token.as_str()), ("action", "role"), ("role", "student")]).await;
    assert!((400..500).contains(&self_demote.status), "{}", self_demote.status);
    page_error(&browser.get("/app/admin/users?role=wizard").await, 400);
    // Only administrators.
    let teacher = app.session("teacher").await;
    page_error(&signed_in(&app, &teacher).await.get("/app/admin/users").await, 403);
});

backend_test!(async fn administrators_read_the_audit_log_and_the_system_status(app) {
    let admin = app.session("admin").await;
    let child = student(&app, &admin, json!({"name": "Audited", "class_level": 2})).await;
    let teacher = app.session("teacher").await;
    let mut staff = signed_in(&app, &teacher).await;
    page_ok(&staff.get(&format!("/app/students/{child}")).await);
    let mut browser = signed_in(&app, &admin).await;
    let log = browser.get(&format!("/app/admin/audit?action=student.viewed&actor={}", teacher.user_id)).await;
    page_ok(&log);
    assert!(log.text.contains(&format!("<td>student {child}</td>")), "the teacher's read is in the log: {}", log.text);
    let none = browser.get("/app/admin/audit?action=student.viewed&actor=999999").await;
    assert!(none.text.contains("id=\"no-events\""));
    for bad in ["/app/admin/audit?actor=abc", "/app/admin/audit?from=yesterday", "/app/admin/audit?cursor=!!"] {
        page_error(&browser.get(bad).await, 400);
    }
    let status = browser.get("/app/admin/status").await;
    page_ok(&status);
    assert!(status.text.contains("id=\"readiness\">Ready"), "{}", status.text);
    assert!(status.text.contains("[redacted]"), "{}", status.text);
    assert!(status.text.contains("<td>yes</td>"));
    page_error(&staff.get("/app/admin/status").await, 403);
    page_error(&staff.get("/app/admin/audit").await, 403);
});

backend_test!(async fn staff_add_edit_archive_students_and_link_guardians(app) {
    let teacher = app.session("teacher").await;
    let mut browser = signed_in(&app, &teacher).await;
    let roster = browser.get("/app/students").await;
    let token = csrf_in(&roster.text);
    let bad = browser
        .post_form("/app/students", &[("csrf_token", token.as_str()), ("name", "Zed"), ("class_level", "three"), ("section", "")])
        .await;
    page_error(&bad, 422);
    assert!(bad.text.contains("href=\"#new_class_level\""), "{}", bad.text);
    let added = browser
        .post_form("/app/students", &[("csrf_token", token.as_str()), ("name", "Zed Zephyr"), ("roll_number", "Z-1"), ("class_level", "8"), ("section", "Q")])
        .await;
    assert_eq!(added.status, 303, "{}", added.text);
    let location = added.header("location").unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/app/students/").split('?').next().unwrap().parse().unwrap();
    assert!(browser.get(&location).await.text.contains("Student added."));
    let dup = browser
        .post_form("/app/students", &[("csrf_token", token.as_str()), ("name", "Other"), ("roll_number", "Z-1")])
        .await;
    page_error(&dup, 409);

    // A guardian by email; an unknown one is named in the summary.
    let parent = app.session("parent").await;
    let action = format!("/app/students/{id}/guardians");
    let unknown = browser.post_form(&action, &[("csrf_token", token.as_str()), ("guardian", "nobody@nowhere.test")]).await;
    page_error(&unknown, 422);
    assert!(unknown.text.contains("href=\"#guardian\""), "{}", unknown.text);
    let linked = browser
        .post_form(&action, &[("csrf_token", token.as_str()), ("guardian", &parent.email), ("relationship", "aunt")])
        .await;
    assert_eq!(linked.status, 303, "{}", linked.text);
    let page = browser.get(&format!("/app/students/{id}")).await;
    assert!(page.text.contains("(aunt)"), "{}", page.text);
    page_ok(&signed_in(&app, &parent).await.get(&format!("/app/students/{id}")).await);

    // Archive: withdrawn students leave the attendance list.
    let in_class = browser.get("/app/attendance?class_level=8&section=Q&date=2026-09-01").await;
    assert!(in_class.text.contains("Zed Zephyr"));
    let edit = format!("/app/students/{id}");
    let res = browser
        .post_form(&edit, &[("csrf_token", token.as_str()), ("name", "Zed Zephyr"), ("class_level", "8"), ("section", "Q"), ("status", "withdrawn")])
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert!(!browser.get("/app/attendance?class_level=8&section=Q&date=2026-09-01").await.text.contains("Zed Zephyr"));
    let bad_status = browser
        .post_form(&edit, &[("csrf_token", token.as_str()), ("name", "Zed"), ("status", "expelled")])
        .await;
    page_error(&bad_status, 422);
    page_error(&browser.post_form("/app/students/99999999", &[("csrf_token", token.as_str()), ("name", "X")]).await, 404);
    // Families and the finance office do not keep records.
    let finance = app.session("finance").await;
    let mut office = signed_in(&app, &finance).await;
    let t = csrf_in(&office.get("/app/students").await.text);
    page_error(&office.post_form(&edit, &[("csrf_token", t.as_str()), ("name", "Hacked")]).await, 403);
});

backend_test!(async fn the_finance_office_manages_courses_and_logs_contacts(app) {
    let finance = app.session("finance").await;
    let mut office = signed_in(&app, &finance).await;
    let page = office.get("/app/courses").await;
    page_ok(&page);
    let token = csrf_in(&page.text);
    let bad = office
        .post_form("/app/courses", &[("csrf_token", token.as_str()), ("code", "BIO1"), ("name", "Biology"), ("credits", "x"), ("fee", "50")])
        .await;
    page_error(&bad, 422);
    assert!(bad.text.contains("href=\"#credits\""), "{}", bad.text);
    let bad_fee = office
        .post_form("/app/courses", &[("csrf_token", token.as_str()), ("code", "BIO1"), ("name", "Biology"), ("credits", "3"), ("fee", "lots")])
        .await;
    page_error(&bad_fee, 422);
    let made = office
        .post_form("/app/courses", &[("csrf_token", token.as_str()), ("code", "BIO1"), ("name", "Biology"), ("credits", "3"), ("fee", "50.00")])
        .await;
    assert_eq!(made.status, 303, "{}", made.text);
    page_error(
        &office.post_form("/app/courses", &[("csrf_token", token.as_str()), ("code", "BIO1"), ("name", "Again"), ("credits", "3"), ("fee", "5")]).await,
        409,
    );
    let list = office.get("/app/courses?done=created").await;
    let id: i64 = list.text.split("action=\"/app/courses/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    // A student sees it and enrols; then the office raises the fee and closes it.
    let learner = app.session("student").await;
    let mut own = signed_in(&app, &learner).await;
    let catalogue = own.get("/app/courses").await;
    assert!(catalogue.text.contains("id=\"enroll-BIO1\""));
    assert!(!catalogue.text.contains("id=\"course-form\""), "students do not manage courses");
    let t = csrf_in(&catalogue.text);
    assert_eq!(own.post_form(&format!("/app/courses/{id}/enroll"), &[("csrf_token", t.as_str())]).await.status, 303);
    let change = format!("/app/courses/{id}");
    let res = office.post_form(&change, &[("csrf_token", token.as_str()), ("fee", "75.00"), ("state", "closed")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let closed = office.get("/app/courses").await;
    assert!(closed.text.contains("<td>closed</td>"), "{}", closed.text);
    assert!(!own.get("/app/courses").await.text.contains("Biology"), "a closed course leaves the students' catalogue");
    page_error(&office.post_form(&change, &[("csrf_token", token.as_str()), ("state", "maybe")]).await, 400);
    page_error(&own.post_form(&change, &[("csrf_token", t.as_str()), ("fee", "1")]).await, 403);

    // The contact log: the student owes 50.00 (the fee when they enrolled).
    let home = own.get("/app").await;
    let sid: i64 = home.text.split("/app/students/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let record = office.get(&format!("/app/students/{sid}")).await;
    assert!(record.text.contains("Owes <strong>50.00</strong>"), "{}", record.text);
    assert!(record.text.contains("id=\"no-contacts\""));
    let action = format!("/app/students/{sid}/contacts");
    let logged = office.post_form(&action, &[("csrf_token", token.as_str()), ("method", "PHONE"), ("notes", "Spoke to the mother")]).await;
    assert_eq!(logged.status, 303, "{}", logged.text);
    let after = office.get(&format!("/app/students/{sid}")).await;
    assert!(after.text.contains("PHONE: Spoke to the mother"), "{}", after.text);
    let bad_method = office.post_form(&action, &[("csrf_token", token.as_str()), ("method", "CARRIER PIGEON")]).await;
    page_error(&bad_method, 422);
    assert!(bad_method.text.contains("href=\"#contact_method\""), "{}", bad_method.text);
    // The student was told; the student cannot log contacts, nor see the log.
    assert!(own.get("/app/notifications").await.text.contains("id=\"unread\""));
    page_error(&own.post_form(&action, &[("csrf_token", t.as_str()), ("method", "EMAIL")]).await, 403);
    assert!(!own.get(&format!("/app/students/{sid}")).await.text.contains("Contact log"));
});
