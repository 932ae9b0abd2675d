//! Students: the roster (staff search it; a parent sees their children, a student themself)
//! and a student's page — record, grades by term with GPA and a what-if calculator,
//! attendance, activities, and for those who may see money the balance and ledger.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::LedgerEntry;
use campus_domain::finance::money;
use campus_domain::identity::Role;
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
use campus_domain::pagination::PageRequest;
use campus_domain::school::policy::{Access, role_allows};
use campus_domain::school::{Student, StudentFilter};
use serde::Deserialize;

use super::forms::{PagePath, PageQuery, given};
use super::{AppChrome, PageError, PageResult, Viewer};
use crate::auth::Meta;
use crate::state::AppState;
use crate::web::pages::render;

/// Rows per roster page.
const PAGE: u64 = 50;
/// Ledger entries on a student's page.
const LEDGER_ROWS: u64 = 25;

/// "Class 3 · B", "Class 3", or "—".
pub fn class_label(level: Option<i32>, section: Option<&str>) -> String {
    match (level, section) {
        (Some(l), Some(s)) => format!("Class {l} · {s}"),
        (Some(l), None) => format!("Class {l}"),
        (None, Some(s)) => format!("Section {s}"),
        (None, None) => "—".to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    pub class_level: Option<String>,
    pub section: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

impl RosterQuery {
    /// The filter and the page it asks for; a class level that is not a number is a 400 page.
    pub fn filter(&self) -> Result<StudentFilter, PageError> {
        let (class_level, _) = super::attendance::parse_class(&self.class_level, &None)?;
        Ok(StudentFilter {
            class_level,
            section: given(&self.section).map(|s| s.chars().take(20).collect()),
            status: None,
            name: given(&self.q).map(|s| s.chars().take(100).collect()),
        })
    }

    /// The query string of the next page.
    fn next_link(&self, cursor: &str) -> String {
        let mut pairs = Vec::new();
        for (k, v) in [
            ("class_level", &self.class_level),
            ("section", &self.section),
            ("q", &self.q),
        ] {
            if let Some(v) = given(v) {
                pairs.push((k, v));
            }
        }
        pairs.push(("cursor", cursor.to_owned()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub fn page_request(cursor: Option<&str>, limit: u64) -> Result<PageRequest, PageError> {
    PageRequest::parse(Some(limit), cursor.filter(|c| !c.is_empty())).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "This page link is not valid; start from the first page.",
        )
    })
}

#[derive(Debug)]
pub struct RosterRow {
    pub id: i64,
    pub roll_number: String,
    pub name: String,
    pub class: String,
    pub status: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "app/students.html")]
pub struct RosterPage {
    pub chrome: AppChrome,
    pub title: &'static str,
    pub staff: bool,
    /// Record keepers add students here.
    pub can_add: bool,
    pub class_level: String,
    pub section: String,
    pub q: String,
    pub rows: Vec<RosterRow>,
    pub next: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<RosterQuery>,
) -> PageResult {
    roster(&state, viewer, &q).await
}

/// The roster page for `q` (also shown again, with the problem, by the add-student form).
pub async fn roster(state: &AppState, viewer: Viewer, q: &RosterQuery) -> PageResult {
    let staff = !matches!(viewer.who.role, Role::Parent | Role::Student);
    let filter = if staff {
        q.filter()?
    } else {
        StudentFilter::default()
    };
    let page = page_request(q.cursor.as_deref(), PAGE)?;
    let found = state.school().list_students(&viewer.who, &filter, page).await?;
    let rows = found.items.into_iter().map(roster_row).collect();
    let title = match viewer.who.role {
        Role::Parent => "My children",
        Role::Student => "My record",
        _ => "Students",
    };
    Ok(render(
        StatusCode::OK,
        &RosterPage {
            chrome: viewer.chrome,
            title,
            staff,
            can_add: role_allows(viewer.who.role, Access::Write),
            class_level: given(&q.class_level).unwrap_or_default(),
            section: given(&q.section).unwrap_or_default(),
            q: given(&q.q).unwrap_or_default(),
            next: found.next_cursor.map(|c| q.next_link(&c)),
            rows,
        },
    ))
}

fn roster_row(s: Student) -> RosterRow {
    RosterRow {
        id: s.id,
        class: class_label(s.class_level, s.section.as_deref()),
        roll_number: s.roll_number,
        name: s.name,
        status: s.status.as_str(),
    }
}

/// The what-if calculator's inputs (a hypothetical grade) and what it found.
#[derive(Debug, Default, Deserialize)]
pub struct WhatIfQuery {
    pub subject: Option<String>,
    pub score: Option<String>,
    pub credits: Option<String>,
    /// The attendance calendar's month, `YYYY-MM`.
    pub month: Option<String>,
    /// What a form just did (`paid`, `reversed`, ...), shown as a notice.
    pub done: Option<String>,
}

/// The notice after a money form, by a fixed word (never text from the address).
fn done_notice(done: Option<&str>) -> Option<crate::web::pages::Notice> {
    let text = match done? {
        "paid" => "Payment recorded. The balance below includes it.",
        "paid-again" => "This payment was already recorded; it was not taken twice.",
        "declared" => "Payment declared. It counts once the finance office confirms it.",
        "reversed" => "Entry reversed.",
        "contacted" => "Contact logged; the student has been told.",
        "created" => "Student added.",
        "updated" => "Record saved.",
        "guardian" => "Guardian linked: they see this child's page from now on.",
        _ => return None,
    };
    Some(crate::web::pages::Notice::success(text))
}

#[derive(Debug)]
pub struct Money {
    pub balance: String,
    pub owes: bool,
    pub entries: Vec<LedgerEntry>,
    /// Finance staff: record payments and reverse entries here.
    pub staff: bool,
    /// The student themself: pay their own dues.
    pub own: bool,
    /// A fresh idempotency key for the payment form.
    pub payment_key: String,
    /// Finance staff: the contact log, newest first (when, method, notes).
    pub contacts: Vec<(String, String, String)>,
}

#[derive(Template, Debug)]
#[template(path = "app/student.html")]
pub struct StudentPage {
    pub chrome: AppChrome,
    pub student: Student,
    pub class: String,
    pub progress: Option<super::progress::Progress>,
    pub money: Option<Money>,
    /// Record keepers edit the record and link guardians here; they see the guardians.
    pub can_edit: bool,
    pub guardians: Vec<campus_domain::school::Guardian>,
    /// Report documents `who` may download: (id, title, generated on).
    pub documents: Vec<(i64, &'static str, String)>,
}

impl StudentPage {
    pub fn cents(&self, cents: &i64) -> String {
        money::format(*cents)
    }
}

pub async fn show(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageQuery(what_if): PageQuery<WhatIfQuery>,
) -> PageResult {
    let mut chrome = viewer.chrome;
    if let Some(notice) = done_notice(what_if.done.as_deref()) {
        chrome = chrome.notice(notice);
    }
    student_page(&state, &meta, chrome, &viewer.who, id, what_if).await
}

/// The student page for `who`; also re-rendered with an error by the payment forms.
/// Rendering only reads, so the access facts its sections' checks share (the student's row,
/// a parent's link) are read once for the page (`campus_domain::school::seen`).
pub async fn student_page(
    state: &AppState,
    meta: &campus_domain::RequestMeta,
    chrome: AppChrome,
    who: &campus_domain::identity::Principal,
    id: i64,
    what_if: WhatIfQuery,
) -> PageResult {
    campus_domain::school::seen::remembering(async move {
        let student = state.school().student(who, id, meta).await?;
        let progress = if role_allows(who.role, Access::ReadProgress) {
            Some(super::progress::progress(state, who, id, what_if).await?)
        } else {
            None
        };
        let staff = FinanceStaff::contains(who.role);
        let money = if staff || matches!(who.role, Role::Parent | Role::Student) {
            let balance = state.finance().balance(who, id).await?;
            let entries = state
                .finance()
                .ledger(
                    who,
                    id,
                    PageRequest {
                        after_id: None,
                        limit: LEDGER_ROWS,
                    },
                )
                .await?;
            Some(Money {
                balance: money::format(balance.balance_cents.abs()),
                owes: balance.balance_cents > 0,
                entries: entries.items,
                staff,
                own: who.role == Role::Student && student.user_id == Some(who.user_id),
                payment_key: uuid::Uuid::new_v4().to_string(),
                contacts: if staff {
                    state
                        .finance()
                        .contacts(who, id, 20)
                        .await?
                        .into_iter()
                        .map(|c| {
                            (
                                c.created_at.format("%Y-%m-%d %H:%M").to_string(),
                                c.method,
                                c.notes,
                            )
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            })
        } else {
            None
        };
        // Documents are listed when the role may read any kind of them; a refusal is no list.
        let documents = match state.reports().list(who, id).await {
            Ok(list) => list
                .into_iter()
                .map(|r| {
                    (
                        r.id,
                        r.kind.title(),
                        r.generated_at.format("%Y-%m-%d").to_string(),
                    )
                })
                .collect(),
            Err(e) => {
                let err = crate::error::ApiError::from(e);
                if err.status().is_server_error() {
                    return Err(err.into());
                }
                Vec::new()
            }
        };
        let can_edit = role_allows(who.role, Access::Write);
        let guardians = if can_edit {
            state.school().guardians(who, id).await?
        } else {
            Vec::new()
        };
        let class = class_label(student.class_level, student.section.as_deref());
        Ok(render(
            StatusCode::OK,
            &StudentPage {
                chrome,
                student,
                class,
                progress,
                money,
                can_edit,
                guardians,
                documents,
            },
        ))
    })
    .await
}
