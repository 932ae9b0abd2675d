//! A teacher (or administrator) sends a message to a class: its students who have accounts, or
//! their guardians who receive notices. The recipients are resolved through the school
//! service (the same record checks as everywhere) and sent in one transaction.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::notifications::Recipients;
use campus_domain::school::policy::{Access, role_allows};
use campus_domain::school::{StudentFilter, StudentStatus};
use serde::Deserialize;

use super::attendance::parse_class;
use super::forms::{PageForm, PageQuery, given};
use super::students::page_request;
use super::{AppChrome, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

/// The most students one class message resolves (the notification service's limit on one
/// message's recipients is of the same order).
const MAX_CLASS_RECIPIENTS: usize = 1000;

#[derive(Template, Debug)]
#[template(path = "app/notify.html")]
pub struct NotifyPage {
    pub chrome: AppChrome,
    pub class_level: String,
    pub section: String,
    pub audience: String,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SentQuery {
    sent: Option<String>,
}

fn empty(chrome: AppChrome) -> NotifyPage {
    NotifyPage {
        chrome,
        class_level: String::new(),
        section: String::new(),
        audience: "guardians".to_owned(),
        message: String::new(),
    }
}

pub async fn form(viewer: Viewer, PageQuery(q): PageQuery<SentQuery>) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let mut chrome = viewer.chrome;
    if let Some(n) = given(&q.sent).and_then(|n| n.parse::<usize>().ok()) {
        chrome = chrome.notice(Notice::success(format!("Sent to {n} people.")));
    }
    Ok(render(StatusCode::OK, &empty(chrome)))
}

#[derive(Debug, Deserialize)]
pub struct NotifyForm {
    class_level: Option<String>,
    section: Option<String>,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    message: String,
}

/// The accounts a class message reaches.
async fn recipients(state: &AppState, viewer: &Viewer, form: &NotifyForm) -> Result<Vec<i64>, ApiError> {
    let (level, section) =
        parse_class(&form.class_level, &form.section).map_err(|e| ApiError::bad_request(e.message))?;
    let Some(level) = level else {
        return Err(ApiError::from(vec![campus_domain::validation::FieldIssue::new(
            "class_level",
            "required",
            "choose a class level",
        )]));
    };
    let filter = StudentFilter {
        class_level: Some(level),
        section,
        status: Some(StudentStatus::Active),
        name: None,
    };
    let mut students = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = page_request(cursor.as_deref(), 500).map_err(|e| ApiError::bad_request(e.message))?;
        let found = state.school().list_students(&viewer.who, &filter, page).await?;
        students.extend(found.items);
        match found.next_cursor {
            Some(next) if students.len() < MAX_CLASS_RECIPIENTS => cursor = Some(next),
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "class_too_large",
                    format!(
                        "That class has more than {MAX_CLASS_RECIPIENTS} students; narrow it by section."
                    ),
                ));
            }
            None => break,
        }
    }
    let mut ids = Vec::new();
    for s in &students {
        if form.audience == "students" {
            ids.extend(s.user_id);
        } else {
            let guardians = state.school().guardians(&viewer.who, s.id).await?;
            ids.extend(
                guardians
                    .into_iter()
                    .filter(|g| g.may_receive_notices)
                    .map(|g| g.user_id),
            );
        }
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_recipients",
            "Nobody in that class has an account to send to.",
        ));
    }
    Ok(ids)
}

pub async fn send(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(form): PageForm<NotifyForm>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let result = match recipients(&state, &viewer, &form).await {
        Ok(ids) => state
            .notifications()
            .send(
                &viewer.who,
                Recipients::Users(ids),
                None,
                form.message.clone(),
                &meta,
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(sent) => Ok(see_other(&format!("/app/notify?sent={}", sent.len()))),
        Err(err) if err.status().is_client_error() => {
            let mut page = empty(viewer.chrome.clone());
            page.chrome.failed(&err);
            page.class_level = given(&form.class_level).unwrap_or_default();
            page.section = given(&form.section).unwrap_or_default();
            page.audience = if form.audience == "students" {
                "students"
            } else {
                "guardians"
            }
            .to_owned();
            page.message = form.message.chars().take(2000).collect();
            Ok(render(err.status(), &page))
        }
        Err(err) => Err(err.into()),
    }
}
