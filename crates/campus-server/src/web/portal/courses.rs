//! Courses: the catalogue with fees, and for a student enrolling in one (the charge lands on
//! their ledger in the same transaction). The enrol button carries an idempotency key, so a
//! double click enrols once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::{Course, IdempotencyKey, money};
use campus_domain::identity::Role;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::forms::{PageForm, PagePath, PageQuery};
use super::{AppChrome, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

#[derive(Debug)]
pub struct CourseRow {
    pub course: Course,
    pub fee: String,
    /// The student's enrollment status in it, if any.
    pub enrolled: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "app/courses.html")]
pub struct CoursesPage {
    pub chrome: AppChrome,
    pub rows: Vec<CourseRow>,
    pub student: bool,
    pub key: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult {
    let notice = (q.done.as_deref() == Some("enrolled"))
        .then(|| Notice::success("Enrolled. The course fee is now on your dues."));
    courses_page(&state, viewer, notice, StatusCode::OK).await
}

async fn courses_page(
    state: &AppState,
    viewer: Viewer,
    notice: Option<Notice>,
    status: StatusCode,
) -> PageResult {
    let student = viewer.who.role == Role::Student;
    let finance = state.finance();
    // Viewing never creates a student record (enrolling does, as in seed 002).
    let own = if student {
        finance.student_of_user(&viewer.who, false).await.ok()
    } else {
        None
    };
    let mine: HashMap<i64, String> = if let Some(own) = own {
        finance
            .enrollments(&viewer.who, own.id)
            .await?
            .into_iter()
            .map(|(e, _)| (e.course_id, e.status))
            .collect()
    } else {
        HashMap::new()
    };
    let rows = finance
        .courses(false)
        .await?
        .into_iter()
        .map(|course| CourseRow {
            fee: money::format(course.fee_cents),
            enrolled: mine.get(&course.id).cloned(),
            course,
        })
        .collect();
    let mut chrome = viewer.chrome;
    chrome.notice = notice;
    Ok(render(
        status,
        &CoursesPage {
            chrome,
            rows,
            student,
            key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct EnrollForm {
    #[serde(default)]
    idempotency_key: String,
}

/// A student enrols in a course; its fee is charged at once.
pub async fn enroll(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(course): PagePath<i64>,
    PageForm(form): PageForm<EnrollForm>,
) -> PageResult {
    require(viewer.who.role == Role::Student)?;
    let finance = state.finance();
    let own = finance.student_of_user(&viewer.who, true).await?;
    let key = form.idempotency_key.trim();
    let key = (!key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())).then(|| {
        IdempotencyKey {
            key: key.to_owned(),
            scope: "web.enroll",
            request_hash: campus_domain::digest::hex(&Sha256::digest(
                format!("/app/courses/{course}/enroll").as_bytes(),
            )),
        }
    });
    let render_receipt = |_: &campus_domain::finance::EnrollmentReceipt| (303, "enrolled".to_owned());
    match finance
        .enroll(&viewer.who, own.id, course, key.as_ref(), &render_receipt, &meta)
        .await
    {
        Ok(_) => Ok(see_other("/app/courses?done=enrolled")),
        Err(e) => {
            let err = ApiError::from(e);
            if err.status() == StatusCode::CONFLICT || err.status() == StatusCode::UNPROCESSABLE_ENTITY {
                // Already enrolled, or the course is closed: say so on the catalogue.
                let notice = Notice::error(err.code(), err.report().detail.clone());
                return courses_page(&state, viewer, Some(notice), err.status()).await;
            }
            Err(err.into())
        }
    }
}
