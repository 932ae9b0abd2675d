//! What can go wrong with reports.

use crate::finance::FinanceError;
use crate::school::SchoolError;
use crate::validation::FieldIssue;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such report, batch, student or ledger entry (`what` names it), or one the caller
    /// may not know about.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A role that may not see these records at all.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// The document's data could not be written as JSON (a bug).
    #[error("report data: {0}")]
    Data(#[from] serde_json::Error),
}

impl From<FieldIssue> for ReportError {
    fn from(issue: FieldIssue) -> Self {
        Self::Invalid(vec![issue])
    }
}

impl From<SchoolError> for ReportError {
    fn from(e: SchoolError) -> Self {
        match e {
            SchoolError::Invalid(issues) => Self::Invalid(issues),
            SchoolError::NotFound => Self::NotFound("Student"),
            SchoolError::Forbidden => Self::Forbidden,
            SchoolError::Db(e) => Self::Db(e),
            // Reads never produce the write-only variants; if one ever did, it is a bug (500).
            other => Self::Db(sea_orm::DbErr::Custom(other.to_string())),
        }
    }
}

impl From<FinanceError> for ReportError {
    fn from(e: FinanceError) -> Self {
        match e {
            FinanceError::Invalid(issues) => Self::Invalid(issues),
            FinanceError::NotFound(what) => Self::NotFound(what),
            FinanceError::Forbidden => Self::Forbidden,
            FinanceError::Db(e) => Self::Db(e),
            // Reads never produce the write-only variants; if one ever did, it is a bug (500).
            other => Self::Db(sea_orm::DbErr::Custom(other.to_string())),
        }
    }
}
