//! What an import did, or on a dry run would do.

use serde::Serialize;

use super::Dataset;
use crate::validation::FieldIssue;

/// Row details kept per list; counts are always complete.
pub const MAX_DETAILS: usize = 1000;

/// The diff: counts, then the first [`MAX_DETAILS`] changes and errors with row numbers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// students, grades or attendance.
    pub kind: &'static str,
    /// csv or xlsx.
    pub format: &'static str,
    /// True only when every row was written; a dry run or a file with errors writes nothing.
    pub committed: bool,
    /// Data rows read (blank rows are skipped).
    pub rows: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows with at least one error.
    pub errors_total: u64,
    /// Parent accounts created (or, on a dry run, to be created) from guardian columns.
    pub parents_created: u64,
    /// Parent-child links made (or to be made).
    pub guardians_linked: u64,
    /// Guardian emails that match an account someone else set up (registered themself, or has
    /// a password): not linked, because an email alone does not prove the account is the
    /// guardian's. Staff check and link them (`POST /api/v1/students/{id}/guardians`).
    pub guardian_links_held: Vec<RowIssue>,
    pub changes: Vec<RowChange>,
    pub errors: Vec<RowIssue>,
    /// True when `changes` or `errors` hold only the first rows.
    pub details_truncated: bool,
}

/// A new or updated row.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowChange {
    pub row: usize,
    /// new or updated.
    pub action: &'static str,
    /// What identifies the record: a roll number, or roll number / subject / term or date.
    pub key: String,
    /// The fields that change (all given fields for a new row).
    pub fields: Vec<&'static str>,
}

/// A problem with one row.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowIssue {
    pub row: usize,
    pub field: Option<&'static str>,
    pub code: &'static str,
    pub message: String,
}

impl ImportReport {
    pub(super) fn new(kind: Dataset, format: campus_tabular::Format) -> Self {
        Self {
            kind: kind.as_str(),
            format: format.extension(),
            committed: false,
            rows: 0,
            new: 0,
            updated: 0,
            unchanged: 0,
            errors_total: 0,
            parents_created: 0,
            guardians_linked: 0,
            changes: Vec::new(),
            errors: Vec::new(),
            details_truncated: false,
            guardian_links_held: Vec::new(),
        }
    }

    pub(super) fn fail(&mut self, row: usize, issues: Vec<FieldIssue>) {
        self.errors_total += 1;
        for issue in issues {
            if self.errors.len() == MAX_DETAILS {
                self.details_truncated = true;
                return;
            }
            self.errors.push(RowIssue {
                row,
                field: Some(issue.field).filter(|f| !f.is_empty()),
                code: issue.code,
                message: issue.message,
            });
        }
    }

    /// A guardian link not made (the row itself imports).
    pub(super) fn hold_link(&mut self, row: usize, message: String) {
        if self.guardian_links_held.len() < MAX_DETAILS {
            self.guardian_links_held.push(RowIssue {
                row,
                field: Some("guardian_email"),
                code: "existing_account",
                message,
            });
        } else {
            self.details_truncated = true;
        }
    }

    pub(super) fn fail_one(&mut self, row: usize, field: &'static str, code: &'static str, message: String) {
        self.fail(row, vec![FieldIssue::new(field, code, message)]);
    }

    pub(super) fn added(&mut self, row: usize, key: String, fields: Vec<&'static str>) {
        self.new += 1;
        self.change(RowChange {
            row,
            action: "new",
            key,
            fields,
        });
    }

    pub(super) fn changed(&mut self, row: usize, key: String, fields: Vec<&'static str>) {
        if fields.is_empty() {
            self.unchanged += 1;
            return;
        }
        self.updated += 1;
        self.change(RowChange {
            row,
            action: "updated",
            key,
            fields,
        });
    }

    fn change(&mut self, change: RowChange) {
        if self.changes.len() == MAX_DETAILS {
            self.details_truncated = true;
        } else {
            self.changes.push(change);
        }
    }
}
