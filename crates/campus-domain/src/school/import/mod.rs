//! Imports of students, grades and attendance from CSV or XLSX.
//!
//! Rows stream from a [`TableReader`] in batches of [`BATCH`]; each batch is validated
//! against the database and, when committing, written. A dry run (the default) reports what
//! would happen — new, updated, unchanged, and every row error with its row number — and
//! writes nothing. A commit runs the same pass inside one write transaction and commits only
//! if no row had an error: all or nothing. Memory is bounded by the batch plus the set of keys
//! already seen (to catch duplicates within the file), never by the file.

mod attendance;
mod columns;
mod grades;
mod report;
mod student_rows;
mod students;

use campus_tabular::{TableReader, TabularError};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

pub use super::dataset::Dataset;
use super::policy::{self, Access};
use super::service::School;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;

pub use columns::ColumnSpec;
pub use report::{ImportReport, RowChange, RowIssue};

/// Rows validated and written together.
pub const BATCH: usize = 500;

impl Dataset {
    /// The columns a file of this kind may have.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Self::Students => students::COLUMNS,
            Self::Grades => grades::COLUMNS,
            Self::Attendance => attendance::COLUMNS,
        }
    }
}

/// Why an import did not run at all (row problems are in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    File(#[from] TabularError),
    /// The header row does not fit the kind of import.
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// One importer per kind; `write` is false on a dry run.
enum Importer {
    Students(students::StudentImport),
    Grades(grades::GradeImport),
    Attendance(attendance::AttendanceImport),
}

impl Importer {
    #[allow(clippy::too_many_arguments)]
    async fn batch(
        &mut self,
        school: &School,
        conn: &impl ConnectionTrait,
        who: &Principal,
        meta: &RequestMeta,
        rows: Vec<campus_tabular::Row>,
        write: bool,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        match self {
            Self::Students(i) => i.batch(conn, rows, write, report).await,
            Self::Grades(i) => i.batch(conn, who, meta, rows, write, report).await,
            Self::Attendance(i) => i.batch(school, conn, who, meta, rows, write, report).await,
        }
    }
}

impl School {
    /// Imports `table` as `kind`. `progress` is called after each batch with the rows read so
    /// far. On a commit, returns a report with `committed: true` only if everything was written.
    pub async fn import(
        &self,
        who: &Principal,
        kind: Dataset,
        table: TableReader,
        commit: bool,
        meta: &RequestMeta,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportReport, ImportError> {
        if !policy::role_allows(who.role, Access::Write) {
            return Err(ImportError::Forbidden);
        }
        let map = columns::ColumnMap::new(kind.columns(), &table.header).map_err(ImportError::Header)?;
        let importer = match kind {
            Dataset::Students => Importer::Students(students::StudentImport::new(map)),
            Dataset::Grades => Importer::Grades(grades::GradeImport::new(map)),
            Dataset::Attendance => Importer::Attendance(attendance::AttendanceImport::new(map)),
        };
        let mut report = ImportReport::new(kind, table.format);
        if !commit {
            self.run(&self.db, who, meta, importer, table, false, &mut report, progress)
                .await?;
            return Ok(report);
        }
        let txn = campus_db::begin_write(&self.db).await?;
        self.run(&txn, who, meta, importer, table, true, &mut report, progress)
            .await?;
        if report.errors_total > 0 {
            txn.rollback().await?;
            return Ok(report);
        }
        audit::record(
            &txn,
            meta,
            AuditEntry::new(match kind {
                Dataset::Students => "import.students",
                Dataset::Grades => "import.grades",
                Dataset::Attendance => "import.attendance",
            })
            .actor(Some(who.user_id))
            .after(json!({
                "format": report.format,
                "rows": report.rows,
                "new": report.new,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "parents_created": report.parents_created,
                "guardians_linked": report.guardians_linked,
            })),
        )
        .await?;
        txn.commit().await?;
        report.committed = true;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        conn: &(impl ConnectionTrait + TransactionTrait),
        who: &Principal,
        meta: &RequestMeta,
        mut importer: Importer,
        mut table: TableReader,
        write: bool,
        report: &mut ImportReport,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), ImportError> {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = table.next().await.transpose()?;
            let done = next.is_none();
            if let Some(row) = next {
                report.rows += 1;
                batch.push(row);
            }
            if batch.len() == BATCH || (done && !batch.is_empty()) {
                let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // After the first error a commit cannot succeed; keep validating without writing.
                let write = write && report.errors_total == 0;
                importer.batch(self, conn, who, meta, rows, write, report).await?;
                progress(report.rows);
            }
            if done {
                return Ok(());
            }
        }
    }
}

/// Dates as ISO `2015-04-03` (or `2015/04/03`); a spreadsheet date cell arrives in that form,
/// possibly with a midnight time.
pub(crate) fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    let date = text.split_once('T').map_or(text, |(d, _)| d);
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(date, "%Y/%m/%d"))
        .ok()
}

/// Text that starts with `=` would run as a formula when the data is exported and opened in a
/// spreadsheet; an import refuses it.
fn refuse_formula(c: &mut super::model::Checks, field: &'static str, value: Option<&str>) {
    if value.is_some_and(|v| v.starts_with('=')) {
        c.0.push(crate::validation::FieldIssue::new(
            field,
            "formula",
            "looks like a spreadsheet formula; enter the value itself",
        ));
    }
}

/// Student ids of the given roll numbers (unknown ones are absent).
async fn student_ids(
    conn: &impl ConnectionTrait,
    rolls: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, i64>, sea_orm::DbErr> {
    use campus_db::entities::students;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let rolls: Vec<String> = rolls.into_iter().collect();
    if rolls.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> = students::Entity::find()
        .select_only()
        .column(students::Column::Id)
        .column(students::Column::RollNumber)
        .filter(students::Column::RollNumber.is_in(rolls))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, roll)| (roll, id)).collect())
}

fn unknown_student(report: &mut ImportReport, row: usize, roll: &str) {
    report.fail_one(
        row,
        "roll_number",
        "not_found",
        format!("no student has roll number {roll}; import the students first"),
    );
}
