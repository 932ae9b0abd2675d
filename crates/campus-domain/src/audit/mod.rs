//! The append-only audit trail: who did what to which record, from where. Services append to
//! it inside their own transactions ([`record`]); administrators read it ([`Audit`]); `chain`
//! seals it into a hash chain that `campus audit verify` checks.

pub mod chain;
mod error;
mod model;
mod repo;
mod service;

pub use chain::{ChainHead, Verdict};
pub use error::AuditError;
pub use model::{AuditEntry, AuditFilter, AuditRecord, actions};
pub use repo::record;
pub use service::Audit;
