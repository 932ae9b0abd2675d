//! Courses: the catalogue with fees, and for a student enrolling in one (the charge lands on
//! their ledger in the same transaction). The enrol button carries an idempotency key, so a
//! double click enrols once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::{Course, IdempotencyKey, money};
use campus_domain::finance::{CourseInput, CoursePatch};
use campus_domain::identity::Role;
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
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
    /// Finance staff (and administrators) open, price and close courses here.
    pub manage: bool,
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
    let manage = FinanceStaff::contains(viewer.who.role);
    let rows = finance
        .courses(manage)
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
            manage,
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

#[derive(Debug, Deserialize)]
pub struct CourseForm {
    code: Option<String>,
    name: Option<String>,
    credits: Option<String>,
    fee: Option<String>,
    /// `open` or `closed` (update only).
    state: Option<String>,
}

/// A whole number of credits, or a field error.
fn credits(text: &Option<String>) -> Result<Option<i32>, ApiError> {
    super::forms::given(text)
        .map(|t| {
            t.parse::<i32>()
                .map_err(|_| field_error("credits", "must be a whole number"))
        })
        .transpose()
}

fn fee(text: &Option<String>) -> Result<Option<i64>, ApiError> {
    super::forms::given(text)
        .map(|t| money::parse_decimal(&t).map_err(|e| field_error("fee", e.message())))
        .transpose()
}

fn field_error(field: &'static str, message: &str) -> ApiError {
    ApiError::from(vec![campus_domain::validation::FieldIssue::new(
        field,
        "invalid",
        message.to_owned(),
    )])
}

async fn refused(state: &AppState, viewer: Viewer, err: ApiError) -> PageResult {
    if !err.status().is_client_error() || err.status() == StatusCode::NOT_FOUND {
        return Err(err.into());
    }
    let mut chrome = viewer.chrome.clone();
    chrome.failed(&err);
    let notice = chrome.notice.clone();
    courses_page(state, Viewer { chrome, ..viewer }, notice, err.status()).await
}

/// Opens a course (finance staff).
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(form): PageForm<CourseForm>,
) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    let input = match (credits(&form.credits), fee(&form.fee)) {
        (Ok(credits), Ok(fee_cents)) => CourseInput {
            code: form.code.clone().unwrap_or_default(),
            name: form.name.clone().unwrap_or_default(),
            credits: credits.unwrap_or(0),
            fee_cents: fee_cents.unwrap_or(0),
            description: None,
        },
        (Err(e), _) | (_, Err(e)) => return refused(&state, viewer, e).await,
    };
    match state.finance().create_course(&viewer.who, input, &meta).await {
        Ok(_) => Ok(see_other("/app/courses?done=created")),
        Err(e) => refused(&state, viewer, e.into()).await,
    }
}

/// Changes a course's fee or closes / reopens it (finance staff). A fee change applies to new
/// enrolments; those made before keep the fee they were charged.
pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<CourseForm>,
) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    let fee_cents = match fee(&form.fee) {
        Ok(f) => f,
        Err(e) => return refused(&state, viewer, e).await,
    };
    let active = match form.state.as_deref() {
        Some("open") => Some(true),
        Some("closed") => Some(false),
        None | Some("") => None,
        Some(_) => {
            return Err(super::PageError::new(
                StatusCode::BAD_REQUEST,
                "A course is open or closed.",
            ));
        }
    };
    let patch = CoursePatch {
        fee_cents,
        active,
        ..CoursePatch::default()
    };
    match state.finance().update_course(&viewer.who, id, patch, &meta).await {
        Ok(_) => Ok(see_other("/app/courses?done=updated")),
        Err(e) => refused(&state, viewer, e.into()).await,
    }
}
