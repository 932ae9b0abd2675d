//! The per-user key-value store. Every user has their own namespace (unique per owner and
//! key). Each write increments `version`, which serves as the ETag for compare-and-swap.
//! Expired keys are invisible at once (every read filters on `expires_at`) and deleted by
//! [`Kv::purge_expired`], which each instance runs on a timer.

mod error;
mod model;
pub mod policy;
mod repo;
mod service;

pub use error::{KvError, Quota};
pub use model::{
    BatchOp, Expiry, KvEntry, KvKey, KvWrite, MAX_BATCH, MAX_KEY_BYTES, MAX_METADATA_BYTES, MAX_TTL_SECS,
    Precondition, check_key,
};
pub use service::Kv;
