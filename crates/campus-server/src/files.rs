//! `/files/{key}`: the local blob store's signed, expiring links. `GET` serves the file
//! with the content type and name the link was signed with; `PUT` stores an upload the link
//! allows. A link whose signature does not match, that has expired, or that lacks or garbles a
//! part, is 403. (On S3 the
//! links are presigned and point at the bucket; this route is never involved.)

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_storage::{BlobKey, LinkClaims, LinkError, LinkMethod, StorageError, photo, read_limited};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::routing::routes;
use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

/// The operations, for the OpenAPI document (their path names the key as one parameter).
pub(crate) fn routes() -> crate::api::Routes {
    vec![routes!(download, upload)]
}

/// The route: keys contain slashes, so it matches the rest of the path.
pub(crate) fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/files/{*key}", axum::routing::get(download).put(upload))
}

/// The signed parts of a link, as its query carries them.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    /// Unix seconds after which the link is refused.
    pub expires: i64,
    /// The content type the file is served with (or an upload must have).
    pub ct: String,
    /// The name a download is saved as.
    pub name: String,
    pub sig: String,
}

fn invalid_link() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "link_invalid", "This link is not valid.")
}

/// The key and the link's parts, once the signature and expiry check out. A link with a
/// missing or malformed part, or a key no link could be signed for, is as invalid as a
/// tampered one: 403.
fn checked(
    state: &AppState,
    method: LinkMethod,
    key: &str,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<(BlobKey, LinkQuery), ApiError> {
    let Query(q) = query.map_err(|_| invalid_link())?;
    let key = BlobKey::parse(key).map_err(|_| invalid_link())?;
    let claims = LinkClaims {
        method,
        key: key.as_str().to_owned(),
        expires: q.expires,
        content_type: q.ct.clone(),
        file_name: q.name.clone(),
    };
    state
        .storage()
        .check_link(&claims, &q.sig, state.clock().now().timestamp())
        .map_err(|e| match e {
            LinkError::Expired => ApiError::new(
                StatusCode::FORBIDDEN,
                "link_expired",
                "This link has expired; ask for a fresh one.",
            ),
            LinkError::BadSignature => invalid_link(),
        })?;
    Ok((key, q))
}

/// Serves a file of the local store through a signed link.
#[utoipa::path(get, path = "/files/{key}", tag = "files",
    params(("key" = String, Path, description = "The object key, slashes included"), LinkQuery),
    responses(
        (status = 200, description = "The file, with the signed content type, `Content-Disposition`, `X-Content-Type-Options: nosniff` and `Cache-Control: private`", content_type = "application/octet-stream"),
        (status = 403, description = "The link is tampered with, expired or malformed", body = crate::middleware::errors::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The file is gone", body = crate::middleware::errors::Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (key, q) = checked(&state, LinkMethod::Get, &key, query)?;
    let blob = state.storage().get(&key).await?;
    let remaining = (q.expires - state.clock().now().timestamp()).max(0);
    let mut response = Body::from_stream(blob.stream).into_response();
    let headers = response.headers_mut();
    let value = |text: &str| {
        HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(&q.ct));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.size));
    let name = campus_storage::sanitize_file_name(&q.name);
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&format!("inline; filename=\"{name}\"")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        value(&format!("private, max-age={remaining}")),
    );
    Ok(response)
}

/// Stores an upload through a signed upload link (the request's `Content-Type` must be the
/// one signed; the size limit is `storage.max_photo_bytes`).
#[utoipa::path(put, path = "/files/{key}", tag = "files",
    params(("key" = String, Path, description = "The object key, slashes included"), LinkQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 204, description = "Stored"),
        (status = 403, description = "The link is tampered with, expired or malformed", body = crate::middleware::errors::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the limit", body = crate::middleware::errors::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not the content type the link was signed for", body = crate::middleware::errors::Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    Path(key): Path<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let (key, q) = checked(&state, LinkMethod::Put, &key, query)?;
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sent != q.ct {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("This link takes {} uploads.", q.ct),
        ));
    }
    let _turn = state.upload_turn().await;
    let bytes = read_limited(
        body.into_data_stream(),
        state.settings().storage.max_photo_bytes,
        content_length(&headers),
    )
    .await?;
    state.storage().put(&key, &q.ct, bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An absolute link: a local store's `/files/...` link is made absolute with the host the
/// request came to (the app opens it directly); S3 links already are.
pub(crate) fn absolute(state: &AppState, headers: &HeaderMap, link: String) -> String {
    if !link.starts_with('/') {
        return link;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(
            || format!("127.0.0.1:{}", state.settings().server.port),
            str::to_owned,
        );
    let scheme = if crate::web::cookies::secure(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{link}")
}

/// A fresh signed link to a stored photo, or `None` (no photo, or storage failing).
pub(crate) async fn photo_link(
    state: &AppState,
    headers: &HeaderMap,
    key: Option<&str>,
    content_type: Option<&str>,
) -> Option<String> {
    let key = BlobKey::parse(key?).ok()?;
    let name = key.as_str().rsplit('/').next().unwrap_or("photo").to_owned();
    let content_type = content_type.unwrap_or("application/octet-stream");
    match state
        .storage()
        .download_link(&key, content_type, &name, state.clock().now().timestamp())
        .await
    {
        Ok(link) => Some(absolute(state, headers, link)),
        Err(e) => {
            tracing::warn!(error = %e, key = key.as_str(), "no link for a stored photo");
            None
        }
    }
}

/// Deletes stored files whose records are gone; a failure is logged (`campus files check`
/// lists what stays behind).
pub(crate) async fn delete_blobs(state: &AppState, keys: &[String]) {
    for key in keys.iter().filter_map(|k| BlobKey::parse(k).ok()) {
        if let Err(e) = state.storage().delete(&key).await {
            tracing::warn!(error = %e, key = key.as_str(), "a deleted record's file stays in storage");
        }
    }
}

/// Reads an uploaded photo (at most `storage.max_photo_bytes`), types it by its bytes,
/// strips JPEG metadata unless `storage.keep_photo_metadata`, and stores it at `key`; its
/// content type.
pub(crate) async fn store_photo<S, B, E>(
    state: &AppState,
    _turn: &crate::state::UploadTurn,
    upload: S,
    expected: Option<u64>,
    key: &BlobKey,
) -> Result<&'static str, StorageError>
where
    S: futures_util::Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let settings = &state.settings().storage;
    let bytes = read_limited(upload, settings.max_photo_bytes, expected).await?;
    let content_type = photo::photo_type(&bytes)?;
    let payload = if settings.keep_photo_metadata {
        bytes.into()
    } else {
        photo::strip_metadata(content_type, bytes)?
    };
    state.storage().put(key, content_type, payload).await?;
    Ok(content_type)
}

/// The request body's declared length, if any: an upper bound for a file inside it.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// After recording a new stored photo: deletes the photo it replaced, or — when recording
/// failed (the record went away meanwhile) — the new one, so no file is orphaned.
pub(crate) async fn settle_photo<E>(
    state: &AppState,
    new: &BlobKey,
    recorded: Result<Option<String>, E>,
) -> Result<(), E> {
    match recorded {
        Ok(replaced) => {
            delete_blobs(state, &replaced.into_iter().collect::<Vec<_>>()).await;
            Ok(())
        }
        Err(e) => {
            delete_blobs(state, &[new.as_str().to_owned()]).await;
            Err(e)
        }
    }
}

/// The key of a photo `user_id` uploads now, named after the client's file name.
pub(crate) fn photo_key(
    state: &AppState,
    user_id: i64,
    kind: &str,
    file_name: &str,
) -> Result<BlobKey, StorageError> {
    let unix = state.clock().now().timestamp();
    let name = campus_storage::sanitize_file_name(file_name);
    BlobKey::parse(&format!("user_{user_id}/{kind}_{unix}_{name}"))
}

/// An event's photo as its readers see it: a fresh signed link to the stored photo, else the
/// link the app gave when it parked (seed 001), else none.
pub(crate) async fn event_photo_url(
    state: &AppState,
    headers: &HeaderMap,
    event: &campus_db::entities::parking_events::Model,
) -> Option<String> {
    match event.photo_key.as_deref() {
        Some(key) => photo_link(state, headers, Some(key), event.photo_content_type.as_deref()).await,
        None => event.given_photo_url.clone(),
    }
}
