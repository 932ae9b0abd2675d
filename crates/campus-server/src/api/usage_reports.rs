//! Usage summaries (`/api/v1/usage/summary`) and the usage export
//! (`/api/v1/exports/usage`, CSV, XLSX or JSON through the project's tabular writer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::usage::{EntryFilter, GroupBy, Scope, Summary, SummaryBucket, SummaryRequest};
use campus_tabular::{Cell, FileWriter, Format};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::parking::invalid;
use super::transfer::attachment;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// day (default), week (ISO, Monday first), month or action.
    pub group_by: Option<String>,
    /// IANA time zone; default: the reader's profile `timezone`, else `tracking.timezone`.
    pub tz: Option<String>,
    /// First local date (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last local date, inclusive (default: today in `tz`). At most 366 days in all.
    pub to: Option<NaiveDate>,
    /// Whose usage (default: the caller's). Not with `class_level`.
    pub user_id: Option<i64>,
    /// A class's students together (staff only).
    pub class_level: Option<i32>,
    /// With `class_level`: one section.
    pub section: Option<String>,
}

/// One bucket of a summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageBucketView {
    /// `2026-03-29`, `2026-W13`, `2026-03`, or the action.
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Seconds of ended entries inside the bucket (two decimals; open entries count 0).
    pub seconds: f64,
}

/// Usage added up per local day, ISO week, month or action.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageSummaryView {
    /// day, week, month or action.
    pub group_by: String,
    pub tz: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub user_id: Option<i64>,
    pub class_level: Option<i32>,
    pub section: Option<String>,
    pub total_sec: f64,
    pub buckets: Vec<UsageBucketView>,
}

impl From<SummaryBucket> for UsageBucketView {
    fn from(b: SummaryBucket) -> Self {
        Self {
            key: b.key,
            start: b.start,
            end: b.end,
            seconds: b.seconds,
        }
    }
}

impl From<Summary> for UsageSummaryView {
    fn from(s: Summary) -> Self {
        let (user_id, class_level, section) = match s.scope {
            Scope::User(id) => (Some(id), None, None),
            Scope::Class { class_level, section } => (None, Some(class_level), section),
        };
        let group_by = serde_json::to_value(s.group_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            group_by,
            tz: s.tz,
            from: s.from,
            to: s.to,
            user_id,
            class_level,
            section,
            total_sec: s.total_sec,
            buckets: s.buckets.into_iter().map(Into::into).collect(),
        }
    }
}

fn summary_request(who: i64, q: &SummaryQuery) -> Result<SummaryRequest, ApiError> {
    let group_by = match q.group_by.as_deref() {
        None => GroupBy::Day,
        Some(g) => GroupBy::parse(g.trim())
            .ok_or_else(|| invalid("group_by", "invalid_choice", "must be day, week, month or action"))?,
    };
    let scope = match (q.user_id, q.class_level) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "class_level",
                "conflict",
                "give user_id or class_level, not both",
            ));
        }
        (_, Some(class_level)) => Scope::Class {
            class_level,
            section: q
                .section
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        },
        (user_id, None) => Scope::User(user_id.unwrap_or(who)),
    };
    Ok(SummaryRequest {
        scope,
        group_by,
        tz: q.tz.clone(),
        from: q.from,
        to: q.to,
    })
}

async fn run_summary(
    state: &AppState,
    who: &campus_domain::identity::Principal,
    q: &SummaryQuery,
    meta: &campus_domain::RequestMeta,
) -> Result<Summary, ApiError> {
    let request = summary_request(who.user_id, q)?;
    let profile_tz = state.identity().user(who.user_id).await?.timezone;
    Ok(state
        .usage()
        .summary(who, request, profile_tz.as_deref(), meta)
        .await?)
}

/// Seconds per local day, ISO week, month or action, for a user or (staff) a class, in a
/// time zone: an entry crossing midnight or a DST change is split at the local day boundary.
#[utoipa::path(get, path = "/api/v1/usage/summary", tag = "usage", security(("bearer" = [])),
    params(SummaryQuery), responses((status = 200, body = UsageSummaryView),
        (status = 403, description = "Not yours to see; classes are for staff"),
        (status = 422, description = "Unknown zone or grouping, from after to, or more than 366 days")))]
pub async fn summary(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<UsageSummaryView>, ApiError> {
    Ok(Json(run_summary(&state, &who, &q, &meta).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageExportQuery {
    /// csv (default), xlsx or json.
    pub format: Option<String>,
    /// entries (default; at most 100,000) or summary (the summary's buckets).
    pub what: Option<String>,
    pub user_id: Option<i64>,
    /// entries: started at or after this local date; summary: as on the summary.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub action: Option<String>,
    pub group_by: Option<String>,
    pub tz: Option<String>,
    pub class_level: Option<i32>,
    pub section: Option<String>,
}

const ENTRY_HEADER: [&str; 9] = [
    "id",
    "user_id",
    "action",
    "details",
    "source",
    "started_at",
    "ended_at",
    "end_reason",
    "duration_sec",
];
const SUMMARY_HEADER: [&str; 4] = ["key", "start", "end", "seconds"];

/// Download usage entries or a summary as CSV, XLSX or JSON.
#[utoipa::path(get, path = "/api/v1/exports/usage", tag = "usage", security(("bearer" = [])),
    params(UsageExportQuery), responses((status = 200, description = "The file", content_type = "text/csv"),
        (status = 400, description = "Unknown format"), (status = 403, description = "Not yours to see")))]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Query(q): Query<UsageExportQuery>,
) -> Result<Response, ApiError> {
    let bad_query = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", m.to_owned());
    let format = match q.format.as_deref().unwrap_or("csv") {
        "json" => None,
        other => {
            Some(Format::parse(other).ok_or_else(|| bad_query("format must be one of: csv, xlsx, json"))?)
        }
    };
    let (header, rows): (&[&str], Vec<Vec<Cell>>) = match q.what.as_deref().unwrap_or("entries") {
        "entries" => {
            let usage = state.usage();
            // The same zone a summary would use: the request's, the profile's, the school's.
            let profile_tz = state.identity().user(who.user_id).await?.timezone;
            let zone = usage.zone(q.tz.as_deref(), profile_tz.as_deref())?;
            let filter = EntryFilter {
                user_id: q.user_id,
                from: q.from.map(|d| campus_domain::usage::local_day_start(zone, d)),
                to: q
                    .to
                    .map(|d| campus_domain::usage::local_day_start(zone, d + chrono::Duration::days(1))),
                action: q.action.clone(),
            };
            let mut rows = Vec::new();
            let _ = usage
                .export(&who, &filter, &meta, |e| {
                    rows.push(vec![
                        Cell::Int(e.id),
                        Cell::Int(e.user_id),
                        Cell::from(e.action.clone()),
                        Cell::from(e.details.clone()),
                        Cell::from(e.source.clone()),
                        Cell::from(e.started_at.to_rfc3339()),
                        Cell::from(e.ended_at.map(|t| t.to_rfc3339())),
                        Cell::from(e.end_reason.clone()),
                        Cell::from(e.duration_sec()),
                    ]);
                    Ok::<_, std::convert::Infallible>(())
                })
                .await?;
            (&ENTRY_HEADER, rows)
        }
        "summary" => {
            let sq = SummaryQuery {
                group_by: q.group_by.clone(),
                tz: q.tz.clone(),
                from: q.from,
                to: q.to,
                user_id: q.user_id,
                class_level: q.class_level,
                section: q.section.clone(),
            };
            let s = run_summary(&state, &who, &sq, &meta).await?;
            let rows = s
                .buckets
                .into_iter()
                .map(|b| {
                    vec![
                        Cell::from(b.key),
                        Cell::from(b.start.to_rfc3339()),
                        Cell::from(b.end.to_rfc3339()),
                        Cell::Float(b.seconds),
                    ]
                })
                .collect();
            (&SUMMARY_HEADER, rows)
        }
        _ => return Err(bad_query("what must be entries or summary")),
    };
    let stem = "usage";
    let Some(format) = format else {
        let objects: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|cells| campus_domain::school::export::json_object(header, cells))
            .collect();
        let body =
            serde_json::to_vec(&serde_json::json!({ "usage": objects })).map_err(ApiError::internal)?;
        return Ok(attachment(body, "application/json", stem, "json"));
    };
    let mut w = FileWriter::new(format, stem)?;
    w.write_row(&header.iter().map(|h| Cell::from(*h)).collect::<Vec<_>>())?;
    for row in rows {
        w.write_row(&row)?;
    }
    Ok(attachment(
        w.finish()?,
        format.content_type(),
        stem,
        format.extension(),
    ))
}
