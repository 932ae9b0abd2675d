//! Staff keep student records from the portal: add a student, edit the record (class, section,
//! status — "archive" is status graduated or withdrawn), and link a guardian's account.
//! Each form re-renders its page with the problem on top when the school service refuses.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::RequestMeta;
use campus_domain::school::policy::{Access, role_allows};
use campus_domain::school::{StudentInput, StudentPatch};
use serde::Deserialize;

use super::forms::{PageForm, PagePath, given};
use super::students::{WhatIfQuery, student_page};
use super::{PageError, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct RecordForm {
    name: Option<String>,
    roll_number: Option<String>,
    class_level: Option<String>,
    section: Option<String>,
    status: Option<String>,
}

/// A class level as typed: empty is none; anything but a whole number is a field error.
fn level(text: &Option<String>) -> Result<Option<i32>, ApiError> {
    match given(text) {
        None => Ok(None),
        Some(t) => t.parse::<i32>().map(Some).map_err(|_| {
            ApiError::from(vec![campus_domain::validation::FieldIssue::new(
                "class_level",
                "invalid",
                "must be a whole number",
            )])
        }),
    }
}

/// The student page again with `err` on top (or `err` itself when it is not the user's).
async fn refused(state: &AppState, meta: &RequestMeta, viewer: Viewer, id: i64, err: ApiError) -> PageResult {
    if !err.status().is_client_error() {
        return Err(err.into());
    }
    let mut chrome = viewer.chrome.clone();
    chrome.failed(&err);
    chrome.rename_field("user_id", "guardian");
    let mut response = student_page(state, meta, chrome, &viewer.who, id, WhatIfQuery::default()).await?;
    *response.status_mut() = err.status();
    Ok(response)
}

/// Adds a student; the roster page's form.
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(form): PageForm<RecordForm>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let input = level(&form.class_level).map(|class_level| StudentInput {
        name: form.name.clone().unwrap_or_default().trim().to_owned(),
        roll_number: given(&form.roll_number),
        class_level,
        section: given(&form.section),
        ..StudentInput::default()
    });
    let created = match input {
        Ok(input) => state
            .school()
            .create_student(&viewer.who, input, &meta)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(s) => Ok(see_other(&format!("/app/students/{}?done=created", s.id))),
        Err(err) if err.status().is_client_error() => {
            let mut chrome = viewer.chrome.clone();
            chrome.failed(&err);
            chrome.rename_field("class_level", "new_class_level");
            chrome.rename_field("section", "new_section");
            let viewer = Viewer { chrome, ..viewer };
            let mut response =
                super::students::roster(&state, viewer, &super::students::RosterQuery::default()).await?;
            *response.status_mut() = err.status();
            Ok(response)
        }
        Err(err) => Err(err.into()),
    }
}

/// Changes the record: name, class, section, status.
pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<RecordForm>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let patch = level(&form.class_level).map(|class_level| StudentPatch {
        name: given(&form.name),
        class_level: Some(class_level),
        section: Some(given(&form.section)),
        status: given(&form.status),
        ..StudentPatch::default()
    });
    let updated = match patch {
        Ok(patch) => state
            .school()
            .update_student(&viewer.who, id, patch, &meta)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match updated {
        Ok(()) => Ok(see_other(&format!("/app/students/{id}?done=updated"))),
        Err(err) if err.status() == StatusCode::NOT_FOUND => Err(PageError::not_found()),
        Err(err) => refused(&state, &meta, viewer, id, err).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct GuardianForm {
    #[serde(default)]
    guardian: String,
    relationship: Option<String>,
}

/// Links a parent account, found by username or email, as the student's guardian.
pub async fn link_guardian(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<GuardianForm>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let login = form.guardian.trim();
    let found = if login.is_empty() || login.len() > 320 {
        None
    } else {
        state.identity().find_by_identifier(login).await?
    };
    let Some(parent) = found else {
        let err = ApiError::from(vec![campus_domain::validation::FieldIssue::new(
            "guardian",
            "not_found",
            "no account has that username or email",
        )]);
        return refused(&state, &meta, viewer, id, err).await;
    };
    match state
        .school()
        .link_guardian(&viewer.who, id, parent.id, given(&form.relationship), true, &meta)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/app/students/{id}?done=guardian"))),
        Err(e) => {
            let err = ApiError::from(e);
            if err.status() == StatusCode::NOT_FOUND {
                return Err(PageError::not_found());
            }
            refused(&state, &meta, viewer, id, err).await
        }
    }
}
