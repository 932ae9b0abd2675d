//! Seed 001's photo upload: `POST /parking/{id}/photo` (multipart field `photo`).

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::parking::event_id;
use super::parking_schema::{PhotoStored, PhotoUpload};
use super::{Answer, TAG};
use crate::api::routing::routes;
use crate::api::with_layer;
use crate::auth::AuthUser;
use crate::compat::schema::{JwtTokenErrors, SeedMessage};
use crate::compat::shared::{bad_request, reply};
use crate::extract::Path;
use crate::state::AppState;

pub(super) fn routes() -> crate::api::Routes {
    vec![with_layer(routes!(upload_photo), DefaultBodyLimit::disable())]
}

/// Uploads the event's photo (multipart field `photo`). Its type comes from its bytes; JPEG
/// metadata (GPS position, camera) is stripped unless `storage.keep_photo_metadata`.
#[utoipa::path(post, path = "/parking/{id}/photo", tag = TAG, security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Stored", body = PhotoStored),
        (status = 400, description = "No `photo` field, no file name, or a damaged file", body = SeedMessage),
        (status = 404, description = "No such event of the caller's", body = SeedMessage),
        (status = 413, description = "Larger than `storage.max_photo_bytes`", body = SeedMessage),
        (status = 415, description = "Not a JPEG, PNG, WebP or HEIC image", body = SeedMessage),
        (status = 503, description = "File storage is unavailable", body = SeedMessage),
        JwtTokenErrors,
    ))]
async fn upload_photo(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Answer {
    // Before any of the body is parsed: waiting uploads hold no buffers.
    let turn = state.upload_turn().await;
    let no_photo = || bad_request("No photo file found in the request");
    let field = loop {
        match form.next_field().await {
            Ok(Some(f)) if f.name() == Some("photo") => break f,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err(no_photo().into()),
        }
    };
    let file_name = field.file_name().map(str::trim).unwrap_or_default().to_owned();
    if file_name.is_empty() {
        return Err(bad_request("No selected file").into());
    }
    let id = event_id(&id)?;
    let parking = state.parking();
    parking.check_photo_target(&who, id).await?;
    let key = crate::files::photo_key(&state, who.user_id, "parking", &file_name)?;
    let content_type =
        crate::files::store_photo(&state, &turn, field, crate::files::content_length(&headers), &key).await?;
    let recorded = parking.set_photo(&who, id, key.as_str(), content_type).await;
    crate::files::settle_photo(&state, &key, recorded).await?;
    let body = PhotoStored {
        message: "Photo uploaded successfully",
        s3_key: key.as_str().to_owned(),
    };
    Ok(reply(StatusCode::OK, json!(body)))
}
