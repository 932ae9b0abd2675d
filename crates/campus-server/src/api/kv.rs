//! `/api/v1/kv`: the caller's own key-value namespace, with `ETag` versions, compare-and-swap
//! (`If-Match`), create-only (`If-None-Match: *`), expiry and prefix listing; and the audited
//! administrator read of another user's keys.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_domain::kv::{BatchOp, Expiry, KvEntry, KvKey, KvWrite, Precondition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, page_request};
use crate::api::routing::routes;
use crate::auth::{Admins, AuthUser, Meta, RequireRole};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list),
        routes!(batch),
        routes!(read, write, patch_metadata, remove),
        routes!(admin_list),
    ]
}

/// `If-Match: "3"` (or `3`) and `If-None-Match: *` as a precondition.
fn precondition(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_precondition", m.to_owned());
    match (headers.get(header::IF_MATCH), headers.get(header::IF_NONE_MATCH)) {
        (Some(_), Some(_)) => Err(bad("Send If-Match or If-None-Match, not both.")),
        (Some(v), None) => v
            .to_str()
            .ok()
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|t| t.parse::<i64>().ok())
            .filter(|v| *v > 0)
            .map(Precondition::Version)
            .ok_or_else(|| bad("If-Match must be a version such as \"3\".")),
        (None, Some(v)) if v.as_bytes() == b"*" => Ok(Precondition::Absent),
        (None, Some(_)) => Err(bad("If-None-Match supports only *.")),
        (None, None) => Ok(Precondition::None),
    }
}

fn with_etag(status: StatusCode, entry: KvEntry) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", entry.version)).ok();
    let mut response = (status, axum::Json(entry)).into_response();
    if let Some(e) = etag {
        response.headers_mut().insert(header::ETAG, e);
    }
    response
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KvListQuery {
    pub prefix: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KvList {
    pub keys: Vec<KvKey>,
    pub meta: PageMeta,
}

/// The caller's keys (no values), oldest first, optionally by prefix.
#[utoipa::path(get, path = "/api/v1/kv", tag = "kv", security(("bearer" = [])), params(KvListQuery),
    responses((status = 200, body = KvList)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Query(q): Query<KvListQuery>,
) -> Result<Json<KvList>, ApiError> {
    let page = state
        .kv()
        .list(
            &who,
            q.prefix.as_deref().unwrap_or(""),
            page_request(q.limit, q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(KvList {
        meta: PageMeta::of(&page),
        keys: page.items,
    }))
}

/// One value, with `ETag` = its version.
#[utoipa::path(get, path = "/api/v1/kv/{key}", tag = "kv", security(("bearer" = [])), params(("key" = String, Path)),
    responses((status = 200, body = KvEntry), (status = 404, description = "No such key (or expired)")))]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let entry = state.kv().get(&who, &key).await?;
    Ok(with_etag(StatusCode::OK, entry))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutRequest {
    pub value: String,
    /// Any JSON up to 1 KiB.
    pub metadata: Option<Value>,
    pub ttl_seconds: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
}

fn expiry(ttl: Option<i64>, at: Option<DateTime<Utc>>) -> Result<Expiry, ApiError> {
    match (ttl, at) {
        (Some(_), Some(_)) => Err(ApiError::validation(vec![FieldError {
            field: "ttl_seconds".to_owned(),
            code: "conflict".to_owned(),
            message: "give ttl_seconds or expires_at, not both".to_owned(),
        }])),
        (Some(t), None) => Ok(Expiry::In(t)),
        (None, Some(a)) => Ok(Expiry::At(a)),
        (None, None) => Ok(Expiry::Never),
    }
}

/// Creates (201) or replaces (200) a value. `If-Match: "<version>"` replaces only that
/// version, `If-None-Match: *` only creates; otherwise 412.
#[utoipa::path(put, path = "/api/v1/kv/{key}", tag = "kv", security(("bearer" = [])), params(("key" = String, Path)),
    request_body = PutRequest, responses((status = 201, body = KvEntry), (status = 200, body = KvEntry),
        (status = 412, description = "Precondition failed"), (status = 422, description = "Invalid key, value, metadata or expiry")))]
pub async fn write(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(b): Json<PutRequest>,
) -> Result<Response, ApiError> {
    let w = KvWrite {
        value: b.value,
        metadata: b.metadata,
        expiry: expiry(b.ttl_seconds, b.expires_at)?,
        precondition: precondition(&headers)?,
    };
    let (entry, created) = state.kv().put(&who, &key, w).await?;
    Ok(with_etag(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        entry,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataRequest {
    /// The new metadata; null clears it.
    pub metadata: Option<Value>,
}

#[utoipa::path(patch, path = "/api/v1/kv/{key}", tag = "kv", security(("bearer" = [])), params(("key" = String, Path)),
    request_body = MetadataRequest, responses((status = 200, body = KvEntry), (status = 412, description = "Precondition failed")))]
pub async fn patch_metadata(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(b): Json<MetadataRequest>,
) -> Result<Response, ApiError> {
    let entry = state
        .kv()
        .set_metadata(&who, &key, b.metadata, precondition(&headers)?)
        .await?;
    Ok(with_etag(StatusCode::OK, entry))
}

#[utoipa::path(delete, path = "/api/v1/kv/{key}", tag = "kv", security(("bearer" = [])), params(("key" = String, Path)),
    responses((status = 204), (status = 404, description = "No such key"), (status = 412, description = "Stale If-Match")))]
pub async fn remove(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    state.kv().delete(&who, &key, precondition(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 100 operations, applied in order, all or none.
    pub operations: Vec<BatchOperation>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchOperation {
    /// put or delete.
    pub op: String,
    pub key: String,
    pub value: Option<String>,
    pub metadata: Option<Value>,
    pub ttl_seconds: Option<i64>,
    /// Compare-and-swap: apply only at this version.
    pub if_version: Option<i64>,
    /// put: only if the key does not exist.
    #[serde(default)]
    pub create_only: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// Per operation: the stored entry (put) or null (delete).
    pub results: Vec<Option<KvEntry>>,
}

/// Up to 100 puts and deletes in one transaction: all or nothing. A failing operation is
/// named by its index (`operations[3]`).
#[utoipa::path(post, path = "/api/v1/kv/batch", tag = "kv", security(("bearer" = [])), request_body = BatchRequest,
    responses((status = 200, body = BatchResponse), (status = 412, description = "A precondition failed; nothing applied")))]
pub async fn batch(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Json(b): Json<BatchRequest>,
) -> Result<Json<BatchResponse>, ApiError> {
    let mut ops = Vec::with_capacity(b.operations.len());
    for (i, o) in b.operations.into_iter().enumerate() {
        let precondition = match (o.if_version, o.create_only) {
            (Some(v), false) => Precondition::Version(v),
            (None, true) => Precondition::Absent,
            (None, false) => Precondition::None,
            (Some(_), true) => {
                return Err(ApiError::bad_request(format!(
                    "operations[{i}]: if_version and create_only exclude each other"
                )));
            }
        };
        ops.push(match o.op.as_str() {
            "put" => BatchOp::Put {
                key: o.key,
                write: KvWrite {
                    value: o.value.ok_or_else(|| {
                        ApiError::bad_request(format!("operations[{i}]: put needs a value"))
                    })?,
                    metadata: o.metadata,
                    expiry: o.ttl_seconds.map_or(Expiry::Never, Expiry::In),
                    precondition,
                },
            },
            "delete" => BatchOp::Delete {
                key: o.key,
                precondition,
            },
            _ => {
                return Err(ApiError::bad_request(format!(
                    "operations[{i}]: op must be put or delete"
                )));
            }
        });
    }
    let results = state.kv().batch(&who, ops).await.map_err(|(i, e)| {
        let err = ApiError::from(e);
        let report = err.report().clone();
        ApiError::new(
            report.status,
            report.code,
            format!("operations[{i}]: {}", report.detail),
        )
    })?;
    Ok(Json(BatchResponse { results }))
}

/// An administrator lists another user's keys; every such read is audited.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/kv", tag = "kv", security(("bearer" = [])),
    params(("id" = i64, Path), KvListQuery), responses((status = 200, body = KvList), (status = 403, description = "Administrators only")))]
pub async fn admin_list(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Query(q): Query<KvListQuery>,
) -> Result<Json<KvList>, ApiError> {
    let page = state
        .kv()
        .admin_list(
            &admin,
            id,
            q.prefix.as_deref().unwrap_or(""),
            page_request(q.limit, q.cursor.as_deref())?,
            &meta,
        )
        .await?;
    Ok(Json(KvList {
        meta: PageMeta::of(&page),
        keys: page.items,
    }))
}
