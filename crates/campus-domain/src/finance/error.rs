//! What can go wrong with money.

use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum FinanceError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such record (`what` names it: "Student", "Course", ...), or one the caller may not
    /// know exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    /// The account named is finance staff, which holds no money.
    #[error("a staff account has no dues")]
    StaffAccount,
    #[error("{0}")]
    Conflict(&'static str),
    /// A student paying more than they owe.
    #[error("payment exceeds outstanding dues")]
    Overpayment { amount_cents: i64, dues_cents: i64 },
    /// The Idempotency-Key was used before with a different request.
    #[error("idempotency key reused with a different request")]
    KeyReused,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl FinanceError {
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldIssue::new(field, code, message)])
    }
}

impl crate::retry::DbFailure for FinanceError {
    fn db_err(&self) -> Option<&sea_orm::DbErr> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}
