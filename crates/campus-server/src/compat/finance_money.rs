//! Seed 002 money: `/api/students/{enroll,pay,status,payments}`, `/api/courses*`,
//! `/api/finance/*`. The seed's student is a user; Campus keeps money per student record, so a
//! student-role user gets a linked record on their first enrollment. Amounts are rendered as
//! floats in major units, as the seed did; the ledger keeps integer cents.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use campus_domain::finance::reports::{DuesSort, StudentDues};
use campus_domain::finance::{CourseInput, CoursePatch, FinanceError, Outcome, PaymentInput, money};
use campus_domain::identity::{Principal, Role};
use chrono::Utc;
use serde_json::{Value, json};

use super::envelopes::FINANCE;
use super::shared::{SeedJson, bad_request, reply, text};
use crate::api::finance::{idempotency_key, replayed};
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::Path;
use crate::middleware::render_errors;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/students/enroll", post(enroll))
        .route("/api/students/pay", post(pay))
        .route("/api/students/status", get(status))
        .route("/api/students/payments", get(payments))
        .route("/api/courses", get(list_courses).post(create_course))
        .route(
            "/api/courses/{id}",
            get(get_course).put(update_course).delete(delete_course),
        )
        .route("/api/finance/dues", get(dues))
        .route("/api/finance/unpaid-report", get(unpaid_report))
        .route("/api/finance/action/contact/{student_id}", put(contact))
        .route("/api/finance/record-payment", post(record_payment))
        .route("/api/finance/reports/status", get(status_report))
        .route_layer(axum::middleware::from_fn_with_state(FINANCE, render_errors))
}

fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    // Not the code `not_found`: the envelope turns that into "Resource not found".
    ApiError::new(status, "seed_error", message)
}

fn seed_finance_error(err: FinanceError) -> ApiError {
    match err {
        FinanceError::Invalid(issues) => bad_request(
            &issues
                .first()
                .map(|i| format!("Invalid input: {} {}", i.field, i.message))
                .unwrap_or_else(|| "Invalid input".to_owned()),
        ),
        FinanceError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} not found")),
        FinanceError::Forbidden => error(StatusCode::FORBIDDEN, "Admin access required"),
        FinanceError::Conflict(m) => error(StatusCode::CONFLICT, m),
        FinanceError::Overpayment {
            amount_cents,
            dues_cents,
        } => bad_request(&format!(
            "Payment amount (${}) exceeds outstanding dues (${})",
            money::format(amount_cents),
            money::format(dues_cents)
        )),
        FinanceError::KeyReused => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This Idempotency-Key was used with a different request",
        ),
        FinanceError::Db(e) => ApiError::from(e),
    }
}

fn require_admin(who: &Principal) -> Result<(), ApiError> {
    if matches!(who.role, Role::Admin | Role::Finance) {
        Ok(())
    } else {
        Err(error(StatusCode::FORBIDDEN, "Admin access required"))
    }
}

/// The seed's `{...}` "no data" check: absent, null or an empty object.
fn empty(body: &Value) -> bool {
    body.is_null() || body.as_object().is_some_and(serde_json::Map::is_empty)
}

fn date(at: chrono::DateTime<Utc>) -> String {
    at.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn stored(v: &(StatusCode, Value)) -> (u16, String) {
    (v.0.as_u16(), v.1.to_string())
}

async fn enroll(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    if empty(&body) {
        return Err(bad_request("No data provided"));
    }
    let course_id = body
        .get("course_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad_request("course_id is required"))?;
    let key = idempotency_key(&headers, "002.enroll", "/api/students/enroll", &body)?;
    let finance = state.finance();
    let student = finance
        .student_of_user(&who, true)
        .await
        .map_err(seed_finance_error)?;
    let render = |r: &campus_domain::finance::EnrollmentReceipt| {
        stored(&(
            StatusCode::CREATED,
            json!({
                "msg": "Successfully enrolled in course",
                "enrollment_id": r.enrollment.id,
                "course_name": r.course.name,
                "course_fee": money::major(r.enrollment.fee_cents),
                "updated_dues_balance": money::major(r.balance_cents),
            }),
        ))
    };
    let result = finance
        .enroll(&who, student.id, course_id, key.as_ref(), &render, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(answer(result, &render))
}

/// A fresh result rendered by the same function that stores it for replays, or the replay.
fn answer<T>(outcome: Outcome<T>, render: &dyn Fn(&T) -> (u16, String)) -> Response {
    match outcome {
        Outcome::Done(r) => {
            let (status, body) = render(&r);
            let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), value)
        }
        Outcome::Replayed { status, body } => replayed(status, body),
    }
}

fn payment_fields(body: &Value) -> (Option<String>, Option<String>, Option<String>) {
    (
        text(body, "payment_method"),
        text(body, "reference_number"),
        text(body, "notes"),
    )
}

async fn pay(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    if empty(&body) {
        return Err(bad_request("No payment data provided"));
    }
    let amount = body
        .get("amount")
        .filter(|v| v.is_number())
        .ok_or(())
        .and_then(|v| money::parse_amount(v).map_err(|_| ()))
        .map_err(|()| bad_request("Amount must be a number greater than 0"))?;
    let key = idempotency_key(&headers, "002.pay", "/api/students/pay", &body)?;
    let finance = state.finance();
    let student = finance
        .student_of_user(&who, false)
        .await
        .map_err(seed_finance_error)?;
    let (method, reference, notes) = payment_fields(&body);
    let input = PaymentInput {
        amount_cents: amount,
        method,
        reference,
        notes,
        status: None,
    };
    // A student pays as a student, even when the caller is also finance staff elsewhere.
    let as_student = Principal {
        role: Role::Student,
        ..who.clone()
    };
    let render = |r: &campus_domain::finance::EntryReceipt| {
        stored(&(
            StatusCode::CREATED,
            json!({
                "msg": "Payment recorded successfully",
                "payment_id": r.entry.id,
                "amount": money::major(-r.entry.amount_cents),
                "remaining_dues": money::major(r.balance_cents),
                "payment_date": date(r.entry.created_at),
            }),
        ))
    };
    let result = finance
        .pay(&as_student, student.id, input, key.as_ref(), &render, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(answer(result, &render))
}

async fn status(State(state): State<AppState>, AuthUser(who): AuthUser) -> Result<Response, ApiError> {
    let user = state
        .identity()
        .user(who.user_id)
        .await
        .map_err(|_| error(StatusCode::NOT_FOUND, "Student not found"))?;
    let finance = state.finance();
    let (balance, enrollments) = match finance.student_of_user(&who, false).await {
        Ok(s) => (
            finance
                .balance(&who, s.id)
                .await
                .map_err(seed_finance_error)?
                .balance_cents,
            finance
                .enrollments(&who, s.id)
                .await
                .map_err(seed_finance_error)?,
        ),
        Err(FinanceError::NotFound(_)) => (0, Vec::new()),
        Err(e) => return Err(seed_finance_error(e)),
    };
    let total: i64 = enrollments.iter().map(|(e, _)| e.fee_cents).sum();
    Ok(reply(
        StatusCode::OK,
        json!({
            "user_id": user.id,
            "username": user.username.as_deref().or(user.email.as_deref()),
            "email": user.email,
            "dues_balance": money::major(balance),
            "enrollments": enrollments.iter().map(|(e, c)| json!({
                "id": e.id,
                "course_id": c.id,
                "course_name": c.name,
                "course_fee": money::major(e.fee_cents),
                "enrollment_date": date(e.enrolled_at),
                "status": e.status,
            })).collect::<Vec<_>>(),
            "total_enrolled_courses": enrollments.len(),
            "total_course_fees": money::major(total),
        }),
    ))
}

async fn payments(State(state): State<AppState>, AuthUser(who): AuthUser) -> Result<Response, ApiError> {
    let user = state
        .identity()
        .user(who.user_id)
        .await
        .map_err(|_| error(StatusCode::NOT_FOUND, "Student not found"))?;
    let finance = state.finance();
    let list = match finance.student_of_user(&who, false).await {
        Ok(s) => finance.payments(&who, s.id).await.map_err(seed_finance_error)?,
        Err(FinanceError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(seed_finance_error(e)),
    };
    let total: i64 = list.iter().map(|p| -p.amount_cents).sum();
    Ok(reply(
        StatusCode::OK,
        json!({
            "user_id": user.id,
            "username": user.username.as_deref().or(user.email.as_deref()),
            "total_paid": money::major(total),
            "payments": list.iter().map(|p| json!({
                "id": p.id,
                "amount": money::major(-p.amount_cents),
                "payment_date": date(p.created_at),
                "payment_method": p.method,
                "status": p.status,
                "reference_number": p.reference,
            })).collect::<Vec<_>>(),
        }),
    ))
}

fn course_json(c: &campus_domain::finance::Course, with_created: bool) -> Value {
    let mut v = json!({
        "id": c.id,
        "course_id": c.code,
        "name": c.name,
        "credits": c.credits,
        "total_fee": money::major(c.fee_cents),
        "description": c.description,
    });
    if with_created {
        v["created_at"] = json!(date(c.created_at));
    }
    v
}

async fn list_courses(State(state): State<AppState>) -> Result<Response, ApiError> {
    let courses = state.finance().courses(false).await.map_err(seed_finance_error)?;
    Ok(reply(
        StatusCode::OK,
        json!({
            "total_courses": courses.len(),
            "courses": courses.iter().map(|c| course_json(c, false)).collect::<Vec<_>>(),
        }),
    ))
}

async fn get_course(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let course = state.finance().course(id).await.map_err(seed_finance_error)?;
    Ok(reply(StatusCode::OK, course_json(&course, true)))
}

/// A fee field: a positive JSON number with at most two decimals.
fn fee(body: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) if v.is_number() => money::parse_amount(v)
            .map(Some)
            .map_err(|e| bad_request(&format!("Invalid input: {key} {}", e.message()))),
        Some(_) => Err(bad_request(&format!("Invalid input: {key} must be a number"))),
    }
}

fn credits(body: &Value) -> Result<Option<i32>, ApiError> {
    match body.get("credits") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|c| i32::try_from(c).ok())
            .map(Some)
            .ok_or_else(|| bad_request("Invalid input: credits must be a whole number")),
    }
}

async fn create_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    for field in ["course_id", "name", "credits", "total_fee"] {
        let given = body.get(field).is_some_and(|v| match v {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        });
        if !given {
            return Err(bad_request(&format!("{field} is required")));
        }
    }
    let input = CourseInput {
        code: text(&body, "course_id").ok_or_else(|| bad_request("Invalid input: course_id must be text"))?,
        name: text(&body, "name").ok_or_else(|| bad_request("Invalid input: name must be text"))?,
        credits: credits(&body)?.unwrap_or_default(),
        fee_cents: fee(&body, "total_fee")?.unwrap_or_default(),
        description: text(&body, "description"),
    };
    let course = state
        .finance()
        .create_course(&who, input, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"msg": "Course created successfully", "course_id": course.id, "name": course.name}),
    ))
}

async fn update_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    // The seed ignores falsy values, except for the description.
    let patch = CoursePatch {
        name: text(&body, "name"),
        credits: credits(&body)?.filter(|c| *c != 0),
        fee_cents: if body.get("total_fee").and_then(Value::as_f64) == Some(0.0) {
            None
        } else {
            fee(&body, "total_fee")?
        },
        description: body.get("description").map(|d| d.as_str().map(str::to_owned)),
        active: None,
    };
    let course = state
        .finance()
        .update_course(&who, id, patch, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(reply(
        StatusCode::OK,
        json!({"msg": "Course updated successfully", "course_id": course.id, "name": course.name}),
    ))
}

async fn delete_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    let course = state
        .finance()
        .delete_course(&who, id, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(reply(
        StatusCode::OK,
        json!({"msg": "Course deleted successfully", "course_id": course.id}),
    ))
}

fn dues_json(d: &StudentDues) -> Value {
    json!({
        "user_id": d.user_id,
        "username": d.username.clone().unwrap_or_else(|| d.name.clone()),
        "email": d.email,
        "dues_balance": money::major(d.balance_cents),
        "total_enrollments": d.total_enrollments,
        "last_payment_date": d.last_payment_at.map(date),
    })
}

fn float_query(
    query: &std::collections::HashMap<String, String>,
    key: &str,
) -> Result<Option<i64>, ApiError> {
    match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => money::parse_decimal(v)
            .map(Some)
            .map_err(|e| bad_request(&format!("Invalid {key}: {}", e.message()))),
    }
}

async fn dues(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    let sort = if q.get("sort_by").map(String::as_str) == Some("username") {
        DuesSort::Name
    } else {
        DuesSort::Amount
    };
    let rows = state
        .finance()
        .outstanding(
            &who,
            float_query(&q, "min_amount")?,
            float_query(&q, "max_amount")?,
            sort,
        )
        .await
        .map_err(seed_finance_error)?;
    let total: i64 = rows.iter().map(|d| d.balance_cents).sum();
    Ok(reply(
        StatusCode::OK,
        json!({
            "total_students_with_dues": rows.len(),
            "total_outstanding_amount": money::major(total),
            "students": rows.iter().map(dues_json).collect::<Vec<_>>(),
        }),
    ))
}

async fn unpaid_report(State(state): State<AppState>, AuthUser(who): AuthUser) -> Result<Response, ApiError> {
    require_admin(&who)?;
    let finance = state.finance();
    let (all, buckets) = finance.buckets(&who).await.map_err(seed_finance_error)?;
    let ids: Vec<i64> = all.iter().map(|d| d.student_id).collect();
    let mut details = finance
        .report_details(&who, &ids, 5)
        .await
        .map_err(seed_finance_error)?;
    let mut detail = std::collections::HashMap::new();
    for d in &all {
        let detail_of = details.remove(&d.student_id).unwrap_or_default();
        let (enrollments, payments) = (detail_of.enrollments, detail_of.payments);
        let mut v = dues_json(d);
        v["enrollments"] = json!(
            enrollments
                .iter()
                .map(|(e, c)| json!({
                    "course_name": c.name,
                    "course_fee": money::major(e.fee_cents),
                    "enrollment_date": date(e.enrolled_at),
                }))
                .collect::<Vec<_>>()
        );
        v["recent_payments"] = json!(
            payments
                .iter()
                .map(|p| json!({
                    "amount": money::major(-p.amount_cents),
                    "payment_date": date(p.created_at),
                    "payment_method": p.method,
                }))
                .collect::<Vec<_>>()
        );
        if let Some(o) = v.as_object_mut() {
            o.remove("total_enrollments");
            o.remove("last_payment_date");
        }
        detail.insert(d.student_id, v);
    }
    let list = |rows: &[StudentDues]| {
        rows.iter()
            .filter_map(|d| detail.get(&d.student_id).cloned())
            .collect::<Vec<_>>()
    };
    let total: i64 = all.iter().map(|d| d.balance_cents).sum();
    Ok(reply(
        StatusCode::OK,
        json!({
            "report_date": Utc::now().to_rfc3339(),
            "total_students": all.len(),
            "total_outstanding": money::major(total),
            "students_by_status": {
                "critical": list(&buckets.critical),
                "moderate": list(&buckets.moderate),
                "low": list(&buckets.low),
            },
            "detailed_report": list(&all),
        }),
    ))
}

/// The student record of a seed 002 user id; admin accounts are refused with `admin_error`.
async fn student_of(state: &AppState, user_id: i64, admin_error: ApiError) -> Result<i64, ApiError> {
    let user = state
        .identity()
        .user(user_id)
        .await
        .map_err(|_| error(StatusCode::NOT_FOUND, "Student not found"))?;
    if matches!(user.role, Role::Admin | Role::Finance) {
        return Err(admin_error);
    }
    let who = Principal::acting_as(user_id, user.role);
    state
        .finance()
        .student_of_user(&who, true)
        .await
        .map(|s| s.id)
        .map_err(|_| error(StatusCode::NOT_FOUND, "Student not found"))
}

async fn contact(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(student_user_id): Path<i64>,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    if empty(&body) {
        return Err(bad_request("No data provided"));
    }
    let student = student_of(&state, student_user_id, bad_request("Cannot contact admin users")).await?;
    let action = state
        .finance()
        .contact(
            &who,
            student,
            text(&body, "contact_method"),
            text(&body, "notes"),
            &meta,
        )
        .await
        .map_err(seed_finance_error)?;
    Ok(reply(
        StatusCode::CREATED,
        json!({
            "msg": "Contact action logged successfully",
            "action_id": action.id,
            "student_id": student_user_id,
            "contact_date": date(action.created_at),
        }),
    ))
}

async fn record_payment(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    for field in ["student_id", "amount"] {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(bad_request(&format!("{field} is required")));
        }
    }
    let student_user_id = body
        .get("student_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "Student not found"))?;
    let amount = match money::parse_amount(body.get("amount").unwrap_or(&Value::Null)) {
        Ok(a) => a,
        Err(money::AmountError::NotPositive) => return Err(bad_request("Amount must be greater than 0")),
        Err(_) => return Err(bad_request("Invalid amount")),
    };
    let key = idempotency_key(
        &headers,
        "002.record-payment",
        "/api/finance/record-payment",
        &body,
    )?;
    let student = student_of(
        &state,
        student_user_id,
        error(StatusCode::NOT_FOUND, "Student not found"),
    )
    .await?;
    let (method, reference, notes) = payment_fields(&body);
    let input = PaymentInput {
        amount_cents: amount,
        method,
        reference,
        notes,
        status: None,
    };
    let render = move |r: &campus_domain::finance::EntryReceipt| {
        stored(&(
            StatusCode::CREATED,
            json!({
                "msg": "Payment recorded successfully",
                "payment_id": r.entry.id,
                "student_id": student_user_id,
                "amount": money::major(-r.entry.amount_cents),
                // The seed clamps dues at zero; Campus keeps any excess as a credit on the ledger.
                "remaining_dues": money::major(r.balance_cents.max(0)),
            }),
        ))
    };
    let result = state
        .finance()
        .pay(&who, student, input, key.as_ref(), &render, &meta)
        .await
        .map_err(seed_finance_error)?;
    Ok(answer(result, &render))
}

async fn status_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    require_admin(&who)?;
    let threshold = match q.get("threshold").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => 0,
        Some(v) => money::parse_decimal(v)
            .map_err(|e| bad_request(&format!("Invalid threshold: {}", e.message())))?,
    };
    let (pass, fail) = state
        .finance()
        .pass_fail(&who, threshold)
        .await
        .map_err(seed_finance_error)?;
    let entry = |d: &StudentDues, status: &str| {
        json!({
            "user_id": d.user_id,
            "username": d.username.clone().unwrap_or_else(|| d.name.clone()),
            "email": d.email,
            "dues_balance": money::major(d.balance_cents),
            "total_fees": money::major(d.total_fees_cents),
            "total_enrollments": d.total_enrollments,
            "status": status,
        })
    };
    Ok(reply(
        StatusCode::OK,
        json!({
            "report_date": Utc::now().to_rfc3339(),
            "total_students": pass.len() + fail.len(),
            "pass_count": pass.len(),
            "fail_count": fail.len(),
            "threshold": money::major(threshold),
            "pass_students": pass.iter().map(|d| entry(d, "PASS")).collect::<Vec<_>>(),
            "fail_students": fail.iter().map(|d| entry(d, "FAIL")).collect::<Vec<_>>(),
        }),
    ))
}
