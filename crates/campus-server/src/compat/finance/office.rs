//! The finance office: outstanding dues, the unpaid report, contact actions, payments
//! recorded at the counter and the pass/fail status report.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::finance::reports::{DuesSort, StudentDues};
use campus_domain::finance::{FinanceError, PaymentInput, money};
use chrono::Utc;
use serde_json::{Value, json};

use super::schema::{
    FinanceByStatus, FinanceContactRequest, FinanceContacted, FinanceDues, FinanceDuesList,
    FinanceOfficeErrors, FinancePaid, FinanceRecentPayment, FinanceRecordPaymentRequest, FinanceStatusEntry,
    FinanceStatusReport, FinanceUnpaidEnrollment, FinanceUnpaidReport, FinanceUnpaidStudent,
};
use super::{Answer, TAG, answer, date, empty, error, payment_fields, require_admin, stored};
use crate::api::finance::idempotency_key;
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::SeedErrorMessage;
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

/// The name the seed shows: the account's username, or the student's name without one.
fn username(d: &StudentDues) -> String {
    d.username.clone().unwrap_or_else(|| d.name.clone())
}

fn dues_json(d: &StudentDues) -> FinanceDues {
    FinanceDues {
        user_id: d.user_id,
        username: username(d),
        email: d.email.clone(),
        dues_balance: super::dues(d.balance_cents),
        total_enrollments: d.total_enrollments,
        last_payment_date: d.last_payment_at.map(date),
    }
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

/// Students who owe, filtered by amount and sorted by amount (or `sort_by=username`).
#[utoipa::path(get, path = "/api/finance/dues", tag = TAG, security(("bearer" = [])),
    params(
        ("min_amount" = Option<String>, Query, description = "Smallest balance, major units"),
        ("max_amount" = Option<String>, Query, description = "Largest balance, major units"),
        ("sort_by" = Option<String>, Query, description = "`username`, or by amount"),
    ),
    responses(
        (status = 200, description = "Students with dues", body = FinanceDuesList),
        (status = 400, description = "An amount is not a number", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
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
        json!(FinanceDuesList {
            total_students_with_dues: rows.len(),
            total_outstanding_amount: money::major(total),
            students: rows.iter().map(dues_json).collect(),
        }),
    ))
}

/// Every student who owes, bucketed by how much, with enrollments and their last payments.
#[utoipa::path(get, path = "/api/finance/unpaid-report", tag = TAG, security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = FinanceUnpaidReport),
        FinanceOfficeErrors,
    ))]
pub(super) async fn unpaid_report(State(state): State<AppState>, AuthUser(who): AuthUser) -> Answer {
    require_admin(&who)?;
    let finance = state.finance();
    let (all, buckets) = finance.buckets(&who).await?;
    let ids: Vec<i64> = all.iter().map(|d| d.student_id).collect();
    let mut details = finance.report_details(&who, &ids, 5).await?;
    let mut detail = std::collections::HashMap::new();
    for d in &all {
        let detail_of = details.remove(&d.student_id).unwrap_or_default();
        let student = FinanceUnpaidStudent {
            user_id: d.user_id,
            username: username(d),
            email: d.email.clone(),
            dues_balance: super::dues(d.balance_cents),
            enrollments: detail_of
                .enrollments
                .iter()
                .map(|(e, c)| FinanceUnpaidEnrollment {
                    course_name: c.name.clone(),
                    course_fee: money::major(e.fee_cents),
                    enrollment_date: date(e.enrolled_at),
                })
                .collect(),
            recent_payments: detail_of
                .payments
                .iter()
                .map(|p| FinanceRecentPayment {
                    amount: money::major(-p.amount_cents),
                    payment_date: date(p.created_at),
                    payment_method: p.method.clone(),
                })
                .collect(),
        };
        detail.insert(d.student_id, student);
    }
    let list = |rows: &[StudentDues]| {
        rows.iter()
            .filter_map(|d| detail.get(&d.student_id).cloned())
            .collect::<Vec<_>>()
    };
    let total: i64 = all.iter().map(|d| d.balance_cents).sum();
    let report = FinanceUnpaidReport {
        report_date: Utc::now().to_rfc3339(),
        total_students: all.len(),
        total_outstanding: money::major(total),
        students_by_status: FinanceByStatus {
            critical: list(&buckets.critical),
            moderate: list(&buckets.moderate),
            low: list(&buckets.low),
        },
        detailed_report: list(&all),
    };
    Ok(reply(StatusCode::OK, json!(report)))
}

/// Logs a contact with a student about their dues (`student_id` is the student's user id).
#[utoipa::path(put, path = "/api/finance/action/contact/{student_id}", tag = TAG, security(("bearer" = [])),
    params(("student_id" = i64, Path, description = "The student's user id")),
    request_body = FinanceContactRequest,
    responses(
        (status = 201, description = "Logged", body = FinanceContacted),
        (status = 400, description = "No data, a staff account named, or the id is not a number", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
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
        json!(FinanceContacted {
            msg: "Contact action logged successfully",
            action_id: action.id,
            student_id: student_user_id,
            contact_date: date(action.created_at),
        }),
    ))
}

/// Records a payment made at the counter or by transfer; more than the dues becomes a credit.
/// Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/finance/record-payment", tag = TAG, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; retrying with the same key answers the first response")),
    request_body = FinanceRecordPaymentRequest,
    responses(
        (status = 201, description = "Recorded", body = FinancePaid),
        (status = 400, description = "`student_id` or `amount` missing, or the amount invalid", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
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
            json!(FinancePaid {
                msg: "Payment recorded successfully",
                payment_id: r.entry.id,
                student_id: Some(student_user_id),
                amount: money::major(-r.entry.amount_cents),
                // The seed clamps dues at zero; Campus keeps any excess as a credit on the ledger.
                remaining_dues: super::dues(r.balance_cents),
                credit_balance: super::credit(r.balance_cents),
                payment_date: None,
                status: None,
            }),
        ))
    };
    let result = state
        .finance()
        .pay(&who, student, input, key.as_ref(), &render, &meta)
        .await?;
    Ok(answer(result, &render))
}

/// Students passing (dues at or below `threshold`) and failing.
#[utoipa::path(get, path = "/api/finance/reports/status", tag = TAG, security(("bearer" = [])),
    params(("threshold" = Option<String>, Query, description = "Largest balance that passes, major units (default 0)")),
    responses(
        (status = 200, description = "The report", body = FinanceStatusReport),
        (status = 400, description = "The threshold is not a number", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
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
    let entry = |d: &StudentDues, status: &'static str| FinanceStatusEntry {
        user_id: d.user_id,
        username: username(d),
        email: d.email.clone(),
        dues_balance: super::dues(d.balance_cents),
        credit_balance: super::credit(d.balance_cents),
        total_fees: money::major(d.total_fees_cents),
        total_enrollments: d.total_enrollments,
        status,
    };
    let report = FinanceStatusReport {
        report_date: Utc::now().to_rfc3339(),
        total_students: pass.len() + fail.len(),
        pass_count: pass.len(),
        fail_count: fail.len(),
        threshold: money::major(threshold),
        pass_students: pass.iter().map(|d| entry(d, "PASS")).collect(),
        fail_students: fail.iter().map(|d| entry(d, "FAIL")).collect(),
    };
    Ok(reply(StatusCode::OK, json!(report)))
}
