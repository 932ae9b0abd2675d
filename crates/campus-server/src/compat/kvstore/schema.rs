//! Seed 004's request and response bodies. Every route answers a browser (a form post or a
//! page) or a JSON client (a JSON body, `Accept: application/json` or a Bearer token); JSON
//! clients get these shapes, browsers the seed's pages. Request bodies are read field by field
//! (a missing one is the seed's error code), so the request structs only document them.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `{"status": "success", "message": ..., "data": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct KvStoreSuccess {
    /// Always `success`.
    pub status: &'static str,
    pub message: String,
    /// What the action returns: the new user, the token, the pair, ... (absent when nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// `{"status": "error", "code": ..., "message": ...}` with the seed's upper-case codes
/// (`KEY_NOT_FOUND`, `INVALID_TOKEN`, ...).
#[derive(Debug, Serialize, ToSchema)]
pub struct KvStoreError {
    /// Always `error`.
    pub status: &'static str,
    pub code: String,
    pub message: String,
}

/// `POST /api/register` in seed 004's shape. Form posts add the page's `csrf_token`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct KvStoreRegisterRequest {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(format = Email)]
    pub email: String,
    /// At least 8 characters with upper- and lower-case letters, a digit and a special character.
    #[schema(min_length = 8)]
    pub password: String,
    #[schema(min_length = 1)]
    pub full_name: String,
    /// A positive whole number.
    #[schema(minimum = 1)]
    pub age: i32,
    #[schema(min_length = 1)]
    pub gender: String,
    pub csrf_token: Option<String>,
}

/// `POST /api/token`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct KvStoreTokenRequest {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
    pub password: String,
    pub csrf_token: Option<String>,
}

/// `POST /api/login` in seed 004's shape: the password and a token of the same user open a
/// server-side session (an HttpOnly cookie).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct KvStoreLoginRequest {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
    pub password: String,
    #[schema(min_length = 1)]
    pub access_token: String,
    pub csrf_token: Option<String>,
}

/// `POST /api/data` and `/api/data/update`: a key and its value, each 1 to 100 characters.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct KvStorePairRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub key: String,
    #[schema(min_length = 1, max_length = 100)]
    pub value: String,
    pub csrf_token: Option<String>,
}

/// `POST /api/data/delete`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct KvStoreKeyRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub key: String,
    pub csrf_token: Option<String>,
}

/// `POST /api/register` as JSON: seed 004's shape (`username` with profile fields) or seed 003's.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the body; never built
pub enum SharedRegisterRequest {
    KeyValue(KvStoreRegisterRequest),
    Achievement(crate::compat::achievement::schema::AchievementRegisterRequest),
}

/// `POST /api/login` as JSON: seed 004's shape (`access_token`, or `username` without `email`)
/// or seed 003's.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the body; never built
pub enum SharedLoginRequest {
    KeyValue(KvStoreLoginRequest),
    Achievement(crate::compat::achievement::schema::AchievementLoginRequest),
}

/// The answer to a shared path: seed 004's envelope or seed 003's body.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents a response; never built
pub enum SharedRegistered {
    KeyValue(KvStoreSuccess),
    Achievement(crate::compat::achievement::schema::AchievementRegistered),
}

/// The answer to a shared login: seed 004's envelope (a session cookie is set) or seed 003's token.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents a response; never built
pub enum SharedLogin {
    KeyValue(KvStoreSuccess),
    Achievement(crate::compat::achievement::schema::AchievementLogin),
}

/// An error on a shared path, in the envelope of the seed the request was for.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents a response; never built
pub enum SharedError {
    KeyValue(KvStoreError),
    Achievement(crate::compat::schema::SeedErrorMessage),
}

/// A token that is not (or no longer) valid.
#[derive(Debug, utoipa::IntoResponses)]
#[allow(dead_code)] // documents responses; never built
pub enum KvStoreTokenErrors {
    /// No valid token or session (`INVALID_TOKEN`); a browser without a session is sent to the sign-in page instead
    #[response(status = 401)]
    Unauthorized(KvStoreError),
}
