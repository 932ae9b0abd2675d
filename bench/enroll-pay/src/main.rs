//! The enroll-and-pay flow under load, driven by goose (scripts/bench.sh runs it).
//!
//! Each goose user creates a course once, then repeats: create a student, enroll them in the
//! course (`Idempotency-Key`), read the balance, pay it in full (`Idempotency-Key`), read the
//! balance again and fail the transaction unless it is zero. Every request must succeed;
//! goose's report counts failures per request, and the process exits non-zero if any failed.
//!
//!     CAMPUS_TOKEN=<admin bearer token> campus-bench-enroll-pay --host http://127.0.0.1:5077 \
//!         --users 64 --hatch-rate 64 --run-time 20s

use goose::prelude::*;
use serde_json::{Value, json};

/// The course each user enrolls its students in.
struct Session {
    course_id: i64,
}

/// The bearer token every request carries (`CAMPUS_TOKEN`).
fn token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| std::env::var("CAMPUS_TOKEN").unwrap_or_default())
}

/// What an answer's body must satisfy for its request to count as a success.
type Accept = fn(&Value) -> bool;

fn any(_: &Value) -> bool {
    true
}

/// Sends `method path` with the user's token and, for a write, a JSON body and a fresh
/// idempotency key; returns the answer's JSON when the status is `expect` and `accept` holds,
/// otherwise the request is counted as failed.
async fn call(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    name: &str,
    body: Option<Value>,
    (expect, accept): (u16, Accept),
) -> Result<Value, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&method, path)?.bearer_auth(token());
    if let Some(body) = body {
        builder = builder
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&body);
    }
    let request = GooseRequest::builder()
        .set_request_builder(builder)
        .name(name)
        .expect_status_code(expect)
        .build();
    let mut answer = user.request(request).await?;
    let json = match answer.response {
        Ok(response) => response.json::<Value>().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    if answer.request.status_code != expect || !accept(&json) {
        return user
            .set_failure(name, &mut answer.request, None, None)
            .map(|()| Value::Null);
    }
    Ok(json)
}

async fn create_course(user: &mut GooseUser) -> TransactionResult {
    let code = format!("LOAD{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = json!({"code": code, "name": "Load course", "credits": 3, "fee": "250.75"});
    let course = call(
        user,
        GooseMethod::Post,
        "/api/v1/courses",
        "create course",
        Some(body),
        (201, any),
    )
    .await?;
    let course_id = course["id"].as_i64().unwrap_or_default();
    user.set_session_data(Session { course_id });
    Ok(())
}

async fn enroll_and_pay(user: &mut GooseUser) -> TransactionResult {
    let course_id = user.get_session_data::<Session>().map_or(0, |s| s.course_id);
    let body = json!({"name": "Load Pupil", "class_level": 5, "section": "L"});
    let student = call(
        user,
        GooseMethod::Post,
        "/api/v1/students",
        "create student",
        Some(body),
        (201, any),
    )
    .await?;
    let Some(id) = student["id"].as_i64() else {
        return Ok(());
    };
    let enroll = json!({"student_id": id, "course_id": course_id});
    call(
        user,
        GooseMethod::Post,
        "/api/v1/enrollments",
        "enroll",
        Some(enroll),
        (201, any),
    )
    .await?;
    let balance_path = format!("/api/v1/students/{id}/balance");
    let owes_fee: Accept = |v| v["balance_cents"].as_i64() == Some(25_075);
    let owed = call(
        user,
        GooseMethod::Get,
        &balance_path,
        "balance",
        None,
        (200, owes_fee),
    )
    .await?;
    let cents = owed["balance_cents"].as_i64().unwrap_or_default();
    let pay = json!({"amount": format!("{}.{:02}", cents / 100, cents % 100)});
    let pay_path = format!("/api/v1/students/{id}/payments");
    call(user, GooseMethod::Post, &pay_path, "pay", Some(pay), (201, any)).await?;
    let settled: Accept = |v| v["balance_cents"].as_i64() == Some(0);
    call(
        user,
        GooseMethod::Get,
        &balance_path,
        "balance after",
        None,
        (200, settled),
    )
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let metrics = GooseAttack::initialize()?
        .register_scenario(
            scenario!("EnrollAndPay")
                .register_transaction(transaction!(create_course).set_on_start())
                .register_transaction(transaction!(enroll_and_pay)),
        )
        .execute()
        .await?;
    let failed: usize = metrics.requests.values().map(|r| r.fail_count).sum();
    if failed > 0 {
        eprintln!("{failed} requests failed");
        std::process::exit(1);
    }
    Ok(())
}
