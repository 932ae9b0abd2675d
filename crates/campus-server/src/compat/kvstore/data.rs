//! Seed 004 data routes: the dashboard and storing, retrieving, updating and deleting the
//! signed-in user's pairs. They sit on the same store as `/api/v1/kv` (unique per user, not
//! globally as in the seed) but keep the seed's 100-character limits and sentences.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use campus_domain::identity::Principal;
use campus_domain::kv::{KvError, KvWrite, Precondition};
use campus_domain::pagination::PageRequest;
use serde::Deserialize;
use serde_json::json;

use super::TAG;
use super::forms::Form;
use super::io::{Ctx, Fields, Mode, Viewer, error, signed_in, success};
use super::schema::{
    KvStoreError, KvStoreKeyRequest, KvStorePairRequest, KvStoreSuccess, KvStoreTokenErrors,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Chrome, Notice, render};

/// The seed's `key` and `value` columns are `VARCHAR(100)`.
const MAX_CHARS: usize = 100;
/// Keys listed on the dashboard.
const DASHBOARD_KEYS: u64 = 50;

const INVALID_KEY: &str = "The provided key is not valid or missing.";
const INVALID_VALUE: &str = "The provided value is not valid or missing.";
const KEY_EXISTS: &str =
    "The provided key already exists in the database. To update an existing key, use the update API.";
const KEY_NOT_FOUND: &str = "The provided key does not exist in the database.";

#[derive(Template, Debug)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub username: String,
    pub keys: Vec<KeyRow>,
    pub more: bool,
}

#[derive(Debug)]
pub struct KeyRow {
    pub key: String,
    pub version: i64,
    pub updated: String,
}

/// How a data action ended, for either kind of client.
struct Done {
    message: &'static str,
    data: Option<(String, String)>,
}

/// Renders the outcome of a data action. `html_errors_ok`: the seed answered this form's
/// errors as a page with status 200 (retrieve, update, delete); JSON clients always get the
/// real status.
async fn answer(
    state: &AppState,
    ctx: Ctx,
    who: &Principal,
    form: Form,
    key: String,
    result: Result<Done, ApiError>,
    html_errors_ok: bool,
) -> Result<Response, ApiError> {
    if ctx.mode == Mode::Json {
        return Ok(match result {
            Ok(done) => success(
                done.message,
                done.data.map(|(k, v)| json!({"key": k, "value": v})),
            ),
            Err(e) => e.into_response(),
        });
    }
    let chrome = signed_in(state, ctx.chrome, who).await?;
    let (status, notice) = match result {
        Ok(done) => {
            let mut notice = Notice::success(done.message);
            if let Some((k, v)) = done.data {
                notice = notice.with("key", k).with("value", v);
            }
            (StatusCode::OK, notice)
        }
        Err(e) if e.status().is_server_error() => return Err(e),
        Err(e) => {
            let status = if html_errors_ok {
                StatusCode::OK
            } else {
                e.status()
            };
            (status, Notice::from_error(&e))
        }
    };
    Ok(render(status, &form.page(chrome.notice(notice), key)))
}

fn check_key(fields: &Fields) -> Result<String, ApiError> {
    fields
        .trimmed("key")
        .filter(|k| k.chars().count() <= MAX_CHARS && campus_domain::kv::check_key(k).is_ok())
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "INVALID_KEY", INVALID_KEY))
}

fn check_value(value: Option<String>) -> Result<String, ApiError> {
    value
        .filter(|v| v.chars().count() <= MAX_CHARS)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "INVALID_VALUE", INVALID_VALUE))
}

fn kv_error(e: KvError) -> ApiError {
    match e {
        KvError::NotFound => error(StatusCode::NOT_FOUND, "KEY_NOT_FOUND", KEY_NOT_FOUND),
        KvError::PreconditionFailed { .. } => error(StatusCode::CONFLICT, "KEY_EXISTS", KEY_EXISTS),
        KvError::Invalid(_) => error(StatusCode::BAD_REQUEST, "INVALID_KEY", INVALID_KEY),
        KvError::QuotaExceeded { .. } => error(
            StatusCode::FORBIDDEN,
            "QUOTA_EXCEEDED",
            &crate::error::quota_message(&e),
        ),
        other => other.into(),
    }
}

/// The signed-in user's keys (page), or a greeting and the user (JSON).
#[utoipa::path(get, path = "/dashboard", tag = TAG, security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The dashboard, or `data` with the user", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        KvStoreTokenErrors,
    ))]
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
) -> Result<Response, ApiError> {
    let user = state.identity().user(who.user_id).await?;
    let username = user
        .username
        .clone()
        .unwrap_or_else(|| user.display_name().to_owned());
    if ctx.mode == Mode::Json {
        return Ok(success(
            &format!("Welcome, {username}"),
            Some(json!({"user_id": user.id, "username": user.username, "email": user.email})),
        ));
    }
    let page = state
        .kv()
        .list(
            &who,
            "",
            PageRequest {
                limit: DASHBOARD_KEYS,
                after_id: None,
            },
        )
        .await?;
    let keys = page
        .items
        .into_iter()
        .map(|k| KeyRow {
            key: k.key,
            version: k.version,
            updated: k.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    let chrome = signed_in(&state, ctx.chrome, &who).await?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            chrome,
            username,
            keys,
            more: page.next_cursor.is_some(),
        },
    ))
}

/// Stores a new pair; an existing key is refused (`KEY_EXISTS`).
#[utoipa::path(post, path = "/api/data", tag = TAG, security(("bearer" = []), ("session" = [])), request_body(content((KvStorePairRequest = "application/json"), (KvStorePairRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Stored", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "The key or value is missing or longer than 100 characters (`INVALID_KEY`, `INVALID_VALUE`)", body = KvStoreError),
        (status = 409, description = "The key exists (`KEY_EXISTS`)", body = KvStoreError),
        KvStoreTokenErrors,
        (status = 403, description = "A form post without the page's CSRF token (`CSRF_FAILED`)", body = KvStoreError),
    ))]
pub(crate) async fn store(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
    fields: Fields,
) -> Result<Response, ApiError> {
    let key = fields.trimmed("key").unwrap_or_default();
    let result = async {
        let key = check_key(&fields)?;
        let value = check_value(fields.trimmed("value"))?;
        let write = KvWrite {
            value,
            precondition: Precondition::Absent,
            ..KvWrite::default()
        };
        state.kv().put(&who, &key, write).await.map_err(kv_error)?;
        Ok(Done {
            message: "Data stored successfully.",
            data: None,
        })
    }
    .await;
    answer(&state, ctx, &who, Form::Store, key, result, false).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RetrieveQuery {
    key: Option<String>,
}

/// The value of a key (the form, for a browser that gives none).
#[utoipa::path(get, path = "/api/data/retrieve", tag = TAG, security(("bearer" = []), ("session" = [])),
    params(("key" = Option<String>, Query, description = "The key, 1 to 100 characters")),
    responses(
        (status = 200, description = "`data.key` and `data.value`; a page answers errors with 200 too", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "No key (`INVALID_KEY`)", body = KvStoreError),
        (status = 404, description = "No such key (`KEY_NOT_FOUND`)", body = KvStoreError),
        KvStoreTokenErrors,
    ))]
pub(crate) async fn retrieve(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
    query: Result<Query<RetrieveQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    // No key is the seed's "Key is required to retrieve data." — on a page too (200, with
    // the form under the message), as the seed answered it.
    let asked = query.ok().and_then(|Query(q)| q.key);
    let key = asked.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let result = async {
        if key.is_empty() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "INVALID_KEY",
                "Key is required to retrieve data.",
            ));
        }
        if key.chars().count() > MAX_CHARS {
            return Err(error(StatusCode::NOT_FOUND, "KEY_NOT_FOUND", KEY_NOT_FOUND));
        }
        let entry = state.kv().get(&who, &key).await.map_err(|e| match e {
            KvError::Invalid(_) => error(StatusCode::NOT_FOUND, "KEY_NOT_FOUND", KEY_NOT_FOUND),
            other => kv_error(other),
        })?;
        Ok(Done {
            message: "Data retrieved successfully!",
            data: Some((entry.key, entry.value)),
        })
    }
    .await;
    answer(&state, ctx, &who, Form::Retrieve, key.clone(), result, true).await
}

/// Replaces the value of an existing key.
#[utoipa::path(post, path = "/api/data/update", tag = TAG, security(("bearer" = []), ("session" = [])), request_body(content((KvStorePairRequest = "application/json"), (KvStorePairRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Updated; a page answers errors with 200 too", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "The key or value is missing or too long (`INVALID_KEY`, `MISSING_VALUE`, `INVALID_VALUE`)", body = KvStoreError),
        (status = 404, description = "No such key (`KEY_NOT_FOUND`)", body = KvStoreError),
        (status = 409, description = "Changed by another request at the same time (`CONFLICT`)", body = KvStoreError),
        KvStoreTokenErrors,
        (status = 403, description = "A form post without the page's CSRF token (`CSRF_FAILED`)", body = KvStoreError),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
    fields: Fields,
) -> Result<Response, ApiError> {
    let key = fields.trimmed("key").unwrap_or_default();
    let result = async {
        let key = check_key(&fields)?;
        // Read, then write at that version: a concurrent delete is not undone by an update.
        let current = state.kv().get(&who, &key).await.map_err(kv_error)?;
        let Some(value) = fields.trimmed("value") else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "MISSING_VALUE",
                "New value is required to update the data.",
            ));
        };
        let value = check_value(Some(value))?;
        let write = KvWrite {
            value,
            metadata: current.metadata,
            precondition: Precondition::Version(current.version),
            ..KvWrite::default()
        };
        state.kv().put(&who, &key, write).await.map_err(|e| match e {
            // Changed or deleted since the read: report what a retry would see.
            KvError::PreconditionFailed {
                current_version: None,
            } => error(StatusCode::NOT_FOUND, "KEY_NOT_FOUND", KEY_NOT_FOUND),
            KvError::PreconditionFailed { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "CONFLICT",
                "The value was changed by another request at the same time; try again.",
            ),
            other => kv_error(other),
        })?;
        Ok(Done {
            message: "Data updated successfully.",
            data: None,
        })
    }
    .await;
    answer(&state, ctx, &who, Form::Update, key, result, true).await
}

/// Deletes a key.
#[utoipa::path(post, path = "/api/data/delete", tag = TAG, security(("bearer" = []), ("session" = [])), request_body(content((KvStoreKeyRequest = "application/json"), (KvStoreKeyRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Deleted; a page answers errors with 200 too", content((KvStoreSuccess = "application/json"), (String = "text/html"))),
        (status = 400, description = "The key is missing or too long (`INVALID_KEY`)", body = KvStoreError),
        (status = 404, description = "No such key (`KEY_NOT_FOUND`)", body = KvStoreError),
        KvStoreTokenErrors,
        (status = 403, description = "A form post without the page's CSRF token (`CSRF_FAILED`)", body = KvStoreError),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
    fields: Fields,
) -> Result<Response, ApiError> {
    let key = fields.trimmed("key").unwrap_or_default();
    let result = async {
        let key = check_key(&fields)?;
        state
            .kv()
            .delete(&who, &key, Precondition::None)
            .await
            .map_err(kv_error)?;
        Ok(Done {
            message: "Data deleted successfully.",
            data: None,
        })
    }
    .await;
    answer(&state, ctx, &who, Form::Delete, key, result, true).await
}
