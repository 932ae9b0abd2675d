//! Photos on `/api/v1/parking-events` (the event's and each landmark's) and the audited
//! administrator read of a user's parking events.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{PageMeta, page_request};
use super::parking::{EventsQuery, ParkingEventPage, invalid};
use crate::auth::{Admins, AuthUser, Meta, RequireRole};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Stores the `photo` field of a multipart upload as a new photo of `who`; its key and
/// content type.
async fn store_upload(
    state: &AppState,
    who: i64,
    kind: &str,
    headers: &HeaderMap,
    form: &mut Multipart,
) -> Result<(campus_storage::BlobKey, &'static str), ApiError> {
    // Before any of the body is parsed: waiting uploads hold no buffers.
    let turn = state.upload_turn().await;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => {
                let name = field
                    .file_name()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or("photo")
                    .to_owned();
                let key = crate::files::photo_key(state, who, kind, &name)?;
                let content_type = crate::files::store_photo(
                    state,
                    &turn,
                    field,
                    crate::files::content_length(headers),
                    &key,
                )
                .await?;
                return Ok((key, content_type));
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => {
                return Err(invalid(
                    "photo",
                    "required",
                    "send the image in a multipart field named photo",
                ));
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParkingPhotoStored {
    pub key: String,
    pub content_type: String,
    /// A signed link valid `storage.link_ttl_secs`.
    pub photo_url: Option<String>,
}

/// Multipart field `photo`: JPEG, PNG, WebP or HEIC (typed by its bytes), at most
/// `storage.max_photo_bytes`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct PhotoForm {
    #[schema(format = Binary, value_type = String)]
    pub photo: Vec<u8>,
}

/// Stores (or replaces) an event's photo; JPEG metadata is stripped.
#[utoipa::path(post, path = "/api/v1/parking-events/{id}/photo", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = PhotoForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ParkingPhotoStored), (status = 413, description = "Too large"),
        (status = 415, description = "Not a JPEG, PNG, WebP or HEIC image")))]
pub async fn event_photo(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<ParkingPhotoStored>), ApiError> {
    let parking = state.parking();
    parking.check_photo_target(&who, id).await?;
    let (key, content_type) = store_upload(&state, who.user_id, "parking", &headers, &mut form).await?;
    let recorded = parking.set_photo(&who, id, key.as_str(), content_type).await;
    crate::files::settle_photo(&state, &key, recorded).await?;
    stored(&state, &headers, key, content_type).await
}

/// Stores (or replaces) a landmark's photo; JPEG metadata is stripped.
#[utoipa::path(post, path = "/api/v1/parking-events/{id}/landmarks/{landmark_id}/photo", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path), ("landmark_id" = i64, Path)), request_body(content = PhotoForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ParkingPhotoStored), (status = 413, description = "Too large"),
        (status = 415, description = "Not a JPEG, PNG, WebP or HEIC image")))]
pub async fn landmark_photo(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path((id, landmark_id)): Path<(i64, i64)>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<ParkingPhotoStored>), ApiError> {
    let parking = state.parking();
    // The landmark must be the caller's before anything is stored.
    parking.set_achieved(&who, id, landmark_id, None).await?;
    let (key, content_type) = store_upload(&state, who.user_id, "landmark", &headers, &mut form).await?;
    let recorded = parking
        .set_landmark_photo(&who, id, landmark_id, key.as_str(), content_type)
        .await;
    crate::files::settle_photo(&state, &key, recorded).await?;
    stored(&state, &headers, key, content_type).await
}

async fn stored(
    state: &AppState,
    headers: &HeaderMap,
    key: campus_storage::BlobKey,
    content_type: &str,
) -> Result<(StatusCode, Json<ParkingPhotoStored>), ApiError> {
    let photo_url = crate::files::photo_link(state, headers, Some(key.as_str()), Some(content_type)).await;
    Ok((
        StatusCode::CREATED,
        Json(ParkingPhotoStored {
            key: key.as_str().to_owned(),
            content_type: content_type.to_owned(),
            photo_url,
        }),
    ))
}

/// An administrator lists a user's parking events (newest first). Audited
/// (`parking.admin_read`).
#[utoipa::path(get, path = "/api/v1/users/{id}/parking-events", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path), EventsQuery), responses((status = 200, body = ParkingEventPage),
        (status = 403, description = "Not an administrator")))]
pub async fn admin_list(
    State(state): State<AppState>,
    RequireRole(who, ..): RequireRole<Admins>,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<ParkingEventPage>, ApiError> {
    let page = state
        .parking()
        .admin_page(&who, id, page_request(q.limit, q.cursor.as_deref())?, &meta)
        .await?;
    Ok(Json(ParkingEventPage {
        meta: PageMeta::of(&page),
        events: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadLinkRequest {
    /// The photo's file name (sanitised into its key).
    pub file_name: String,
    /// image/jpeg, image/png, image/webp or image/heif; the upload must send exactly this.
    pub content_type: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadLink {
    /// Confirm with this key once the upload is done.
    pub key: String,
    /// `PUT` the file here, with `Content-Type` as requested, before it expires.
    pub upload_url: String,
    pub expires_in: u64,
}

/// A signed link to upload an event's photo straight to storage (S3 presigned, or Campus's
/// `/files` route); confirm it afterwards.
#[utoipa::path(post, path = "/api/v1/parking-events/{id}/photo-upload", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UploadLinkRequest, responses((status = 201, body = UploadLink)))]
pub async fn upload_link(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(b): Json<UploadLinkRequest>,
) -> Result<(StatusCode, Json<UploadLink>), ApiError> {
    state.parking().check_photo_target(&who, id).await?;
    if !campus_storage::photo::PHOTO_TYPES.contains(&b.content_type.as_str()) {
        return Err(invalid(
            "content_type",
            "invalid_choice",
            "must be image/jpeg, image/png, image/webp or image/heif",
        ));
    }
    let key = crate::files::photo_key(&state, who.user_id, "parking", &b.file_name)?;
    let storage = state.storage();
    let link = storage
        .upload_link(&key, &b.content_type, state.clock().now().timestamp())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadLink {
            key: key.as_str().to_owned(),
            upload_url: crate::files::absolute(&state, &headers, link),
            expires_in: storage.link_ttl().as_secs(),
        }),
    ))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmUpload {
    pub key: String,
}

/// Records a photo uploaded through an upload link: it must exist, be within the size limit
/// and be an image by its bytes (else it is deleted and refused); JPEG metadata is stripped.
#[utoipa::path(post, path = "/api/v1/parking-events/{id}/photo-upload/confirm", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ConfirmUpload,
    responses((status = 201, body = ParkingPhotoStored), (status = 404, description = "Nothing was uploaded at that key"),
        (status = 415, description = "Not a JPEG, PNG, WebP or HEIC image")))]
pub async fn confirm_upload(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(b): Json<ConfirmUpload>,
) -> Result<(StatusCode, Json<ParkingPhotoStored>), ApiError> {
    let parking = state.parking();
    parking.check_photo_target(&who, id).await?;
    // Before any read: an object in someone else's folder is never opened.
    campus_domain::parking::policy::check_own_key(&who, &b.key, "key")?;
    let key = campus_storage::BlobKey::parse(&b.key)?;
    let limit = state.settings().storage.max_photo_bytes;
    if state.storage().head(&key).await? > limit {
        crate::files::delete_blobs(&state, std::slice::from_ref(&b.key)).await;
        return Err(campus_storage::StorageError::TooLarge { limit }.into());
    }
    let blob = state.storage().get(&key).await?;
    let turn = state.upload_turn().await;
    let content_type =
        match crate::files::store_photo(&state, &turn, blob.stream, Some(blob.size), &key).await {
            Ok(ct) => ct,
            Err(e) => {
                crate::files::delete_blobs(&state, std::slice::from_ref(&b.key)).await;
                return Err(e.into());
            }
        };
    let recorded = parking.set_photo(&who, id, key.as_str(), content_type).await;
    crate::files::settle_photo(&state, &key, recorded).await?;
    stored(&state, &headers, key, content_type).await
}
