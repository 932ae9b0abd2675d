//! The finance office: outstanding dues, the unpaid report, contact actions, payments
//! recorded at the counter and the pass/fail status report.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::finance::reports::{DuesSort, StudentDues};
use campus_domain::finance::{FinanceError, PaymentInput, money};
use chrono::Utc;
use serde_json::{Value, json};

use super::{Answer, answer, date, empty, error, payment_fields, require_admin, stored};
use crate::api::finance::idempotency_key;
use crate::auth::{AuthUser, Meta};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

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

pub(super) async fn dues(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Answer {
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
        .await?;
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

pub(super) async fn unpaid_report(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    require_admin(&who)?;
    let finance = state.finance();
    let (all, buckets) = finance.buckets(&who).await?;
    let ids: Vec<i64> = all.iter().map(|d| d.student_id).collect();
    let mut details = finance.report_details(&who, &ids, 5).await?;
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

pub(super) async fn contact(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(student_user_id): Path<i64>,
    SeedJson(body): SeedJson,
) -> Answer {
    require_admin(&who)?;
    if empty(&body) {
        return Err(bad_request("No data provided").into());
    }
    let student = match state.finance().student_of_account(&who, student_user_id).await {
        Ok(student) => student.id,
        Err(FinanceError::StaffAccount) => return Err(bad_request("Cannot contact admin users").into()),
        Err(e) => return Err(e.into()),
    };
    let action = state
        .finance()
        .contact(
            &who,
            student,
            text(&body, "contact_method"),
            text(&body, "notes"),
            &meta,
        )
        .await?;
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

pub(super) async fn record_payment(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    SeedJson(body): SeedJson,
) -> Answer {
    require_admin(&who)?;
    for field in ["student_id", "amount"] {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(bad_request(&format!("{field} is required")).into());
        }
    }
    let student_user_id = body
        .get("student_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "Student not found"))?;
    let amount = match money::parse_amount(body.get("amount").unwrap_or(&Value::Null)) {
        Ok(a) => a,
        Err(money::AmountError::NotPositive) => {
            return Err(bad_request("Amount must be greater than 0").into());
        }
        Err(_) => return Err(bad_request("Invalid amount").into()),
    };
    let key = idempotency_key(
        &headers,
        "002.record-payment",
        "/api/finance/record-payment",
        &body,
    )?;
    let student = state
        .finance()
        .student_of_account(&who, student_user_id)
        .await?
        .id;
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
        .await?;
    Ok(answer(result, &render))
}

pub(super) async fn status_report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Answer {
    require_admin(&who)?;
    let threshold = match q.get("threshold").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => 0,
        Some(v) => money::parse_decimal(v)
            .map_err(|e| bad_request(&format!("Invalid threshold: {}", e.message())))?,
    };
    let (pass, fail) = state.finance().pass_fail(&who, threshold).await?;
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
