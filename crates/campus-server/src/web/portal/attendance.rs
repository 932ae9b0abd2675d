//! Taking attendance: a class (level and section) and a date, one row per student, everyone
//! Present unless already marked, one submit that saves the whole class in one transaction.
//! Reopening the page shows what was saved.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::policy::{Access, role_allows};
use campus_domain::school::{BulkMark, StudentFilter, StudentStatus};
use chrono::NaiveDate;
use serde::Deserialize;

use super::forms::{PageForm, PageQuery, given};
use super::students::page_request;
use super::{AppChrome, PageError, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

/// Largest class the form lists.
const MAX_CLASS: u64 = 500;

#[derive(Debug, Default, Deserialize)]
pub struct ClassQuery {
    pub class_level: Option<String>,
    pub section: Option<String>,
    pub date: Option<String>,
    pub saved: Option<String>,
}

/// A class and date as chosen on the page.
pub struct Class {
    pub level: Option<i32>,
    pub section: Option<String>,
    pub date: NaiveDate,
}

pub fn parse_class(
    level: &Option<String>,
    section: &Option<String>,
) -> Result<(Option<i32>, Option<String>), PageError> {
    let level = match given(level) {
        Some(t) => Some(
            t.parse::<i32>()
                .ok()
                .filter(|l| (0..=20).contains(l))
                .ok_or_else(|| {
                    PageError::new(
                        StatusCode::BAD_REQUEST,
                        "Class level must be a whole number from 0 to 20.",
                    )
                })?,
        ),
        None => None,
    };
    Ok((level, given(section).map(|s| s.chars().take(20).collect())))
}

fn parse_date(text: &Option<String>, today: NaiveDate) -> Result<NaiveDate, PageError> {
    match given(text) {
        Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "The date must look like 2026-09-01.")),
        None => Ok(today),
    }
}

#[derive(Debug)]
pub struct MarkRow {
    pub id: i64,
    pub name: String,
    pub roll_number: String,
    pub status: String,
    pub note: String,
}

#[derive(Template, Debug)]
#[template(path = "app/attendance.html")]
pub struct AttendancePage {
    pub chrome: AppChrome,
    pub class_level: String,
    pub section: String,
    pub date: String,
    pub codes: Vec<String>,
    pub rows: Vec<MarkRow>,
    pub chosen: bool,
    pub saved_before: usize,
}

/// The students of a class, in id order, and their marks on the date.
async fn class_rows(state: &AppState, viewer: &Viewer, class: &Class) -> Result<Vec<MarkRow>, PageError> {
    let filter = StudentFilter {
        class_level: class.level,
        section: class.section.clone(),
        status: Some(StudentStatus::Active),
        name: None,
    };
    let students = state
        .school()
        .list_students(&viewer.who, &filter, page_request(None, MAX_CLASS)?)
        .await?
        .items;
    let ids: Vec<i64> = students.iter().map(|s| s.id).collect();
    let marks: HashMap<i64, (String, String)> = state
        .school()
        .marks_on(&viewer.who, class.date, &ids)
        .await?
        .into_iter()
        .map(|m| (m.student_id, (m.status, m.note.unwrap_or_default())))
        .collect();
    Ok(students
        .into_iter()
        .map(|s| {
            let (status, note) = marks
                .get(&s.id)
                .cloned()
                .unwrap_or_else(|| (String::new(), String::new()));
            MarkRow {
                id: s.id,
                name: s.name,
                roll_number: s.roll_number,
                status,
                note,
            }
        })
        .collect())
}

fn page(
    state: &AppState,
    chrome: AppChrome,
    class: &Class,
    rows: Vec<MarkRow>,
    chosen: bool,
) -> AttendancePage {
    let codes: Vec<String> = state
        .settings()
        .school
        .attendance_codes
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let saved_before = rows.iter().filter(|r| !r.status.is_empty()).count();
    let first = codes.first().cloned().unwrap_or_default();
    let rows = rows
        .into_iter()
        .map(|mut r| {
            if r.status.is_empty() {
                r.status.clone_from(&first);
            }
            r
        })
        .collect();
    AttendancePage {
        chrome,
        class_level: class.level.map(|l| l.to_string()).unwrap_or_default(),
        section: class.section.clone().unwrap_or_default(),
        date: class.date.to_string(),
        codes,
        rows,
        chosen,
        saved_before,
    }
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<ClassQuery>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let (level, section) = parse_class(&q.class_level, &q.section)?;
    let today = state.clock().now().date_naive();
    let class = Class {
        level,
        section,
        date: parse_date(&q.date, today)?,
    };
    let chosen = class.level.is_some();
    let rows = if chosen {
        class_rows(&state, &viewer, &class).await?
    } else {
        Vec::new()
    };
    let mut chrome = viewer.chrome.clone();
    if let Some(n) = given(&q.saved).and_then(|n| n.parse::<usize>().ok()) {
        chrome = chrome.notice(Notice::success(format!("Attendance saved for {n} students.")));
    }
    Ok(render(
        StatusCode::OK,
        &page(&state, chrome, &class, rows, chosen),
    ))
}

/// Saves the whole class: every `status_{id}` field (and `note_{id}`) in one transaction.
pub async fn save(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let field = |name: &str| super::forms::field(&fields, name);
    let (level, section) = parse_class(&field("class_level"), &field("section"))?;
    let today = state.clock().now().date_naive();
    let date = parse_date(&field("date"), today)?;
    let notes: HashMap<&str, &str> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("note_").map(|id| (id, v.as_str())))
        .collect();
    let mut marks = Vec::new();
    for (k, v) in &fields {
        let Some(id) = k.strip_prefix("status_") else {
            continue;
        };
        let student_id = id.parse::<i64>().map_err(|_| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "The form has a row this page did not make.",
            )
        })?;
        let note = notes
            .get(id)
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        marks.push(BulkMark {
            student_id,
            status: v.clone(),
            note,
        });
    }
    let class = Class { level, section, date };
    let count = marks.len();
    match state.school().mark_bulk(&viewer.who, date, marks, &meta).await {
        Ok(_) => {
            let query = serde_urlencoded::to_string([
                (
                    "class_level",
                    class.level.map(|l| l.to_string()).unwrap_or_default(),
                ),
                ("section", class.section.clone().unwrap_or_default()),
                ("date", date.to_string()),
                ("saved", count.to_string()),
            ])
            .unwrap_or_default();
            Ok(see_other(&format!("/app/attendance?{query}")))
        }
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status().is_client_error() || err.status() == StatusCode::NOT_FOUND {
                return Err(err.into());
            }
            // Nothing was saved: show the class again with the problem on top.
            let mut chrome = viewer.chrome.clone();
            chrome.failed(&err);
            let sent: HashMap<i64, String> = fields
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("status_")?.parse().ok()?, v.clone())))
                .collect();
            let mut rows = if class.level.is_some() {
                class_rows(&state, &viewer, &class).await?
            } else {
                Vec::new()
            };
            for row in &mut rows {
                if let Some(status) = sent.get(&row.id) {
                    row.status.clone_from(status);
                }
            }
            let chosen = class.level.is_some();
            Ok(render(err.status(), &page(&state, chrome, &class, rows, chosen)))
        }
    }
}
