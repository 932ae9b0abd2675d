//! SeaORM entities, one module per table. Domain repositories use these; nothing above the
//! domain layer does.

pub mod audit_log;
pub mod emergency_contacts;
pub mod login_failures;
pub mod rate_limits;
pub mod refresh_tokens;
pub mod revoked_tokens;
pub mod users;
