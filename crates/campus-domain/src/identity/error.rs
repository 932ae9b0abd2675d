//! What can go wrong in identity operations. Surfaces map each variant to their own status
//! and message once.

use super::model::Role;
use crate::validation::FieldIssue;

/// Why a presented access token does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("Missing Authorization Header")]
    Missing,
    #[error("Token has expired")]
    Expired,
    #[error("Token has been revoked")]
    Revoked,
    /// Malformed, wrong algorithm, bad signature.
    #[error("{0}")]
    Invalid(String),
    /// The user was deactivated or deleted.
    #[error("User account is not active")]
    Inactive,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("{0}")]
    WeakPassword(String),
    #[error("username already exists")]
    UsernameTaken,
    #[error("email already registered")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64, limit: u32 },
    #[error("too many failed logins; try again later")]
    Locked { retry_after_secs: u64 },
    #[error("public registration is disabled")]
    RegistrationClosed,
    #[error("the role `{0}` cannot be granted here")]
    RoleNotAllowed(Role),
    /// A registration that may not choose its role asked for one.
    #[error("registration cannot choose a role")]
    RoleChoiceRefused,
    #[error(transparent)]
    Unauthenticated(#[from] AuthFailure),
    #[error("refresh token is invalid or expired")]
    RefreshInvalid,
    #[error("refresh token was already used; its session has been revoked")]
    RefreshReused,
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("an administrator cannot deactivate or demote themself")]
    SelfLockout,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Hash(#[from] super::password::HashError),
    #[error("token signing failed: {0}")]
    Signing(String),
}

impl IdentityError {
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        IdentityError::Invalid(vec![FieldIssue::new(field, code, message)])
    }
}
