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
    /// `{other}` is replaced by another user's id, `{contact}` by another user's contact id.
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
    let mut failures = Vec::new();
    for (n, row) in rows().into_iter().enumerate() {
        for (i, caller) in CALLERS.iter().enumerate() {
            let path = row
                .path
                .replace("{other}", &victim.user_id.to_string())
                .replace("{contact}", &contact.to_string());
            let mut request = app.request(row.method.clone(), &path);
            if let Some(body) = &row.body {
                let text = body.to_string().replace("{n}", &format!("{n}-{i}"));
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
