//! Money in the portal: recording a payment at the counter (finance staff) or paying one's own
//! dues (a student, never more than owed), reversing an entry, and the outstanding dues list.
//! Payment forms carry an idempotency key in a hidden field: a double click or a resubmitted
//! page records the payment once.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::reports::{DuesSort, StudentDues};
use campus_domain::finance::{IdempotencyKey, Outcome, PaymentInput, money};
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::forms::{PageForm, PagePath, PageQuery, given};
use super::students::{WhatIfQuery, student_page};
use super::{AppChrome, PageError, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::render;

#[derive(Debug, Deserialize, serde::Serialize)]
pub struct PaymentForm {
    #[serde(default)]
    amount: String,
    method: Option<String>,
    reference: Option<String>,
    #[serde(default)]
    idempotency_key: String,
}

/// Binds the form's key to what it pays, as the API binds `Idempotency-Key` to the body.
fn payment_key(form: &PaymentForm, student_id: i64) -> Result<IdempotencyKey, ApiError> {
    let key = form.idempotency_key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "This payment form is incomplete; reload the page and try again.",
        ));
    }
    let mut hash = Sha256::new();
    hash.update(format!("/app/students/{student_id}/payments").as_bytes());
    hash.update([0]);
    hash.update(serde_json::to_vec(&(form.amount.trim(), &form.method, &form.reference)).unwrap_or_default());
    Ok(IdempotencyKey {
        key: key.to_owned(),
        scope: "web.payment",
        request_hash: campus_domain::digest::hex(&hash.finalize()),
    })
}

async fn record(
    state: &AppState,
    meta: &campus_domain::RequestMeta,
    viewer: &Viewer,
    id: i64,
    form: &PaymentForm,
) -> Result<&'static str, ApiError> {
    let amount_cents = money::parse_decimal(form.amount.trim()).map_err(|e| {
        ApiError::from(vec![campus_domain::validation::FieldIssue::new(
            "amount",
            "invalid",
            e.message(),
        )])
    })?;
    let key = payment_key(form, id)?;
    let input = PaymentInput {
        amount_cents,
        method: given(&form.method),
        reference: given(&form.reference),
        notes: None,
        status: None,
    };
    let finance = state.finance();
    // The stored "response" of a web payment is the notice to show: a replay shows it again.
    if finance.declares_own_payments(&viewer.who) {
        let render = |_: &campus_domain::finance::Declaration| (303, "declared".to_owned());
        finance
            .declare(&viewer.who, id, input, Some(&key), &render, meta)
            .await?;
        return Ok("declared");
    }
    let render = |_: &campus_domain::finance::EntryReceipt| (303, "paid".to_owned());
    match finance
        .pay(&viewer.who, id, input, Some(&key), &render, meta)
        .await?
    {
        Outcome::Done(_) => Ok("paid"),
        Outcome::Replayed { .. } => Ok("paid-again"),
    }
}

/// Records the payment, then shows the student's page with the new balance.
pub async fn pay(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<PaymentForm>,
) -> PageResult {
    match record(&state, &meta, &viewer, id, &form).await {
        Ok(done) => Ok(see_other(&format!("/app/students/{id}?done={done}#money-title"))),
        Err(err) if err.status().is_client_error() && err.status() != StatusCode::NOT_FOUND => {
            let mut chrome = viewer.chrome.clone();
            chrome.failed(&err);
            let mut response =
                student_page(&state, &meta, chrome, &viewer.who, id, WhatIfQuery::default()).await?;
            *response.status_mut() = err.status();
            Ok(response)
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    reason: String,
    student_id: Option<i64>,
    /// Fresh with the page: a double click reverses once and says so, not "already reversed".
    idempotency_key: Option<String>,
}

/// Reverses a ledger entry (finance staff) with a reason.
pub async fn reverse(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(entry): PagePath<i64>,
    PageForm(form): PageForm<ReverseForm>,
) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    let render = |_: &campus_domain::finance::EntryReceipt| (303, "reversed".to_owned());
    let key = given(&form.idempotency_key)
        .filter(|k| k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| IdempotencyKey {
            key: k,
            scope: "web.reverse",
            request_hash: campus_domain::digest::hex(&Sha256::digest(
                format!("{entry}\0{}", form.reason.trim()).as_bytes(),
            )),
        });
    let receipt = state
        .finance()
        .reverse(&viewer.who, entry, form.reason, key.as_ref(), &render, &meta)
        .await;
    match receipt {
        Ok(_) => {
            let to = form.student_id.map_or_else(
                || "/app/finance/dues".to_owned(),
                |s| format!("/app/students/{s}?done=reversed#money-title"),
            );
            Ok(see_other(&to))
        }
        Err(e) => {
            let err = ApiError::from(e);
            match form.student_id {
                Some(id) if err.status().is_client_error() && err.status() != StatusCode::NOT_FOUND => {
                    let mut chrome = viewer.chrome.clone();
                    chrome.failed(&err);
                    let mut response =
                        student_page(&state, &meta, chrome, &viewer.who, id, WhatIfQuery::default()).await?;
                    *response.status_mut() = err.status();
                    Ok(response)
                }
                _ => Err(err.into()),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DuesQuery {
    sort: Option<String>,
    min: Option<String>,
    page: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "app/dues.html")]
pub struct DuesPage {
    pub chrome: AppChrome,
    pub rows: Vec<StudentDues>,
    pub total: usize,
    pub sort: &'static str,
    pub min: String,
    pub page: usize,
    pub pages: usize,
}

impl DuesPage {
    pub fn cents(&self, cents: &i64) -> String {
        money::format(*cents)
    }

    pub fn link(&self, page: usize) -> String {
        serde_urlencoded::to_string([
            ("sort", self.sort.to_owned()),
            ("min", self.min.clone()),
            ("page", page.to_string()),
        ])
        .unwrap_or_default()
    }
}

/// Rows per page of the dues list.
const DUES_PAGE: usize = 50;

/// Students who owe, largest first (or by name), optionally above a minimum.
pub async fn dues(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<DuesQuery>,
) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    let sort = match q.sort.as_deref() {
        None | Some("" | "amount") => DuesSort::Amount,
        Some("name") => DuesSort::Name,
        Some(_) => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "Sort by amount or by name.",
            ));
        }
    };
    let min = given(&q.min).unwrap_or_default();
    let min_cents = if min.is_empty() {
        None
    } else {
        Some(
            money::parse_decimal(&min)
                .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, format!("Minimum: {}", e.message())))?,
        )
    };
    let page = match given(&q.page) {
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "No such page."))?,
        None => 1,
    };
    let all = state
        .finance()
        .outstanding(&viewer.who, min_cents, None, sort)
        .await?;
    let total = all.len();
    let pages = total.div_ceil(DUES_PAGE).max(1);
    let rows = all
        .into_iter()
        .skip((page - 1) * DUES_PAGE)
        .take(DUES_PAGE)
        .collect();
    Ok(render(
        StatusCode::OK,
        &DuesPage {
            chrome: viewer.chrome,
            rows,
            total,
            sort: if sort == DuesSort::Name { "name" } else { "amount" },
            min,
            page,
            pages,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    method: Option<String>,
    notes: Option<String>,
}

/// Logs that the finance office contacted a student about their dues (the student is told).
pub async fn contact(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<ContactForm>,
) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    match state
        .finance()
        .contact(&viewer.who, id, given(&form.method), form.notes, &meta)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/app/students/{id}?done=contacted#contacts-title"
        ))),
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status().is_client_error() || err.status() == StatusCode::NOT_FOUND {
                return Err(err.into());
            }
            let mut chrome = viewer.chrome.clone();
            chrome.failed(&err);
            chrome.rename_field("notes", "contact_notes");
            let mut response =
                student_page(&state, &meta, chrome, &viewer.who, id, WhatIfQuery::default()).await?;
            *response.status_mut() = err.status();
            Ok(response)
        }
    }
}
