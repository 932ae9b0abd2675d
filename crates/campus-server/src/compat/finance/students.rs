//! A student's own money: enroll, pay, see their dues and payments.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::finance::{FinanceError, PaymentInput, money};
use serde_json::{Value, json};

use super::{Answer, answer, date, empty, payment_fields, stored};
use crate::api::finance::idempotency_key;
use crate::auth::{AuthUser, Meta};
use crate::compat::shared::{SeedJson, bad_request, reply};
use crate::state::AppState;

pub(super) async fn enroll(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Answer {
    if empty(&body) {
        return Err(bad_request("No data provided").into());
    }
    let course_id = body
        .get("course_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad_request("course_id is required"))?;
    let key = idempotency_key(&headers, "002.enroll", "/api/students/enroll", &body)?;
    let finance = state.finance();
    let student = finance.student_of_user(&who, true).await?;
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
        .await?;
    Ok(answer(result, &render))
}

pub(super) async fn pay(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Answer {
    if empty(&body) {
        return Err(bad_request("No payment data provided").into());
    }
    let amount = body
        .get("amount")
        .filter(|v| v.is_number())
        .and_then(|v| money::parse_amount(v).ok())
        .ok_or_else(|| bad_request("Amount must be a number greater than 0"))?;
    let key = idempotency_key(&headers, "002.pay", "/api/students/pay", &body)?;
    let finance = state.finance();
    let (method, reference, notes) = payment_fields(&body);
    let input = PaymentInput {
        amount_cents: amount,
        method,
        reference,
        notes,
        status: None,
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
        .pay_own_dues(&who, input, key.as_ref(), &render, &meta)
        .await?;
    Ok(answer(result, &render))
}

pub(super) async fn status(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    let user = state.identity().user(who.user_id).await?;
    let finance = state.finance();
    let (balance, enrollments) = match finance.student_of_user(&who, false).await {
        Ok(s) => (
            finance.balance(&who, s.id).await?.balance_cents,
            finance.enrollments(&who, s.id).await?,
        ),
        Err(FinanceError::NotFound(_)) => (0, Vec::new()),
        Err(e) => return Err(e.into()),
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

pub(super) async fn payments(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    let user = state.identity().user(who.user_id).await?;
    let finance = state.finance();
    let list = match finance.student_of_user(&who, false).await {
        Ok(s) => finance.payments(&who, s.id).await?,
        Err(FinanceError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
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
