//! Seed 001's request and response bodies, as its mobile app sends and reads them.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /auth/register`. The handler reads the fields one by one, so a missing one is the
/// seed's 400 sentence rather than a parse error.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct MemoParkRegisterRequest {
    #[schema(format = Email)]
    pub user_email: String,
    /// At least 8 characters with upper- and lower-case letters, a digit and one of
    /// `!@#$%^&*(),.?":{}|<>`; a weak password is the seed's 400 with the policy sentence.
    #[schema(min_length = 8)]
    pub user_password: String,
    #[schema(min_length = 1)]
    pub user_name: String,
    pub emergency_contact: Option<MemoParkContactInput>,
}

/// The emergency contact given at registration.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct MemoParkContactInput {
    #[schema(min_length = 1)]
    pub emergency_contact_name: String,
    pub relation: Option<String>,
    pub emergency_email: Option<String>,
    pub emergency_phone_number: Option<String>,
    pub is_allow_alerts: Option<bool>,
}

/// `POST /auth/login`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; never built
pub struct MemoParkLoginRequest {
    #[schema(format = Email)]
    pub user_email: String,
    #[schema(min_length = 1)]
    pub user_password: String,
}

/// A new access token (one day).
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoParkToken {
    pub access_token: String,
}

/// `GET /auth/profile`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoParkProfile {
    pub user_id: i64,
    pub user_name: String,
    pub user_email: Option<String>,
    pub emergency_contacts: Vec<MemoParkContact>,
}

/// One emergency contact in the profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoParkContact {
    pub emergency_id: i64,
    pub name: String,
    pub relation: Option<String>,
    pub emergency_phone_number: Option<String>,
    pub emergency_email: Option<String>,
    pub is_allow_alerts: bool,
}
