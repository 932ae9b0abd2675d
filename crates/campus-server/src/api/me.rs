//! `/api/v1/me`: the signed-in user's profile, preferences, password and emergency contacts.

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::{ContactInput, ContactPatch, EmergencyContact, ProfilePatch};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Routes;
use super::auth::TokenResponse;
use super::dto::{UserResponse, double_option};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(get_me, update_me),
        routes!(change_password),
        routes!(list_contacts, create_contact),
        routes!(update_contact, delete_contact),
    ]
}

/// Profile fields the user may change. Absent fields stay as they are; `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub date_of_birth: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    pub age: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    pub gender: Option<Option<String>>,
    pub language: Option<String>,
    /// small, medium or large.
    pub text_size: Option<String>,
    /// default, medium or large.
    pub icon_size: Option<String>,
    pub high_contrast_mode: Option<bool>,
    /// IANA time zone for usage summaries (`Europe/Berlin`); `null`: the school's.
    #[serde(default, deserialize_with = "double_option")]
    pub timezone: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// An emergency contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    pub id: i64,
    pub name: String,
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allow_alerts: bool,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EmergencyContact> for ContactResponse {
    fn from(c: EmergencyContact) -> Self {
        Self {
            id: c.id,
            name: c.name,
            relation: c.relation,
            email: c.email,
            phone: c.phone,
            allow_alerts: c.allow_alerts,
            is_primary: c.is_primary,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    pub emergency_contacts: Vec<ContactResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContactRequest {
    pub name: String,
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub allow_alerts: bool,
    #[serde(default)]
    pub is_primary: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub relation: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    pub allow_alerts: Option<bool>,
    pub is_primary: Option<bool>,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 401, description = "Not authenticated")))]
pub async fn get_me(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> Result<Json<UserResponse>, ApiError> {
    let user = state.identity().user(p.user_id).await?;
    Ok(Json(user.into()))
}

/// Changes profile fields and preferences.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses((status = 200, body = UserResponse), (status = 422, description = "Invalid fields")))]
pub async fn update_me(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Meta(meta): Meta,
    Json(body): Json<UpdateMeRequest>,
) -> Result<Json<UserResponse>, ApiError> {
    let patch = ProfilePatch {
        name: body.name,
        date_of_birth: body.date_of_birth,
        age: body.age,
        gender: body.gender,
        language: body.language,
        text_size: body.text_size,
        icon_size: body.icon_size,
        high_contrast_mode: body.high_contrast_mode,
        timezone: body.timezone,
    };
    let user = state.identity().update_profile(p.user_id, patch, &meta).await?;
    Ok(Json(user.into()))
}

/// Changes the password. Every other session is signed out; the response carries fresh
/// tokens for this one.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 200, body = TokenResponse), (status = 422, description = "Wrong current password or weak new one")))]
pub async fn change_password(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Meta(meta): Meta,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let outcome = state
        .identity()
        .change_password(&p, body.current_password, body.new_password, &meta)
        .await?;
    Ok(Json(outcome.into()))
}

#[utoipa::path(get, path = "/api/v1/me/emergency-contacts", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = ContactList)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> Result<Json<ContactList>, ApiError> {
    let contacts = state.identity().contacts(p.user_id).await?;
    Ok(Json(ContactList {
        emergency_contacts: contacts.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/me/emergency-contacts", tag = "me", security(("bearer" = [])),
    request_body = CreateContactRequest,
    responses((status = 201, body = ContactResponse), (status = 422, description = "Invalid fields")))]
pub async fn create_contact(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Json(body): Json<CreateContactRequest>,
) -> Result<(StatusCode, Json<ContactResponse>), ApiError> {
    let input = ContactInput {
        name: body.name,
        relation: body.relation,
        email: body.email,
        phone: body.phone,
        allow_alerts: body.allow_alerts,
        is_primary: body.is_primary,
    };
    let contact = state.identity().add_contact(p.user_id, input).await?;
    Ok((StatusCode::CREATED, Json(contact.into())))
}

#[utoipa::path(patch, path = "/api/v1/me/emergency-contacts/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UpdateContactRequest,
    responses((status = 200, body = ContactResponse), (status = 404, description = "No such contact of yours")))]
pub async fn update_contact(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<i64>,
    Json(body): Json<UpdateContactRequest>,
) -> Result<Json<ContactResponse>, ApiError> {
    let patch = ContactPatch {
        name: body.name,
        relation: body.relation,
        email: body.email,
        phone: body.phone,
        allow_alerts: body.allow_alerts,
        is_primary: body.is_primary,
    };
    let contact = state.identity().update_contact(p.user_id, id, patch).await?;
    Ok(Json(contact.into()))
}

#[utoipa::path(delete, path = "/api/v1/me/emergency-contacts/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such contact of yours")))]
pub async fn delete_contact(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.identity().delete_contact(p.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
