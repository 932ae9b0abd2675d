//! A student's own money: enroll, pay, see their dues and payments.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::finance::{FinanceError, PaymentInput, money};
use serde_json::{Value, json};

use super::schema::{
    FinanceEnrollRequest, FinanceEnrolled, FinanceEnrollment, FinancePaid, FinancePayment,
    FinancePaymentRequest, FinancePayments, FinanceStatus,
};
use super::{Answer, TAG, answer, date, empty, payment_fields, stored};
use crate::api::finance::idempotency_key;
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::{JwtTokenErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, bad_request, reply};
use crate::state::AppState;

/// Enrolls the signed-in student in a course and charges its fee. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/students/enroll", tag = TAG, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; retrying with the same key answers the first response")),
    request_body = FinanceEnrollRequest,
    responses(
        (status = 201, description = "Enrolled", body = FinanceEnrolled),
        (status = 400, description = "No data, or `course_id` missing", body = SeedErrorMessage),
        (status = 404, description = "No such course", body = SeedErrorMessage),
        (status = 409, description = "Already enrolled, or the course is inactive", body = SeedErrorMessage),
        JwtTokenErrors,
    ))]
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
            json!(FinanceEnrolled {
                msg: "Successfully enrolled in course",
                enrollment_id: r.enrollment.id,
                course_name: r.course.name.clone(),
                course_fee: money::major(r.enrollment.fee_cents),
                updated_dues_balance: super::dues(r.balance_cents),
            }),
        ))
    };
    let result = finance
        .enroll(&who, student.id, course_id, key.as_ref(), &render, &meta)
        .await?;
    Ok(answer(result, &render))
}

/// The signed-in student pays towards their dues (never more than they owe). Honours
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/students/pay", tag = TAG, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; retrying with the same key answers the first response")),
    request_body = FinancePaymentRequest,
    responses(
        (status = 201, description = "Paid", body = FinancePaid),
        (status = 202, description = "Declared, awaiting the finance office (`finance.self_service_payments = \"pending\"`); the dues are unchanged", body = FinancePaid),
        (status = 400, description = "No data, an amount that is not a positive number, or more than the dues", body = SeedErrorMessage),
        (status = 404, description = "The user has no student record", body = SeedErrorMessage),
        JwtTokenErrors,
    ))]
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
            json!(FinancePaid {
                msg: "Payment recorded successfully",
                payment_id: r.entry.id,
                student_id: None,
                amount: money::major(-r.entry.amount_cents),
                remaining_dues: super::dues(r.balance_cents),
                credit_balance: super::credit(r.balance_cents),
                payment_date: Some(date(r.entry.created_at)),
                status: None,
            }),
        ))
    };
    if finance.declares_own_payments(&who) {
        // finance.self_service_payments = "pending": a declaration the office confirms; the
        // dues stay as they are until it does.
        let student = finance.student_of_user(&who, false).await?;
        let dues = finance.balance(&who, student.id).await?.balance_cents;
        let render = |d: &campus_domain::finance::Declaration| {
            stored(&(
                StatusCode::ACCEPTED,
                json!(FinancePaid {
                    msg: "Payment submitted; it counts once the finance office confirms it",
                    payment_id: d.id,
                    student_id: None,
                    amount: money::major(d.amount_cents),
                    remaining_dues: super::dues(dues),
                    credit_balance: super::credit(dues),
                    payment_date: Some(date(d.declared_at)),
                    status: Some(d.status.clone()),
                }),
            ))
        };
        let result = finance
            .declare_own(&who, input, key.as_ref(), &render, &meta)
            .await?;
        return Ok(answer(result, &render));
    }
    let result = finance
        .pay_own_dues(&who, input, key.as_ref(), &render, &meta)
        .await?;
    Ok(answer(result, &render))
}

/// The signed-in student's dues and enrollments.
#[utoipa::path(get, path = "/api/students/status", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "Dues and enrollments", body = FinanceStatus),
        JwtTokenErrors,
    ))]
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
        json!(FinanceStatus {
            user_id: user.id,
            username: user.username.clone().or(user.email.clone()),
            email: user.email.clone(),
            dues_balance: super::dues(balance),
            credit_balance: super::credit(balance),
            enrollments: enrollments
                .iter()
                .map(|(e, c)| FinanceEnrollment {
                    id: e.id,
                    course_id: c.id,
                    course_name: c.name.clone(),
                    course_fee: money::major(e.fee_cents),
                    enrollment_date: date(e.enrolled_at),
                    status: e.status.clone(),
                })
                .collect(),
            total_enrolled_courses: enrollments.len(),
            total_course_fees: money::major(total),
        }),
    ))
}

/// The signed-in student's payments.
#[utoipa::path(get, path = "/api/students/payments", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "Payments, newest first", body = FinancePayments),
        JwtTokenErrors,
    ))]
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
        json!(FinancePayments {
            user_id: user.id,
            username: user.username.clone().or(user.email.clone()),
            total_paid: money::major(total),
            payments: list
                .iter()
                .map(|p| FinancePayment {
                    id: p.id,
                    amount: money::major(-p.amount_cents),
                    payment_date: date(p.created_at),
                    payment_method: p.method.clone(),
                    status: p.status.clone(),
                    reference_number: p.reference.clone(),
                })
                .collect(),
        }),
    ))
}
