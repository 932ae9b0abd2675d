//! The authorization matrix: endpoint × role (and own/other record) → expected status.
//! Every issue that adds endpoints adds rows here.

use campus_test_support::{Session, TestApp, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

/// Who calls: nobody, or a fresh user of a role.
const CALLERS: [&str; 7] = [
    "anonymous",
    "admin",
    "teacher",
    "finance",
    "student",
    "parent",
    "user",
];

struct Row {
    method: Method,
    /// `{other}` is replaced by another user's id, `{contact}` by another user's contact id,
    /// `{student}` by a student nobody in `CALLERS` is linked to; in bodies `{n}` is unique per
    /// request and `{i}` is the caller's index.
    path: &'static str,
    body: Option<Value>,
    /// Expected status per caller, in `CALLERS` order.
    expect: [u16; 7],
}

fn rows() -> Vec<Row> {
    let any = [401, 200, 200, 200, 200, 200, 200];
    let admin_only = [401, 200, 403, 403, 403, 403, 403];
    vec![
        Row {
            method: Method::GET,
            path: "/api/v1/me",
            body: None,
            expect: any,
        },
        // Usage is personal; staff (admin, teacher) read and record anyone's; a parent only a
        // linked child's (nobody here is linked to `{other}`).
        Row {
            method: Method::POST,
            path: "/api/v1/usage",
            body: Some(json!({"action": "reading"})),
            expect: [401, 201, 201, 201, 201, 201, 201],
        },
        Row {
            method: Method::GET,
            path: "/api/v1/usage/current",
            body: None,
            expect: any,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/usage/summary",
            body: None,
            expect: any,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/usage?user_id={other}",
            body: None,
            expect: [401, 200, 200, 403, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            path: "/api/v1/usage/summary?user_id={other}",
            body: None,
            expect: [401, 200, 200, 403, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            path: "/api/v1/usage",
            body: Some(json!({"action": "lesson", "user_id": "{other}"})),
            expect: [401, 201, 201, 403, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            path: "/api/v1/usage/summary?class_level=7",
            body: None,
            expect: [401, 200, 200, 403, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            path: "/logs/{other}",
            body: None,
            expect: [401, 200, 200, 403, 403, 403, 403],
        },
        // Parking is personal: every signed-in user has their own events and scores.
        Row {
            method: Method::GET,
            path: "/api/v1/parking-events",
            body: None,
            expect: any,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/parking-events",
            body: Some(json!({"latitude": 1, "longitude": 2})),
            expect: [401, 201, 201, 201, 201, 201, 201],
        },
        Row {
            method: Method::GET,
            path: "/api/v1/me/scores",
            body: None,
            expect: any,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/users/{other}/parking-events",
            body: None,
            expect: admin_only,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/caring-for",
            body: None,
            expect: any,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/me/emergency-contacts",
            body: None,
            expect: any,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/users",
            body: None,
            expect: admin_only,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/users/{other}",
            body: None,
            expect: admin_only,
        },
        Row {
            method: Method::PATCH,
            path: "/api/v1/users/{other}",
            body: Some(json!({"name": "Renamed"})),
            expect: admin_only,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/audit",
            body: None,
            expect: admin_only,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/users",
            body: Some(
                json!({"email": "made-{n}@school.test", "password": "Str0ng!pass", "role": "teacher"}),
            ),
            expect: [401, 201, 403, 403, 403, 403, 403],
        },
        // Someone else's record: never found, whoever asks.
        Row {
            method: Method::PATCH,
            path: "/api/v1/me/emergency-contacts/{contact}",
            body: Some(json!({"name": "Mine now"})),
            expect: [401, 404, 404, 404, 404, 404, 404],
        },
        Row {
            method: Method::DELETE,
            path: "/api/v1/me/emergency-contacts/{contact}",
            body: None,
            expect: [401, 404, 404, 404, 404, 404, 404],
        },
        Row {
            method: Method::POST,
            path: "/api/v1/users/{other}/deactivate",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
    ]
}

/// School records: staff write, finance reads records only, an unlinked parent or student
/// finds nothing (404), `user` has no access (403).
fn school_rows() -> Vec<Row> {
    let record = [401, 200, 200, 200, 404, 404, 403];
    let progress = [401, 200, 200, 403, 404, 404, 403];
    let staff_create = [401, 201, 201, 403, 403, 403, 403];
    let staff_ok = [401, 200, 200, 403, 403, 403, 403];
    let get = |path: &'static str, expect| Row {
        method: Method::GET,
        path,
        body: None,
        expect,
    };
    let with = |method: Method, path: &'static str, body: Value, expect| Row {
        method,
        path,
        body: Some(body),
        expect,
    };
    vec![
        get("/api/v1/students", [401, 200, 200, 200, 200, 200, 403]),
        with(
            Method::POST,
            "/api/v1/students",
            json!({"name": "New {n}"}),
            staff_create,
        ),
        get("/api/v1/students/{student}", record),
        with(
            Method::PATCH,
            "/api/v1/students/{student}",
            json!({"section": "B"}),
            staff_ok,
        ),
        get("/api/v1/students/{student}/guardians", record),
        get("/api/v1/students/{student}/grades", progress),
        with(
            Method::POST,
            "/api/v1/students/{student}/grades",
            json!({"subject": "Maths", "score": 70}),
            staff_create,
        ),
        get("/api/v1/students/{student}/gpa", progress),
        get(
            "/api/v1/students/{student}/gpa/needed?target=3&remaining_credits=4",
            progress,
        ),
        with(
            Method::POST,
            "/api/v1/students/{student}/gpa/what-if",
            json!({"grades": []}),
            progress,
        ),
        get("/api/v1/students/{student}/attendance", progress),
        with(
            Method::POST,
            "/api/v1/students/{student}/attendance",
            json!({"date": "2026-10-1{i}", "status": "Present"}),
            staff_create,
        ),
        with(
            Method::POST,
            "/api/v1/attendance/bulk",
            json!({"date": "2026-09-1{i}", "marks": [{"student_id": "{student}", "status": "Late"}]}),
            staff_ok,
        ),
        get("/api/v1/students/{student}/activities", progress),
        with(
            Method::POST,
            "/api/v1/students/{student}/activities",
            json!({"activity_name": "Chess"}),
            staff_create,
        ),
        get("/api/v1/lookups/subject", [401, 200, 200, 200, 200, 200, 200]),
        get("/api/v1/lookups/name", staff_ok),
        with(
            Method::POST,
            "/api/v1/lookups/subject",
            json!({"values": ["Subject {n}"]}),
            staff_ok,
        ),
        get("/api/v1/documents/MISSING", [401, 404, 404, 404, 404, 404, 404]),
        with(
            Method::PUT,
            "/api/v1/documents/DOC{i}",
            json!({"text": "hello"}),
            staff_ok,
        ),
        get("/api/v1/marks", staff_ok),
    ]
}

/// Finance and notifications: finance staff and admins handle money, a student reaches only
/// their own (an unlinked one finds nothing), teachers nothing financial.
fn finance_rows() -> Vec<Row> {
    let read = [401, 200, 403, 200, 404, 404, 403];
    let finance_staff = [401, 200, 403, 200, 403, 403, 403];
    let get = |path: &'static str, expect| Row {
        method: Method::GET,
        path,
        body: None,
        expect,
    };
    let post = |path: &'static str, body: Value, expect| Row {
        method: Method::POST,
        path,
        body: Some(body),
        expect,
    };
    vec![
        get("/api/v1/students/{student}/balance", read),
        get("/api/v1/students/{student}/ledger", read),
        get("/api/v1/students/{student}/statement", read),
        get("/api/v1/students/{student}/enrollments", read),
        post(
            "/api/v1/students/{student}/payments",
            json!({"amount": 1}),
            [401, 201, 403, 201, 404, 403, 403],
        ),
        get("/api/v1/payment-declarations", finance_staff),
        get("/api/v1/payment-declarations?student_id={student}", read),
        post(
            "/api/v1/payment-declarations/999999/confirm",
            json!({}),
            [401, 404, 403, 404, 403, 403, 403],
        ),
        post(
            "/api/v1/payment-declarations/999999/reject",
            json!({"note": "no"}),
            [401, 404, 403, 404, 403, 403, 403],
        ),
        post(
            "/api/v1/students/{student}/contact",
            json!({}),
            [401, 201, 403, 201, 403, 403, 403],
        ),
        get("/api/v1/courses", [200; 7]),
        post(
            "/api/v1/courses",
            json!({"code": "C{n}", "name": "Course", "credits": 1, "fee": 1}),
            [401, 201, 403, 201, 403, 403, 403],
        ),
        get("/api/v1/finance/reports/outstanding", finance_staff),
        get("/api/v1/finance/reports/aging?format=csv", finance_staff),
        get("/api/v1/me/notifications", [401, 200, 200, 200, 200, 200, 200]),
        post(
            "/api/v1/notifications",
            json!({"role": "user", "message": "hello"}),
            [401, 201, 201, 201, 403, 403, 403],
        ),
        get("/api/v1/exports/students", [401, 200, 200, 200, 403, 403, 403]),
        get(
            "/api/v1/exports/grades?format=json",
            [401, 200, 200, 403, 403, 403, 403],
        ),
    ]
}

/// Reports follow the records they show (school records, or the ledger); batches are for
/// teachers and administrators; the email outbox for administrators; preferences and
/// password reset for everyone.
fn report_rows() -> Vec<Row> {
    let row = |method: Method, path: &'static str, body: Option<Value>, expect| Row {
        method,
        path,
        body,
        expect,
    };
    vec![
        // The first (admin) renders it; the same request with the same data is the stored one.
        row(
            Method::POST,
            "/api/v1/students/{student}/reports",
            Some(json!({"kind": "transcript"})),
            [401, 201, 200, 403, 404, 404, 403],
        ),
        row(
            Method::POST,
            "/api/v1/students/{student}/reports",
            Some(json!({"kind": "statement"})),
            [401, 201, 403, 200, 404, 404, 403],
        ),
        row(
            Method::GET,
            "/api/v1/students/{student}/reports",
            None,
            [401, 200, 200, 200, 404, 404, 403],
        ),
        row(
            Method::POST,
            "/api/v1/reports/batches",
            Some(json!({"class_level": 13})),
            [401, 422, 422, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            "/api/v1/reports/batches/999999",
            None,
            [401, 404, 404, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            "/api/v1/reports/999999",
            None,
            [401, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/admin/email/outbox",
            None,
            [401, 200, 403, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            "/api/v1/me/notification-preferences",
            None,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            Method::POST,
            "/api/v1/auth/password-reset",
            Some(json!({"email": "nobody{i}@matrix.test"})),
            [202; 7],
        ),
    ]
}

async fn callers(app: &TestApp) -> Vec<Option<Session>> {
    let mut sessions = vec![None];
    for role in &CALLERS[1..] {
        sessions.push(Some(app.session(role).await));
    }
    sessions
}

backend_test!(async fn every_endpoint_allows_exactly_the_roles_it_should(app) {
    let sessions = callers(&app).await;
    let victim = app.session("user").await;
    let contact = app
        .post_json_with_token("/api/v1/me/emergency-contacts", &victim.token, &json!({"name": "Dad"}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let student = app
        .post_json_with_token("/api/v1/students", &sessions[1].as_ref().unwrap().token, &json!({"name": "Matrix Kid"}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let mut failures = Vec::new();
    for (n, row) in rows().into_iter().chain(school_rows()).chain(finance_rows()).chain(report_rows()).enumerate() {
        for (i, caller) in CALLERS.iter().enumerate() {
            let path = row
                .path
                .replace("{other}", &victim.user_id.to_string())
                .replace("{contact}", &contact.to_string())
                .replace("{student}", &student.to_string());
            let mut request = app.request(row.method.clone(), &path);
            if let Some(body) = &row.body {
                let text = body
                    .to_string()
                    .replace("{n}", &format!("{n}-{i}"))
                    .replace("{i}", &i.to_string())
                    .replace("\"{student}\"", &student.to_string())
                    .replace("\"{other}\"", &victim.user_id.to_string());
                request = request.header("content-type", "application/json").body(text);
            }
            if let Some(s) = &sessions[i] {
                request = request.bearer_auth(&s.token);
            }
            let res = app.send(request).await;
            if res.status != row.expect[i] {
                failures.push(format!("{} {} as {caller}: {} (expected {}) {}", row.method, path, res.status, row.expect[i], res.text));
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix mismatches:\n{}", failures.join("\n"));
});
