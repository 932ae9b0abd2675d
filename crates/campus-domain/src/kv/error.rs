//! What can go wrong with the key-value store.

use sea_orm::DbErr;

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("no such key")]
    NotFound,
    /// The precondition did not hold (stale version, key exists, key absent).
    #[error("precondition failed")]
    PreconditionFailed { current_version: Option<i64> },
    #[error("not allowed")]
    Forbidden,
    /// The write would take the user past `kv.max_keys_per_user` or `kv.max_bytes_per_user`.
    #[error("quota exceeded")]
    QuotaExceeded { quota: Quota, limit: u64 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Which per-user quota a write would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    Keys,
    Bytes,
}

impl KvError {
    /// A precondition that no longer holds; `current_version` when the key exists.
    pub(crate) fn stale(current_version: Option<i64>) -> Self {
        Self::PreconditionFailed { current_version }
    }
}

impl From<FieldIssue> for KvError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}

impl From<Vec<FieldIssue>> for KvError {
    fn from(issues: Vec<FieldIssue>) -> Self {
        Self::Invalid(issues)
    }
}

impl crate::retry::DbFailure for KvError {
    fn db_err(&self) -> Option<&DbErr> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// A batch's error: the failing operation's index and what went wrong.
impl crate::retry::DbFailure for (usize, KvError) {
    fn db_err(&self) -> Option<&DbErr> {
        self.1.db_err()
    }
}
