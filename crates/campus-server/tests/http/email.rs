//! Email through a real SMTP server (aiosmtpd on loopback, lettre's SMTP transport): password
//! reset, guardian alerts with preferences and digests, the report card attachment, a server
//! that is down (nothing lost, nothing sent twice), and header injection.

use campus_server::mailer;
use campus_test_support::smtp::{Smtp, smtp};
use campus_test_support::{Session, TEST_PASSWORD, TestApp, backend_test};
use mailparse::MailHeaderMap;
use serde_json::json;

fn configure(s: &mut campus_config::Settings) {
    if let Some(smtp) = smtp() {
        smtp.configure(s);
    }
}

/// A user with an address no other test uses (every test shares the one mailbox).
async fn user_with_email(app: &TestApp, role: &str) -> (Session, String) {
    let admin = app.session("admin").await;
    let email = format!("{role}-{}@families.test", uuid::Uuid::new_v4().simple());
    let res = app
        .post_json_with_token(
            "/api/v1/users",
            &admin.token,
            &json!({"email": email, "name": format!("Pat {role}"), "password": TEST_PASSWORD, "role": role}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    (app.login(&email, TEST_PASSWORD, id).await, email)
}

async fn deliver(app: &TestApp) -> usize {
    let smtp = mailer::transport(&app.state.settings().email).unwrap().unwrap();
    mailer::deliver_due(&app.state, &smtp).await.unwrap()
}

/// POSTs `body` (JSON) with `Host: evil.test`; the response's status line and body.
async fn forged_host_post(app: &TestApp, path: &str, body: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: evil.test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer.as_str(), ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

/// The text part of a message.
fn text_of(parsed: &mailparse::ParsedMail<'_>) -> String {
    if parsed.ctype.mimetype == "text/plain" {
        return parsed.get_body().unwrap();
    }
    parsed.subparts.iter().map(text_of).collect()
}

fn only_message(smtp: &Smtp, to: &str) -> Vec<u8> {
    let mut found = smtp.messages_to(to);
    assert_eq!(found.len(), 1, "messages to {to}: {}", found.len());
    found.remove(0)
}

backend_test!(async fn a_password_reset_email_sets_a_new_password_once(app) settings(configure) {
    let Some(smtp) = smtp() else { return };
    let (user, email) = user_with_email(&app, "parent").await;
    // A forged Host header does not choose where the emailed link points (sent by hand: an
    // HTTP client sets Host from the URL).
    let body = json!({"email": email.to_uppercase()}).to_string();
    let (status_line, answer) = forged_host_post(&app, "/api/v1/auth/password-reset", &body).await;
    assert!(status_line.contains(" 202 "), "{status_line}");
    let unknown = app.post_json("/api/v1/auth/password-reset", &json!({"email": "nobody-here@families.test"})).await;
    assert_eq!(unknown.status, 202);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&answer).unwrap(), unknown.json(), "the same answer for an unknown address");
    app.post_json("/api/v1/auth/password-reset", &json!({"email": "a@b.test\r\nBcc: x@evil.test"})).await.assert_problem(422, "validation_failed");

    assert!(deliver(&app).await >= 1);
    let raw = only_message(&smtp, &email);
    let parsed = mailparse::parse_mail(&raw).unwrap();
    assert_eq!(parsed.headers.get_first_value("Subject").unwrap(), "Reset your Campus password");
    assert!(parsed.headers.get_first_value("To").unwrap().contains(&email));
    assert!(parsed.headers.get_first_value("Message-ID").unwrap().ends_with("@campus>"));
    let text = text_of(&parsed);
    let link = text.lines().find(|l| l.contains("/reset-password/confirm?token=")).unwrap().trim().to_owned();
    assert!(!text.contains("evil.test") && link.starts_with("http://127.0.0.1:"), "{link}");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert!(parsed.subparts.iter().any(|p| p.ctype.mimetype == "text/html"), "text and HTML");

    app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "short"})).await.assert_problem(422, "validation_failed");
    let res = app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "N3w!Password-2026"})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get_with_token("/api/v1/me", &user.token).await.assert_problem(401, "token_revoked");
    let login = app.post_json("/api/v1/auth/login", &json!({"login": email, "password": "N3w!Password-2026"})).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let again = app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "An0ther!Password"})).await;
    again.assert_problem(422, "validation_failed");

    // Two more links: expired, both are refused; once a password is set with one, the other
    // stops working too.
    app.post_json("/api/v1/auth/password-reset", &json!({"email": email})).await;
    app.post_json("/api/v1/auth/password-reset", &json!({"email": email})).await;
    deliver(&app).await;
    let tokens: Vec<String> = smtp
        .messages_to(&email)
        .into_iter()
        .map(|raw| text_of(&mailparse::parse_mail(&raw).unwrap()))
        .filter(|t| !t.contains(&token))
        .map(|t| t.lines().find(|l| l.contains("token=")).unwrap().split("token=").nth(1).unwrap().trim().to_owned())
        .collect();
    assert_eq!(tokens.len(), 2);
    use sea_orm::ConnectionTrait;
    let db = app.state.db();
    db.execute_unprepared("UPDATE password_resets SET expires_ms = 0 WHERE used_ms IS NULL").await.unwrap();
    app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": tokens[0], "password": "An0ther!Password"})).await.assert_problem(422, "validation_failed");
    db.execute_unprepared("UPDATE password_resets SET expires_ms = 99999999999999 WHERE used_ms IS NULL").await.unwrap();
    let res = app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": tokens[0], "password": "An0ther!Password"})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.post_json("/api/v1/auth/password-reset/confirm", &json!({"token": tokens[1], "password": "Th1rd!Password"})).await.assert_problem(422, "validation_failed");

    // Administrators listing the outbox do not see reset links.
    let admin = app.session("admin").await;
    let sent = app.get_with_token("/api/v1/admin/email/outbox?status=sent", &admin.token).await.json();
    assert!(!sent.to_string().contains(&tokens[1]), "{sent}");
});

backend_test!(async fn guardians_get_alerts_by_email_as_they_chose(app) settings(configure) {
    let Some(smtp) = smtp() else { return };
    let teacher = app.session("teacher").await;
    let (parent, email) = user_with_email(&app, "parent").await;
    let sid = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "Noor", "class_level": 4})).await.json()["id"].as_i64().unwrap();
    let res = app.post_json_with_token(&format!("/api/v1/students/{sid}/guardians"), &teacher.token, &json!({"user_id": parent.user_id})).await;
    assert!(res.status == 201 || res.status == 200, "{}", res.text);

    // Absent twice the same day (re-marked in between): one alert.
    for status in ["Absent", "Present", "Absent"] {
        let res = app.post_json_with_token(&format!("/api/v1/students/{sid}/attendance"), &teacher.token, &json!({"date": "2026-11-02", "status": status})).await;
        assert!(res.status == 201 || res.status == 200, "{}", res.text);
    }
    // A low grade, and a good one that tells nobody.
    app.post_json_with_token(&format!("/api/v1/students/{sid}/grades"), &teacher.token, &json!({"subject": "Algebra", "score": 41})).await;
    app.post_json_with_token(&format!("/api/v1/students/{sid}/grades"), &teacher.token, &json!({"subject": "Art", "score": 97})).await;
    deliver(&app).await;
    let subjects: Vec<String> = smtp
        .messages_to(&email)
        .iter()
        .map(|raw| mailparse::parse_mail(raw).unwrap().headers.get_first_value("Subject").unwrap())
        .collect();
    assert_eq!(subjects.iter().filter(|s| *s == "Absence recorded").count(), 1, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| *s == "A grade needs your attention").count(), 1, "{subjects:?}");
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    let notes = app.get_with_token("/api/v1/me/notifications", &parent.token).await.json();
    assert_eq!(notes["notifications"].as_array().unwrap().len(), 2, "in-app as well: {notes}");

    // Absence emails off: the next absence is in-app only. A report card comes with its PDF.
    let res = app.send(app.request(reqwest::Method::PUT, "/api/v1/me/notification-preferences").bearer_auth(&parent.token)
        .json(&json!([{"topic": "absence", "channel": "off"}]))).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.json().as_array().unwrap().iter().any(|p| p["topic"] == "absence" && p["channel"] == "off"));
    app.post_json_with_token(&format!("/api/v1/students/{sid}/attendance"), &teacher.token, &json!({"date": "2026-11-03", "status": "Absent"})).await;
    let res = app.post_json_with_token(&format!("/api/v1/students/{sid}/reports"), &teacher.token, &json!({"kind": "progress"})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    deliver(&app).await;
    let all = smtp.messages_to(&email);
    assert_eq!(all.len(), 3, "one more: the report card");
    let card = all.iter().map(|raw| mailparse::parse_mail(raw).unwrap()).find(|m| m.headers.get_first_value("Subject").unwrap() == "A new report card is available").unwrap();
    let pdf = card.subparts.iter().find(|p| p.ctype.mimetype == "application/pdf").expect("the PDF is attached");
    assert!(pdf.get_body_raw().unwrap().starts_with(b"%PDF-"));
    assert!(pdf.get_content_disposition().params.get("filename").unwrap().starts_with("progress-"));
    assert!(text_of(&card).contains("Noor"));

    // The seeds' other notices stay in-app until the user opts in.
    let send = |message: &'static str| {
        let (app, teacher, parent) = (&app, &teacher, &parent);
        async move {
            let res = app.post_json_with_token("/api/notifications/send", &teacher.token, &json!({"user_id": parent.user_id, "message": message})).await;
            assert_eq!(res.status, 201, "{}", res.text);
        }
    };
    send("Trip on Friday").await;
    deliver(&app).await;
    assert_eq!(smtp.messages_to(&email).len(), 3, "not opted in");
    app.send(app.request(reqwest::Method::PUT, "/api/v1/me/notification-preferences").bearer_auth(&parent.token)
        .json(&json!([{"topic": "notices", "channel": "instant"}]))).await;
    send("Bring a coat").await;
    deliver(&app).await;
    let all = smtp.messages_to(&email);
    assert_eq!(all.len(), 4);
    assert!(all.iter().any(|raw| text_of(&mailparse::parse_mail(raw).unwrap()).contains("Bring a coat")));

    // Unknown topics and channels are refused.
    let res = app.send(app.request(reqwest::Method::PUT, "/api/v1/me/notification-preferences").bearer_auth(&parent.token)
        .json(&json!([{"topic": "weather", "channel": "sometimes"}]))).await;
    res.assert_problem(422, "validation_failed");
});

backend_test!(async fn a_digest_gathers_a_days_notices_into_one_email(app) settings(|s| { configure(s); s.email.digest_hour = 0; }) {
    let Some(smtp) = smtp() else { return };
    let teacher = app.session("teacher").await;
    let (parent, email) = user_with_email(&app, "parent").await;
    let sid = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "Ravi", "class_level": 4})).await.json()["id"].as_i64().unwrap();
    app.post_json_with_token(&format!("/api/v1/students/{sid}/guardians"), &teacher.token, &json!({"user_id": parent.user_id})).await;
    let res = app.send(app.request(reqwest::Method::PUT, "/api/v1/me/notification-preferences").bearer_auth(&parent.token)
        .json(&json!([{"topic": "absence", "channel": "digest"}, {"topic": "low_grade", "channel": "digest"}]))).await;
    assert_eq!(res.status, 200);
    app.post_json_with_token(&format!("/api/v1/students/{sid}/attendance"), &teacher.token, &json!({"date": "2026-11-04", "status": "Absent"})).await;
    app.post_json_with_token(&format!("/api/v1/students/{sid}/grades"), &teacher.token, &json!({"subject": "Latin", "score": 30})).await;
    deliver(&app).await;
    assert!(smtp.messages_to(&email).is_empty(), "held for the digest");
    assert_eq!(app.state.mail().gather_digests(chrono::Utc::now()).await.unwrap(), 1);
    assert_eq!(app.state.mail().gather_digests(chrono::Utc::now()).await.unwrap(), 0, "once a day");
    deliver(&app).await;
    let text = text_of(&mailparse::parse_mail(&only_message(&smtp, &email)).unwrap());
    assert!(text.contains("Ravi was marked Absent on 2026-11-04.") && text.contains("Latin"), "{text}");
});

backend_test!(async fn a_down_smtp_server_loses_nothing_and_sends_nothing_twice(app) settings(|s| { configure(s); s.email.smtp_port = 9; }) {
    let Some(smtp) = smtp() else { return };
    let (_, email) = user_with_email(&app, "student").await;
    let res = app.post_json("/api/v1/auth/password-reset", &json!({"email": email})).await;
    assert_eq!(res.status, 202, "the request does not wait on SMTP");
    let down = mailer::transport(&app.state.settings().email).unwrap().unwrap();
    assert_eq!(mailer::deliver_due(&app.state, &down).await.unwrap(), 0);
    let admin = app.session("admin").await;
    let queued = app.get_with_token("/api/v1/admin/email/outbox?status=queued", &admin.token).await.json();
    let mine: Vec<&serde_json::Value> = queued.as_array().unwrap().iter().filter(|m| m["to_address"] == email.as_str()).collect();
    assert_eq!(mine.len(), 1, "{queued}");
    assert_eq!(mine[0]["attempts"], 1);
    assert!(mine[0]["last_error"].is_string());

    // The server is back: the retry (due once its backoff passes) is delivered, once.
    use sea_orm::ConnectionTrait;
    let db = app.state.db();
    db.execute_unprepared("UPDATE email_outbox SET next_attempt_ms = 0 WHERE status = 'queued'").await.unwrap();
    let mut up = app.state.settings().email.clone();
    up.smtp_port = smtp.port;
    let up = mailer::transport(&up).unwrap().unwrap();
    mailer::deliver_due(&app.state, &up).await.unwrap();
    mailer::deliver_due(&app.state, &up).await.unwrap();
    assert_eq!(smtp.messages_to(&email).len(), 1);

    // A message the transport refuses (CR/LF in the address) is dead at once, for admins.
    let backend = db.get_database_backend();
    let created = if backend == sea_orm::DbBackend::Sqlite { "2026-11-30 00:00:00+00:00" } else { "2026-11-30 00:00:00" };
    db.execute_unprepared(&format!(
        "INSERT INTO email_outbox (message_id, to_address, template, subject, body, status, attempts, next_attempt_ms, created_at) \
         VALUES ('<x-{}@campus>', 'victim@school.test\r\nBcc: spy@evil.test', 'notice', 'Hi', 'Hello', 'queued', 0, 0, '{created}')",
        uuid::Uuid::new_v4().simple()
    )).await.unwrap();
    mailer::deliver_due(&app.state, &up).await.unwrap();
    let dead = app.get_with_token("/api/v1/admin/email/outbox", &admin.token).await.json();
    assert!(dead.as_array().unwrap().iter().any(|m| m["to_address"].as_str().unwrap().contains("Bcc")), "{dead}");
    assert!(smtp.messages_to("spy@evil.test").is_empty());
    let id = dead[0]["id"].as_i64().unwrap();
    let res = app.send(app.request(reqwest::Method::POST, &format!("/api/v1/admin/email/outbox/{id}/retry")).bearer_auth(&admin.token)).await;
    assert_eq!(res.status, 204);
    let teacher = app.session("teacher").await;
    app.get_with_token("/api/v1/admin/email/outbox", &teacher.token).await.assert_problem(403, "forbidden");
});

backend_test!(async fn the_reset_pages_work_in_a_browser(app) settings(configure) {
    let Some(smtp) = smtp() else { return };
    let (_, email) = user_with_email(&app, "teacher").await;
    let mut b = crate::compat_kvstore::Browser::new(&app);
    let res = b.post_form("/reset-password", &[("csrf_token", "forged"), ("email", &email)]).await;
    assert_eq!(res.status, 403, "a form without this site's token is refused");
    let res = b.submit("/reset-password", "/reset-password", &[("email", &email)]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("a link to choose a new password is on its way"), "{}", res.text);
    let res = b.submit("/reset-password", "/reset-password", &[("email", "not an address")]).await;
    assert_eq!(res.status, 422);
    deliver(&app).await;
    let text = text_of(&mailparse::parse_mail(&only_message(&smtp, &email)).unwrap());
    let link = text.lines().find(|l| l.contains("token=")).unwrap().trim().to_owned();
    let path = link.split_once("/reset-password").map(|(_, rest)| format!("/reset-password{rest}")).unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let res = b.submit(&path, "/reset-password/confirm", &[("token", &token), ("password", "N3w!Password-2026"), ("confirm", "different")]).await;
    assert_eq!(res.status, 422);
    let res = b.submit(&path, "/reset-password/confirm", &[("token", &token), ("password", "N3w!Password-2026"), ("confirm", "N3w!Password-2026")]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("Your password is changed"));
    let res = b.submit(&path, "/reset-password/confirm", &[("token", &token), ("password", "An0ther!Password"), ("confirm", "An0ther!Password")]).await;
    assert_eq!(res.status, 422, "a used link does not work again");
});

backend_test!(async fn parents_hear_of_dues_overdue_once_a_week(app) {
    let finance = app.session("finance").await;
    let parent = app.session("parent").await;
    let teacher = app.session("teacher").await;
    let sid = app.post_json_with_token("/api/v1/students", &teacher.token, &json!({"name": "Owes"})).await.json()["id"].as_i64().unwrap();
    app.post_json_with_token(&format!("/api/v1/students/{sid}/guardians"), &teacher.token, &json!({"user_id": parent.user_id})).await;
    let course = app.post_json_with_token("/api/v1/courses", &finance.token, &json!({"code": "OD1", "name": "Overdue", "credits": 1, "fee": 300})).await.json()["id"].as_i64().unwrap();
    let res = app.post_json_with_token("/api/v1/enrollments", &finance.token, &json!({"course_id": course, "student_id": sid})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let now = chrono::Utc::now();
    assert_eq!(app.state.finance().alert_overdue_dues(now).await.unwrap(), 0, "a fresh charge is not overdue");
    // The charge is 40 days old: overdue past the default 30 days, told once this week.
    let later = now + chrono::Duration::days(40);
    assert_eq!(app.state.finance().alert_overdue_dues(later).await.unwrap(), 1);
    assert_eq!(app.state.finance().alert_overdue_dues(later).await.unwrap(), 0, "at most once a week");
    assert_eq!(app.state.finance().alert_overdue_dues(later + chrono::Duration::days(7)).await.unwrap(), 1, "the next week again");
    let notes = app.get_with_token("/api/v1/me/notifications", &parent.token).await.json();
    let overdue: Vec<&serde_json::Value> = notes["notifications"].as_array().unwrap().iter().filter(|n| n["kind"] == "DUES_OVERDUE").collect();
    assert_eq!(overdue.len(), 2, "{notes}");
    assert!(overdue[0]["message"].as_str().unwrap().contains("300.00"));
});
