//! The course catalogue: anyone lists and reads it, the finance office changes it.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::{CourseInput, CoursePatch, money};
use serde_json::{Value, json};

use super::schema::{
    FinanceCourse, FinanceCourseChanged, FinanceCourseRequest, FinanceCourses, FinanceOfficeErrors,
};
use super::{Answer, TAG, date, require_admin};
use crate::auth::{AuthUser, Meta};
use crate::compat::schema::SeedErrorMessage;
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

fn course_json(c: &campus_domain::finance::Course, with_created: bool) -> FinanceCourse {
    FinanceCourse {
        id: c.id,
        course_id: c.code.clone(),
        name: c.name.clone(),
        credits: c.credits,
        total_fee: money::major(c.fee_cents),
        description: c.description.clone(),
        created_at: with_created.then(|| date(c.created_at)),
    }
}

/// The active courses.
#[utoipa::path(get, path = "/api/courses", tag = TAG,
    responses((status = 200, description = "The catalogue", body = FinanceCourses)))]
pub(super) async fn list_courses(State(state): State<AppState>) -> Answer {
    let courses = state.finance().courses(false).await?;
    Ok(reply(
        StatusCode::OK,
        json!(FinanceCourses {
            total_courses: courses.len(),
            courses: courses.iter().map(|c| course_json(c, false)).collect(),
        }),
    ))
}

/// One course.
#[utoipa::path(get, path = "/api/courses/{id}", tag = TAG, params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The course", body = FinanceCourse),
        (status = 400, description = "The id is not a number", body = SeedErrorMessage),
        (status = 404, description = "No such course", body = SeedErrorMessage),
    ))]
pub(super) async fn get_course(State(state): State<AppState>, Path(id): Path<i64>) -> Answer {
    let course = state.finance().course(id).await?;
    Ok(reply(StatusCode::OK, json!(course_json(&course, true))))
}

/// A fee field: a positive JSON number with at most two decimals.
fn fee(body: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) if v.is_number() => money::parse_amount(v)
            .map(Some)
            .map_err(|e| bad_request(&format!("Invalid input: {key} {}", e.message()))),
        Some(_) => Err(bad_request(&format!("Invalid input: {key} must be a number"))),
    }
}

fn credits(body: &Value) -> Result<Option<i32>, ApiError> {
    match body.get("credits") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|c| i32::try_from(c).ok())
            .map(Some)
            .ok_or_else(|| bad_request("Invalid input: credits must be a whole number")),
    }
}

/// Adds a course (administrators and finance staff).
#[utoipa::path(post, path = "/api/courses", tag = TAG, security(("bearer" = [])), request_body = FinanceCourseRequest,
    responses(
        (status = 201, description = "Created", body = FinanceCourseChanged),
        (status = 400, description = "A field is missing or invalid", body = SeedErrorMessage),
        (status = 409, description = "The course code is taken", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
pub(super) async fn create_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    SeedJson(body): SeedJson,
) -> Answer {
    require_admin(&who)?;
    for field in ["course_id", "name", "credits", "total_fee"] {
        let given = body.get(field).is_some_and(|v| match v {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        });
        if !given {
            return Err(bad_request(&format!("{field} is required")).into());
        }
    }
    let input = CourseInput {
        code: text(&body, "course_id").ok_or_else(|| bad_request("Invalid input: course_id must be text"))?,
        name: text(&body, "name").ok_or_else(|| bad_request("Invalid input: name must be text"))?,
        credits: credits(&body)?.unwrap_or_default(),
        fee_cents: fee(&body, "total_fee")?.unwrap_or_default(),
        description: text(&body, "description"),
    };
    let course = state.finance().create_course(&who, input, &meta).await?;
    Ok(reply(
        StatusCode::CREATED,
        json!(FinanceCourseChanged {
            msg: "Course created successfully",
            course_id: course.id,
            name: Some(course.name),
        }),
    ))
}

/// Changes a course (administrators and finance staff); empty values leave a field as it is.
#[utoipa::path(put, path = "/api/courses/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = FinanceCourseRequest,
    responses(
        (status = 200, description = "Changed", body = FinanceCourseChanged),
        (status = 400, description = "A field is invalid, or the id is not a number", body = SeedErrorMessage),
        (status = 404, description = "No such course", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
pub(super) async fn update_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    SeedJson(body): SeedJson,
) -> Answer {
    require_admin(&who)?;
    // The seed ignores falsy values, except for the description.
    let patch = CoursePatch {
        name: text(&body, "name"),
        credits: credits(&body)?.filter(|c| *c != 0),
        fee_cents: if body.get("total_fee").and_then(Value::as_f64) == Some(0.0) {
            None
        } else {
            fee(&body, "total_fee")?
        },
        description: body.get("description").map(|d| d.as_str().map(str::to_owned)),
        active: None,
    };
    let course = state.finance().update_course(&who, id, patch, &meta).await?;
    Ok(reply(
        StatusCode::OK,
        json!(FinanceCourseChanged {
            msg: "Course updated successfully",
            course_id: course.id,
            name: Some(course.name),
        }),
    ))
}

/// Deletes a course without enrollments (with enrollments: 409, dues never change silently).
#[utoipa::path(delete, path = "/api/courses/{id}", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = FinanceCourseChanged),
        (status = 400, description = "The id is not a number", body = SeedErrorMessage),
        (status = 404, description = "No such course", body = SeedErrorMessage),
        (status = 409, description = "The course has enrollments", body = SeedErrorMessage),
        FinanceOfficeErrors,
    ))]
pub(super) async fn delete_course(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Answer {
    require_admin(&who)?;
    let course = state.finance().delete_course(&who, id, &meta).await?;
    Ok(reply(
        StatusCode::OK,
        json!(FinanceCourseChanged {
            msg: "Course deleted successfully",
            course_id: course.id,
            name: None,
        }),
    ))
}
