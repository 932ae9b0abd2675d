//! Seed 000 activity tracking: `POST /action`, `POST /end_action`, `GET /logs/{user_id}`,
//! `GET /report?username=`. Bodies, messages and `YYYY-MM-DD HH:MM:SS` times as the seed
//! shows them (times in `tracking.timezone`); a bearer token is required (decision 5): the
//! user for their own usage, staff (admin, teacher) for anyone's, a parent for a linked
//! child's reads. `/end_action` persists (decision 6) and answers `duration_sec` too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::usage::{Entry, NewEntry, Source};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use super::TAG;
use super::schema::{
    NurtureEndAction, NurtureLogEntry, NurtureReport, NurtureReportEntry, NurtureTrackRequest,
};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::compat::error::{Plain, SeedError};
use crate::compat::schema::{BearerErrors, SeedErrorMessage, SeedMessage};
use crate::compat::shared::{SeedJson, bad_request, reply, text};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

type Answer = Result<Response, SeedError<Plain>>;

pub(crate) fn routes() -> Routes {
    vec![
        routes!(action),
        routes!(end_action),
        routes!(logs),
        routes!(report),
    ]
}

/// Seed 000's time format, in the school's zone.
fn seed_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `user_id` from the body: an integer (or a string of one); absent means the caller.
fn user_id(body: &Value, caller: i64) -> Result<i64, ApiError> {
    match body.get("user_id") {
        None | Some(Value::Null) => Ok(caller),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| bad_request("user_id must be an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| bad_request("user_id must be an integer")),
        Some(_) => Err(bad_request("user_id must be an integer")),
    }
}

/// An optional string field that, when present, must be a string.
fn optional_text(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad_request(&format!("{key} must be a string"))),
    }
}

/// Starts an activity for `user_id`; the user's open activity ends first.
#[utoipa::path(post, path = "/action", tag = TAG, security(("bearer" = [])), request_body = NurtureTrackRequest,
    responses(
        (status = 200, description = "Logged", body = SeedMessage),
        (status = 400, description = "No action, a too long action or details, or a non-integer user_id", body = SeedErrorMessage),
        (status = 403, description = "Another user's, and not staff", body = SeedErrorMessage),
        (status = 404, description = "No such user (staff)", body = SeedErrorMessage),
        BearerErrors,
    ))]
async fn action(State(state): State<AppState>, AuthUser(who): AuthUser, SeedJson(body): SeedJson) -> Answer {
    let user = user_id(&body, who.user_id)?;
    let details = optional_text(&body, "details")?;
    let Some(action) = text(&body, "action") else {
        return Err(bad_request("action is required").into());
    };
    let entry = NewEntry {
        action,
        details,
        source: Source::Seed000,
    };
    state.usage().start(&who, user, entry).await?;
    Ok(reply(
        StatusCode::OK,
        json!(SeedMessage {
            message: "Action logged successfully".to_owned()
        }),
    ))
}

/// Ends the user's open activity (only one named `action`, if given) and says how long it ran.
#[utoipa::path(post, path = "/end_action", tag = TAG, security(("bearer" = [])), request_body = NurtureTrackRequest,
    responses(
        (status = 200, description = "Ended", body = NurtureEndAction),
        (status = 400, description = "A non-integer user_id or a non-string action", body = SeedErrorMessage),
        (status = 403, description = "Another user's, and not staff", body = SeedErrorMessage),
        (status = 404, description = "Nothing open (with that name)", body = SeedErrorMessage),
        BearerErrors,
    ))]
async fn end_action(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    SeedJson(body): SeedJson,
) -> Answer {
    let user = user_id(&body, who.user_id)?;
    let action = optional_text(&body, "action")?;
    let ended = match state.usage().stop_current(&who, user, action.as_deref()).await {
        Err(campus_domain::usage::UsageError::NotFound("open usage entry")) => {
            return Err(ApiError::not_found("No open action to end").into());
        }
        other => other?,
    };
    let total = ended
        .iter()
        .filter_map(Entry::duration_sec)
        .fold(0.0, |a, s| a + s);
    let body = NurtureEndAction {
        message: "Action end time recorded",
        duration_sec: campus_domain::usage::model::round2(total),
    };
    Ok(reply(StatusCode::OK, json!(body)))
}

fn log_entry(e: &Entry, tz: Tz) -> NurtureLogEntry {
    NurtureLogEntry {
        action: e.action.clone(),
        details: e.details.clone(),
        start_time: seed_time(e.started_at, tz),
        end_time: e.ended_at.map(|t| seed_time(t, tz)),
    }
}

/// A user's activities in start order (`[]` if none).
#[utoipa::path(get, path = "/logs/{user_id}", tag = TAG, security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses(
        (status = 200, description = "The activities", body = [NurtureLogEntry]),
        (status = 403, description = "Another user's, and neither staff nor their parent", body = SeedErrorMessage),
        (status = 404, description = "No such user (staff)", body = SeedErrorMessage),
        BearerErrors,
    ))]
async fn logs(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(user_id): Path<i64>,
) -> Answer {
    let usage = state.usage();
    let entries = usage.log(&who, user_id, &meta).await?;
    let tz = usage.school_tz();
    let body: Vec<NurtureLogEntry> = entries.iter().map(|e| log_entry(e, tz)).collect();
    Ok(reply(StatusCode::OK, json!(body)))
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    username: Option<String>,
}

/// A user's activities with durations and the total time (by username, else email).
#[utoipa::path(get, path = "/report", tag = TAG, security(("bearer" = [])),
    params(("username" = String, Query, description = "Username, or email")),
    responses(
        (status = 200, description = "The report", body = NurtureReport),
        (status = 400, description = "Username is required", body = SeedErrorMessage),
        (status = 403, description = "Another user's, and neither staff nor their parent", body = SeedErrorMessage),
        (status = 404, description = "User not found", body = SeedErrorMessage),
        BearerErrors,
    ))]
async fn report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Query(q): Query<ReportQuery>,
) -> Answer {
    let Some(name) = q.username.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return Err(bad_request("Username is required").into());
    };
    let staff = <crate::auth::RecordKeepers as crate::auth::RoleSet>::contains(who.role);
    let Some(user) = state.identity().find_by_identifier(name).await? else {
        // Only staff learn whether an account exists.
        return Err(if staff {
            ApiError::not_found("User not found")
        } else {
            ApiError::forbidden("You may only see your own activity")
        }
        .into());
    };
    let usage = state.usage();
    let entries = usage.log(&who, user.id, &meta).await?;
    let tz = usage.school_tz();
    let activity_log: Vec<NurtureReportEntry> = entries
        .iter()
        .map(|e| NurtureReportEntry {
            entry: log_entry(e, tz),
            duration_sec: e.duration_sec().unwrap_or(0.0),
        })
        .collect();
    let total = activity_log
        .iter()
        .map(|e| e.duration_sec)
        .fold(0.0, |a, s| a + s);
    let body = NurtureReport {
        username: user.username.clone(),
        full_name: user.name.clone(),
        email: user.email.clone(),
        signup_time: user.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        total_time_spent_seconds: campus_domain::usage::model::round2(total),
        activity_log,
    };
    Ok(reply(StatusCode::OK, json!(body)))
}
