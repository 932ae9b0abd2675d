//! Error bodies the facades answer, for their OpenAPI operations. Each seed's envelope (see
//! [`super::envelopes`]) writes one of these.

use serde::Serialize;
use utoipa::ToSchema;

/// Flask-JWT-Extended's answer to a missing, expired, revoked (401) or malformed (422) token,
/// on seeds 001 and 002.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedTokenError {
    pub msg: String,
}

/// `{"message": ...}`: seed 001's errors, and seed 000's "no data" answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedMessage {
    pub message: String,
}

/// `{"error": ...}`: seed 000's data errors, seed 002's and seed 003's errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedErrorMessage {
    pub error: String,
}

/// A bearer token's problems on seeds 001 and 002, as Flask-JWT-Extended answered them.
#[derive(Debug, utoipa::IntoResponses)]
#[allow(dead_code)] // documents responses; never built
pub enum JwtTokenErrors {
    /// Token missing, expired or revoked
    #[response(status = 401)]
    Unauthorized(SeedTokenError),
    /// Token malformed
    #[response(status = 422)]
    Malformed(SeedTokenError),
}

/// A bearer token's problems on seeds 000 and 003.
#[derive(Debug, utoipa::IntoResponses)]
#[allow(dead_code)] // documents responses; never built
pub enum BearerErrors {
    /// Token missing, expired, revoked or malformed
    #[response(status = 401)]
    Unauthorized(SeedErrorMessage),
}
