//! Seed 003 progress: `/api/students/{id}/grades`, `/gpa` and `/attendance`.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::school::{AttendanceMark, AttendanceRecord, Grade, GradeInput};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::records::{date_field, student_id};
use super::schema::{
    AchievementAttendance, AchievementAttendanceList, AchievementAttendanceSummary, AchievementGpa,
    AchievementGrade, AchievementGradeRequest, AchievementMarkRequest,
};
use super::{Answer, TAG};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::{BearerErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::extract::Query;
use crate::state::AppState;

/// The progress routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(grades, add_grade),
        routes!(gpa),
        routes!(attendance, mark),
    ]
}

fn grade_json(g: &Grade) -> AchievementGrade {
    let grade = match (&g.letter, g.score) {
        (Some(l), _) => json!(l),
        (None, Some(s)) => json!(s),
        (None, None) => Value::Null,
    };
    AchievementGrade {
        grade_id: g.id,
        student_id: g.student_id,
        subject: g.subject.clone(),
        grade,
        created_at: g.created_at.to_rfc3339(),
        updated_at: g.updated_at.to_rfc3339(),
    }
}

fn attendance_json(a: &AttendanceRecord) -> AchievementAttendance {
    AchievementAttendance {
        attendance_id: a.id,
        student_id: a.student_id,
        date: a.date,
        status: a.status.clone(),
        created_at: a.created_at.to_rfc3339(),
    }
}

/// A student's grades.
#[utoipa::path(get, path = "/api/students/{id}/grades", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    responses(
        (status = 200, description = "The grades", body = [AchievementGrade]),
        (status = 404, description = "No such student, or not one the caller may see", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "The role reads no grades", body = SeedErrorMessage),
    ))]
async fn grades(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    let grades = state.school().grades(&who, student_id(&id)?).await?;
    Ok(reply(
        StatusCode::OK,
        json!(grades.iter().map(grade_json).collect::<Vec<_>>()),
    ))
}

/// Records a grade (staff).
#[utoipa::path(post, path = "/api/students/{id}/grades", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    request_body = AchievementGradeRequest,
    responses(
        (status = 201, description = "Recorded", body = AchievementGrade),
        (status = 400, description = "Subject or grade missing or invalid", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn add_grade(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = student_id(&id)?;
    let (Some(subject), Some(grade)) = (text(&body, "subject"), body.get("grade").filter(|g| !g.is_null()))
    else {
        return Err(bad_request("subject and grade are required").into());
    };
    // A number (or numeric text) is a 0-100 score; anything else a letter grade.
    let (score, letter) = match grade {
        Value::Number(n) => (n.as_f64(), None),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(n) => (Some(n), None),
            Err(_) => (None, Some(s.clone())),
        },
        _ => {
            return Err(
                bad_request("grade must be a letter (A-F with + or -) or a number from 0 to 100").into(),
            );
        }
    };
    let input = GradeInput {
        subject,
        score,
        letter,
        ..GradeInput::default()
    };
    let g = state.school().add_grade(&who, id, input, &meta).await?;
    Ok(reply(StatusCode::CREATED, json!(grade_json(&g))))
}

/// The student's GPA on the 4.0 scale.
#[utoipa::path(get, path = "/api/students/{id}/gpa", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    responses(
        (status = 200, description = "The GPA", body = AchievementGpa),
        (status = 404, description = "No such student, or not one the caller may see", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "The role reads no grades", body = SeedErrorMessage),
    ))]
async fn gpa(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    let id = student_id(&id)?;
    let report = state.school().gpa(&who, id).await?;
    Ok(reply(
        StatusCode::OK,
        json!(AchievementGpa {
            student_id: id,
            gpa: report.cumulative.unweighted,
            scale: 4.0,
            graded_subjects: report.subjects.len(),
        }),
    ))
}

#[derive(Debug, serde::Deserialize)]
struct Range {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// A student's attendance in a date range, with a summary.
#[utoipa::path(get, path = "/api/students/{id}/attendance", tag = TAG, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The student id"),
        ("from" = Option<NaiveDate>, Query, description = "First date, inclusive"),
        ("to" = Option<NaiveDate>, Query, description = "Last date, inclusive")),
    responses(
        (status = 200, description = "Marks and summary", body = AchievementAttendanceList),
        (status = 400, description = "A date is not YYYY-MM-DD", body = SeedErrorMessage),
        (status = 404, description = "No such student, or not one the caller may see", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "The role reads no attendance", body = SeedErrorMessage),
    ))]
async fn attendance(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(range): Query<Range>,
) -> Answer {
    let (records, summary) = state
        .school()
        .attendance(&who, student_id(&id)?, range.from, range.to)
        .await?;
    let count = |code: &str| summary.counts.get(code).copied().unwrap_or(0);
    Ok(reply(
        StatusCode::OK,
        json!(AchievementAttendanceList {
            records: records.iter().map(attendance_json).collect(),
            summary: AchievementAttendanceSummary {
                present: count("present"),
                absent: count("absent"),
                excused: count("excused"),
                late: count("late"),
                total: summary.total,
                attendance_rate: summary.attendance_rate,
            },
        }),
    ))
}

/// Marks attendance for a date (staff); marking the same date again changes the mark (200).
#[utoipa::path(post, path = "/api/students/{id}/attendance", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path, description = "The student id")),
    request_body = AchievementMarkRequest,
    responses(
        (status = 201, description = "Marked", body = AchievementAttendance),
        (status = 200, description = "The date's mark changed", body = AchievementAttendance),
        (status = 400, description = "Status missing or unknown, or a bad date", body = SeedErrorMessage),
        (status = 404, description = "No such student", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn mark(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    SeedJson(body): SeedJson,
) -> Answer {
    let id = student_id(&id)?;
    let Some(status) = text(&body, "status") else {
        return Err(bad_request("status is required").into());
    };
    let mark = AttendanceMark {
        date: date_field(&body, "date")?,
        status,
        note: text(&body, "note"),
    };
    let (record, created) = state.school().mark_attendance(&who, id, mark, &meta).await?;
    Ok(reply(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        json!(attendance_json(&record)),
    ))
}
