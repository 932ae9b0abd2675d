//! The gradebook: a class's students as rows, one subject and term, a score cell per student.
//! Saving the grid writes each changed cell (a new grade, or a change to the one recorded);
//! a cell that fails its checks is named in the error summary and the others are saved.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::policy::{Access, role_allows};
use campus_domain::school::{GradeInput, GradePatch, StudentFilter, StudentStatus};
use serde::Deserialize;

use super::attendance::parse_class;
use super::chrome::FieldProblem;
use super::forms::{PageForm, PageQuery, given};
use super::students::page_request;
use super::{AppChrome, PageError, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

#[derive(Debug, Default, Deserialize)]
pub struct GridQuery {
    pub class_level: Option<String>,
    pub section: Option<String>,
    pub subject: Option<String>,
    pub term: Option<String>,
    pub saved: Option<String>,
}

#[derive(Debug)]
pub struct GridRow {
    pub id: i64,
    pub name: String,
    pub roll_number: String,
    pub grade_id: Option<i64>,
    pub score: String,
    pub letter: String,
}

#[derive(Template, Debug)]
#[template(path = "app/gradebook.html")]
pub struct GradebookPage {
    pub chrome: AppChrome,
    pub class_level: String,
    pub section: String,
    pub subject: String,
    pub term: String,
    pub rows: Vec<GridRow>,
    pub chosen: bool,
}

struct Grid {
    level: Option<i32>,
    section: Option<String>,
    subject: Option<String>,
    term: Option<String>,
}

impl Grid {
    fn parse(
        level: &Option<String>,
        section: &Option<String>,
        subject: &Option<String>,
        term: &Option<String>,
    ) -> Result<Self, PageError> {
        let (level, section) = parse_class(level, section)?;
        let subject = given(subject).map(|s| s.chars().take(100).collect());
        let term = given(term).map(|s| s.chars().take(50).collect());
        Ok(Self {
            level,
            section,
            subject,
            term,
        })
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "class_level",
                self.level.map(|l| l.to_string()).unwrap_or_default(),
            ),
            ("section", self.section.clone().unwrap_or_default()),
            ("subject", self.subject.clone().unwrap_or_default()),
            ("term", self.term.clone().unwrap_or_default()),
        ]
    }
}

async fn rows(state: &AppState, viewer: &Viewer, grid: &Grid) -> Result<Vec<GridRow>, PageError> {
    let (Some(level), Some(subject)) = (grid.level, grid.subject.as_deref()) else {
        return Ok(Vec::new());
    };
    let filter = StudentFilter {
        class_level: Some(level),
        section: grid.section.clone(),
        status: Some(StudentStatus::Active),
        name: None,
    };
    let students = state
        .school()
        .list_students(&viewer.who, &filter, page_request(None, 500)?)
        .await?
        .items;
    let ids: Vec<i64> = students.iter().map(|s| s.id).collect();
    // The newest grade per student when there are several.
    let grades: HashMap<i64, campus_domain::school::Grade> = state
        .school()
        .class_grades(&viewer.who, &ids, subject, grid.term.as_deref())
        .await?
        .into_iter()
        .map(|g| (g.student_id, g))
        .collect();
    Ok(students
        .into_iter()
        .map(|s| {
            let g = grades.get(&s.id);
            GridRow {
                id: s.id,
                name: s.name,
                roll_number: s.roll_number,
                grade_id: g.map(|g| g.id),
                score: g.and_then(|g| g.score).map(|v| v.to_string()).unwrap_or_default(),
                letter: g.and_then(|g| g.letter.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

fn page(chrome: AppChrome, grid: &Grid, rows: Vec<GridRow>) -> GradebookPage {
    GradebookPage {
        chrome,
        class_level: grid.level.map(|l| l.to_string()).unwrap_or_default(),
        section: grid.section.clone().unwrap_or_default(),
        subject: grid.subject.clone().unwrap_or_default(),
        term: grid.term.clone().unwrap_or_default(),
        chosen: grid.level.is_some() && grid.subject.is_some(),
        rows,
    }
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<GridQuery>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let grid = Grid::parse(&q.class_level, &q.section, &q.subject, &q.term)?;
    let rows = rows(&state, &viewer, &grid).await?;
    let mut chrome = viewer.chrome.clone();
    if let Some(n) = given(&q.saved).and_then(|n| n.parse::<usize>().ok()) {
        chrome = chrome.notice(Notice::success(format!("Saved {n} grades.")));
    }
    Ok(render(StatusCode::OK, &page(chrome, &grid, rows)))
}

/// Saves every cell whose score changed: `score_{student}` with `grade_{student}` naming the
/// grade it replaces.
pub async fn save(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    require(role_allows(viewer.who.role, Access::Write))?;
    let field = |name: &str| super::forms::field(&fields, name);
    let grid = Grid::parse(
        &field("class_level"),
        &field("section"),
        &field("subject"),
        &field("term"),
    )?;
    let Some(subject) = grid.subject.clone() else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "Choose a subject first."));
    };
    let current: HashMap<i64, GridRow> = rows(&state, &viewer, &grid)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut saved = 0usize;
    let mut problems = Vec::new();
    let mut sent = HashMap::new();
    for (k, v) in &fields {
        let Some(id) = k.strip_prefix("score_").and_then(|id| id.parse::<i64>().ok()) else {
            continue;
        };
        let text = v.trim();
        sent.insert(id, text.to_owned());
        let Some(row) = current.get(&id) else {
            // Not a student of this class (any more): not written.
            problems.push(FieldProblem {
                field: k.clone(),
                message: "this student is not in the class".to_owned(),
            });
            continue;
        };
        if text == row.score || text.is_empty() {
            continue;
        }
        let Ok(score) = text.parse::<f64>() else {
            problems.push(FieldProblem {
                field: k.clone(),
                message: format!("{}: the score must be a number from 0 to 100", row.name),
            });
            continue;
        };
        let result = match row.grade_id {
            Some(grade_id) => {
                let patch = GradePatch {
                    score: Some(Some(score)),
                    letter: Some(None),
                    ..GradePatch::default()
                };
                state
                    .school()
                    .update_grade(&viewer.who, grade_id, patch, &meta)
                    .await
            }
            None => {
                let input = GradeInput {
                    subject: subject.clone(),
                    score: Some(score),
                    term: grid.term.clone(),
                    ..GradeInput::default()
                };
                state.school().add_grade(&viewer.who, id, input, &meta).await
            }
        };
        match result {
            Ok(_) => saved += 1,
            Err(e) => {
                let err = ApiError::from(e);
                if err.status().is_server_error() {
                    return Err(err.into());
                }
                let why = err
                    .report()
                    .errors
                    .first()
                    .map_or_else(|| err.report().detail.clone(), |f| f.message.clone());
                problems.push(FieldProblem {
                    field: k.clone(),
                    message: format!("{}: {why}", row.name),
                });
            }
        }
    }
    if problems.is_empty() {
        let mut query = grid.query();
        query.push(("saved", saved.to_string()));
        return Ok(see_other(&format!(
            "/app/gradebook?{}",
            serde_urlencoded::to_string(query).unwrap_or_default()
        )));
    }
    let mut chrome = viewer.chrome.clone();
    chrome.notice = Some(Notice::error(
        "invalid_grades",
        format!(
            "Saved {saved} grades; {} could not be saved and are shown as typed.",
            problems.len()
        ),
    ));
    chrome.errors = problems;
    let mut rows = rows(&state, &viewer, &grid).await?;
    for row in &mut rows {
        if let Some(text) = sent.get(&row.id) {
            row.score.clone_from(text);
        }
    }
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(chrome, &grid, rows),
    ))
}
