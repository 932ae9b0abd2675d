//! SeaORM entities, one module per table. Domain repositories use these; nothing above the
//! domain layer does.

pub mod activities;
pub mod attendance;
pub mod audit_log;
pub mod caregiver_links;
pub mod contact_actions;
pub mod courses;
pub mod documents;
pub mod emergency_contacts;
pub mod enrollments;
pub mod grades;
pub mod guardianships;
pub mod idempotency_keys;
pub mod kv_entries;
pub mod kv_usage;
pub mod ledger_entries;
pub mod login_failures;
pub mod lookups;
pub mod notifications;
pub mod parking_events;
pub mod parking_landmarks;
pub mod parking_scores;
pub mod payment_declarations;
pub mod rate_limits;
pub mod refresh_tokens;
pub mod report_batches;
pub mod reports;
pub mod revoked_tokens;
pub mod student_balances;
pub mod students;
pub mod usage_entries;
pub mod users;
pub mod web_sessions;
