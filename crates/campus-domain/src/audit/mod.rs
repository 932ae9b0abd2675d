//! The append-only audit trail: who did what to which record, from where. Services append to
//! it inside their own transactions ([`record`]); administrators read it ([`Audit`]).

mod error;
mod model;
mod repo;
mod service;

pub use error::AuditError;
pub use model::{AuditEntry, AuditFilter, AuditRecord, actions};
pub use repo::record;
pub use service::Audit;
