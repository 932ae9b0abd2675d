//! Seed 000 data endpoints: `GET /{column}?params=`, `GET /filter?params=<class>_<subject>`,
//! `GET|POST /kv/{column}`, `GET|POST /kvdoc/{key}` with the `_LINE<n>` rules.
//!
//! Deliberate differences (docs/COMPAT.md): the marks queries and lookup values of personal
//! columns (roll, name, marks) need a staff token — they are children's data; writes need a
//! staff token. Subject and class lookups and documents stay open.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use campus_domain::content::{MarkColumn, MarkRow, policy};
use campus_domain::identity::Principal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::TAG;
use super::schema::{
    NurtureColumn, NurtureMarks, NurtureMarksRow, NurtureNotFound, NurtureValues, NurtureValuesRequest,
};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::compat::envelopes::NURTURE;
use crate::compat::error::{Plain, SeedError};
use crate::compat::schema::{BearerErrors, SeedErrorMessage, SeedMessage};
use crate::compat::shared::{SeedJson, bad_request, reply};
use crate::error::ApiError;
use crate::middleware::render_errors;
use crate::state::AppState;

/// The data routes with their OpenAPI operations (documents are in `documents`).
pub(crate) fn routes() -> Routes {
    vec![routes!(filter), routes!(kv_get, kv_post)]
}

/// `GET /{column}` with its OpenAPI operation; other methods reach the handler too (and are
/// told there is no such route).
pub(crate) fn catch_all_routes() -> Routes {
    vec![routes!(by_column).map_handlers(|handlers| handlers.fallback(by_column))]
}

/// `GET /{column}`: single segment, lowest precedence, GET/HEAD only.
pub(crate) fn catch_all() -> Router<AppState> {
    crate::api::router(catch_all_routes())
        .route_layer(axum::middleware::from_fn_with_state(NURTURE, render_errors))
}

pub(super) type Answer = Result<Response, SeedError<Plain>>;

#[derive(Debug, Deserialize)]
struct Params {
    params: Option<String>,
}

fn valid_list() -> String {
    let names: Vec<String> = MarkColumn::SEED_NAMES.iter().map(|n| format!("'{n}'")).collect();
    format!("[{}]", names.join(", "))
}

fn invalid_column(x: &str) -> ApiError {
    bad_request(&format!("'{x}' is not a valid column. Valid: {}", valid_list()))
}

/// Seed 000 only knows its own five names here.
fn seed_column(text: &str) -> Option<MarkColumn> {
    MarkColumn::SEED_NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(text))
        .and_then(|n| MarkColumn::parse(n))
}

fn row_json(r: &MarkRow) -> NurtureMarksRow {
    let roll = r
        .roll
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(r.roll.clone()));
    let marks = r
        .marks
        .map(|m| {
            if m.fract() == 0.0 {
                json!(m as i64)
            } else {
                json!(m)
            }
        })
        .unwrap_or(Value::Null);
    NurtureMarksRow {
        roll,
        name: r.name.clone(),
        subject: r.subject.clone(),
        class: r.class,
        marks,
    }
}

/// `{"<key>": [rows]}`, or 404 `{"message": ...}` when there are none (seed 000's shapes).
fn rows_reply(rows: &[MarkRow], key: String, none: String) -> Response {
    if rows.is_empty() {
        return reply(StatusCode::NOT_FOUND, json!(SeedMessage { message: none }));
    }
    let body = NurtureMarks([(key, rows.iter().map(row_json).collect())].into());
    reply(StatusCode::OK, json!(body))
}

/// The signed-in user, authenticated only where a route needs one (seed 000 served some of
/// these routes to anyone, so credentials are read only for children's data).
async fn signed_in(request: axum::extract::Request, state: &AppState) -> Result<Principal, ApiError> {
    let (mut parts, _) = request.into_parts();
    let AuthUser(who) =
        <AuthUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, state)
            .await?;
    Ok(who)
}

/// Marks rows where `column` equals `params` (staff: they are children's data). Only the five
/// seed columns answer; any other single segment is not a route.
#[utoipa::path(get, path = "/{column}", tag = TAG, security(("bearer" = [])),
    params(
        ("column" = NurtureColumn, Path, description = "roll, name, subject, class or marks"),
        ("params" = String, Query, description = "The value to match"),
    ),
    responses(
        (status = 200, description = "Rows under `\"<column>=<value>\"`", body = NurtureMarks),
        (status = 400, description = "`params` missing, or not a column", body = SeedErrorMessage),
        (status = 404, description = "No rows (`{\"message\": ...}`), or not a route", body = NurtureNotFound),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn by_column(
    State(state): State<AppState>,
    method: Method,
    Path(segment): Path<String>,
    Query(p): Query<Params>,
    request: axum::extract::Request,
) -> Answer {
    if method != Method::GET && method != Method::HEAD {
        return Err(ApiError::not_found(format!("No route for {method} /{segment}.")).into());
    }
    let column = seed_column(&segment);
    let value = match (column, p.params) {
        (None, None) => return Err(ApiError::not_found(format!("No route for /{segment}.")).into()),
        (None, Some(_)) => return Err(invalid_column(&segment).into()),
        (Some(_), None) => return Err(bad_request("Missing 'params' query").into()),
        (Some(_), Some(v)) => v,
    };
    let column = column.unwrap_or(MarkColumn::Name);
    let who = signed_in(request, &state).await?;
    let rows = state.content().marks(&who, &[(column, value.clone())]).await?;
    let name = column.seed_name();
    Ok(rows_reply(
        &rows,
        format!("{name}={value}"),
        format!("No data found for {name} = {value}"),
    ))
}

/// Marks rows of one class and subject (`params=<class>_<subject>`, staff only).
#[utoipa::path(get, path = "/filter", tag = TAG, security(("bearer" = [])),
    params(("params" = String, Query, description = "`<class>_<subject>`, e.g. `1_Science`", pattern = "^[^_]*_.*$")),
    responses(
        (status = 200, description = "Rows under `\"class=<c>_subject=<s>\"`", body = NurtureMarks),
        (status = 400, description = "`params` is not `<class>_<subject>`", body = SeedErrorMessage),
        (status = 404, description = "No rows", body = SeedMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn filter(
    State(state): State<AppState>,
    Query(p): Query<Params>,
    request: axum::extract::Request,
) -> Answer {
    let Some((class, subject)) = p.params.as_deref().and_then(|v| v.split_once('_')) else {
        return Err(bad_request("Expected: class_subject (e.g. 1_Science)").into());
    };
    let (class, subject) = (class.to_owned(), subject.to_owned());
    let who = signed_in(request, &state).await?;
    let filters = [
        (MarkColumn::Class, class.clone()),
        (MarkColumn::Subject, subject.clone()),
    ];
    let rows = state.content().marks(&who, &filters).await?;
    Ok(rows_reply(
        &rows,
        format!("class={class}_subject={subject}"),
        format!("No records for Class {class}, Subject {subject}"),
    ))
}

/// The values a column takes, then the values added to it. Subject and class are open; roll,
/// name and marks identify children (staff only).
#[utoipa::path(get, path = "/kv/{key}", tag = TAG, security((), ("bearer" = [])),
    params(("key" = NurtureColumn, Path, description = "roll, name, subject, class or marks")),
    responses(
        (status = 200, description = "The values under the column's name", body = NurtureValues),
        (status = 400, description = "Not a column", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff (roll, name, marks)", body = SeedErrorMessage),
    ))]
async fn kv_get(
    State(state): State<AppState>,
    Path(key): Path<String>,
    request: axum::extract::Request,
) -> Answer {
    let column = seed_column(&key).ok_or_else(|| invalid_column(&key))?;
    let who = if policy::lookup_needs_staff(column) {
        Some(signed_in(request, &state).await?)
    } else {
        None
    };
    let values = state.content().lookups(who.as_ref(), column).await?;
    let body = NurtureValues([(column.seed_name(), values)].into());
    Ok(reply(StatusCode::OK, json!(body)))
}

/// Adds allowed values to a column (staff); blanks and duplicates are ignored.
#[utoipa::path(post, path = "/kv/{key}", tag = TAG, security(("bearer" = [])),
    params(("key" = NurtureColumn, Path, description = "roll, name, subject, class or marks")),
    request_body = NurtureValuesRequest,
    responses(
        (status = 200, description = "The column's values after the addition", body = NurtureValues),
        (status = 400, description = "Not a column, or neither `value` nor `values`", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn kv_post(
    State(state): State<AppState>,
    Path(key): Path<String>,
    AuthUser(who): AuthUser,
    SeedJson(body): SeedJson,
) -> Answer {
    // Refused before the column and body are read; the service checks again.
    policy::check_staff(&who)?;
    let column = seed_column(&key).ok_or_else(|| invalid_column(&key))?;
    let stringify = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let new: Vec<String> = match (body.get("value"), body.get("values")) {
        (Some(v), _) if !v.is_null() => stringify(v).into_iter().collect(),
        (_, Some(Value::Array(list))) => list.iter().filter_map(stringify).collect(),
        _ => return Err(bad_request("Send JSON with 'value' or 'values' (list).").into()),
    };
    let values = state.content().add_lookups(&who, column, &new).await?;
    let body = NurtureValues([(column.seed_name(), values)].into());
    Ok(reply(StatusCode::OK, json!(body)))
}
