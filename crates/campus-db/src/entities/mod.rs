//! SeaORM entities, one module per table. Domain repositories use these; nothing above the
//! domain layer does.

pub mod activities;
pub mod attendance;
pub mod audit_log;
pub mod documents;
pub mod emergency_contacts;
pub mod grades;
pub mod guardianships;
pub mod login_failures;
pub mod lookups;
pub mod rate_limits;
pub mod refresh_tokens;
pub mod revoked_tokens;
pub mod students;
pub mod users;
