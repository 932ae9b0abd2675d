//! Administrators' views of the system: the audit log with filters (newest first, cursor
//! pages) and the system status — readiness, migrations, and the effective configuration
//! with every secret redacted.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::audit::{AuditFilter, AuditRecord};
use campus_domain::identity::Role;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::forms::{PageQuery, given};
use super::students::page_request;
use super::{AppChrome, PageError, PageResult, Viewer, require};
use crate::state::AppState;
use crate::web::pages::render;

const PAGE: u64 = 50;

#[derive(Template, Debug)]
#[template(path = "app/audit.html")]
pub struct AuditPage {
    pub chrome: AppChrome,
    pub records: Vec<AuditRecord>,
    pub action: String,
    pub actor: String,
    pub target_type: String,
    pub target_id: String,
    pub from: String,
    pub to: String,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

fn day(text: &Option<String>, field: &str) -> Result<Option<NaiveDate>, PageError> {
    given(text)
        .map(|t| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
                PageError::new(
                    StatusCode::BAD_REQUEST,
                    format!("{field} must be a date like 2026-09-01."),
                )
            })
        })
        .transpose()
}

pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult {
    require(viewer.who.role == Role::Admin)?;
    let actor_id = match given(&q.actor) {
        Some(a) => Some(
            a.parse::<i64>()
                .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "Actor is a user id (a number)."))?,
        ),
        None => None,
    };
    let from = day(&q.from, "From")?;
    let to = day(&q.to, "To")?;
    let filter = AuditFilter {
        actor_id,
        action: given(&q.action).map(|s| s.chars().take(100).collect()),
        target_type: given(&q.target_type).map(|s| s.chars().take(50).collect()),
        target_id: given(&q.target_id).map(|s| s.chars().take(100).collect()),
        from: from.map(|d| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))),
        // Up to the end of the day given.
        to: to
            .and_then(|d| d.succ_opt())
            .map(|d| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))),
    };
    let found = state
        .audit()
        .trail(&viewer.who, &filter, page_request(q.cursor.as_deref(), PAGE)?)
        .await
        .map_err(crate::error::ApiError::from)?;
    let keep = |v: &Option<String>| given(v).unwrap_or_default();
    let next = found.next_cursor.map(|c| {
        serde_urlencoded::to_string([
            ("action", keep(&q.action)),
            ("actor", keep(&q.actor)),
            ("target_type", keep(&q.target_type)),
            ("target_id", keep(&q.target_id)),
            ("from", keep(&q.from)),
            ("to", keep(&q.to)),
            ("cursor", c),
        ])
        .unwrap_or_default()
    });
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            chrome: viewer.chrome,
            records: found.items,
            action: keep(&q.action),
            actor: keep(&q.actor),
            target_type: keep(&q.target_type),
            target_id: keep(&q.target_id),
            from: keep(&q.from),
            to: keep(&q.to),
            next,
        },
    ))
}

#[derive(Template, Debug)]
#[template(path = "app/status.html")]
pub struct StatusPage {
    pub chrome: AppChrome,
    pub ready: Result<(), String>,
    pub version: &'static str,
    pub migrations: Vec<(String, bool)>,
    pub config: String,
}

pub async fn status(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    require(viewer.who.role == Role::Admin)?;
    let ready = campus_db::readiness(state.db()).await.map_err(|e| e.to_string());
    let migrations = campus_db::migration_states(state.db())
        .await?
        .into_iter()
        .map(|m| (m.name, m.applied))
        .collect();
    let config = serde_json::to_string_pretty(&state.settings().redacted()).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &StatusPage {
            chrome: viewer.chrome,
            ready,
            version: env!("CARGO_PKG_VERSION"),
            migrations,
            config,
        },
    ))
}
