//! Attendance: one mark per student per date (re-marking updates it, audited), summaries
//! with the configured codes, and bulk marking of a class in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::attendance;

use super::error::SchoolError;
use super::model::Checks;
use super::policy::{self, Access};
use super::repo;
use super::service::School;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::retry::retry_transient;
use crate::validation::FieldIssue;

/// A recorded mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceRecord {
    pub id: i64,
    pub student_id: i64,
    pub date: NaiveDate,
    pub status: String,
    pub note: Option<String>,
    pub marked_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<attendance::Model> for AttendanceRecord {
    fn from(m: attendance::Model) -> Self {
        Self {
            id: m.id,
            student_id: m.student_id,
            date: m.date,
            status: m.status,
            note: m.note,
            marked_by: m.marked_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One mark to record.
#[derive(Debug, Clone, Default)]
pub struct AttendanceMark {
    pub date: Option<NaiveDate>,
    pub status: String,
    pub note: Option<String>,
}

/// One student's mark in a bulk request.
#[derive(Debug, Clone)]
pub struct BulkMark {
    pub student_id: i64,
    pub status: String,
    pub note: Option<String>,
}

/// Counts per code and the attendance rate (codes that count as present / all marks).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceSummary {
    pub counts: BTreeMap<String, u64>,
    pub total: u64,
    /// Percentage, 2 dp; 0.0 with no marks.
    pub attendance_rate: f64,
}

impl School {
    pub(super) fn checked_code(&self, c: &mut Checks, status: &str) -> String {
        match self.attendance_code(status) {
            Some(code) => code.code.clone(),
            None => {
                let allowed: Vec<&str> = self
                    .settings
                    .attendance_codes
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect();
                c.0.push(FieldIssue::new(
                    "status",
                    "invalid_choice",
                    format!("must be one of: {}", allowed.join(", ")),
                ));
                String::new()
            }
        }
    }

    /// Records or re-records a mark. Returns the record and whether it was new.
    pub async fn mark_attendance(
        &self,
        who: &Principal,
        student_id: i64,
        mark: AttendanceMark,
        meta: &RequestMeta,
    ) -> Result<(AttendanceRecord, bool), SchoolError> {
        policy::check(&self.db, who, student_id, Access::Write).await?;
        let mut c = Checks::default();
        let status = self.checked_code(&mut c, &mark.status);
        let note = c.text("note", mark.note, 500);
        c.finish()?;
        let date = mark.date.unwrap_or_else(|| Utc::now().date_naive());
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let result = upsert(&txn, who, student_id, date, status.clone(), note.clone(), meta).await?;
            self.alert_absence(&txn, student_id, date, &status).await?;
            txn.commit().await?;
            Ok(result)
        })
        .await
    }

    /// Marks many students of one date in one transaction: all or nothing.
    pub async fn mark_bulk(
        &self,
        who: &Principal,
        date: NaiveDate,
        marks: Vec<BulkMark>,
        meta: &RequestMeta,
    ) -> Result<Vec<AttendanceRecord>, SchoolError> {
        if !policy::role_allows(who.role, Access::Write) {
            return Err(SchoolError::Forbidden);
        }
        if marks.is_empty() || marks.len() > 1000 {
            return Err(SchoolError::invalid(
                "marks",
                "out_of_range",
                "give between 1 and 1000 marks",
            ));
        }
        let mut c = Checks::default();
        let mut checked = Vec::with_capacity(marks.len());
        for m in marks {
            let status = self.checked_code(&mut c, &m.status);
            let note = c.text("note", m.note, 500);
            checked.push((m.student_id, status, note));
        }
        c.finish()?;
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let mut out = Vec::with_capacity(checked.len());
            for (student_id, status, note) in &checked {
                policy::check(&txn, who, *student_id, Access::Write).await?;
                out.push(
                    upsert(&txn, who, *student_id, date, status.clone(), note.clone(), meta)
                        .await?
                        .0,
                );
                self.alert_absence(&txn, *student_id, date, status).await?;
            }
            txn.commit().await?;
            Ok(out)
        })
        .await
    }

    /// The marks of a class's students on one date, for staff taking attendance (the form
    /// shows what was saved). At most 1,000 students, as a bulk mark.
    pub async fn marks_on(
        &self,
        who: &Principal,
        date: NaiveDate,
        student_ids: &[i64],
    ) -> Result<Vec<AttendanceRecord>, SchoolError> {
        if !policy::role_allows(who.role, Access::Write) {
            return Err(SchoolError::Forbidden);
        }
        if student_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(student_ids.len());
        for chunk in student_ids.chunks(500) {
            out.extend(
                repo::attendance_on(&self.db, chunk, date)
                    .await?
                    .into_iter()
                    .map(Into::into),
            );
        }
        Ok(out)
    }

    /// Marks in a date range (inclusive) and their summary.
    pub async fn attendance(
        &self,
        who: &Principal,
        student_id: i64,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(Vec<AttendanceRecord>, AttendanceSummary), SchoolError> {
        policy::check_read(self.reads(), who, student_id, Access::ReadProgress).await?;
        let rows: Vec<AttendanceRecord> = repo::attendance_of(self.reads(), student_id, from, to)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let summary = self.summarize(&rows);
        Ok((rows, summary))
    }

    fn summarize(&self, rows: &[AttendanceRecord]) -> AttendanceSummary {
        let mut counts: BTreeMap<String, u64> = self
            .settings
            .attendance_codes
            .iter()
            .map(|c| (c.code.to_lowercase(), 0))
            .collect();
        let mut present = 0u64;
        for r in rows {
            *counts.entry(r.status.to_lowercase()).or_default() += 1;
            if self
                .attendance_code(&r.status)
                .is_some_and(|c| c.counts_as_present)
            {
                present += 1;
            }
        }
        let total = rows.len() as u64;
        let rate = if total == 0 {
            0.0
        } else {
            (present as f64 * 10_000.0 / total as f64).round() / 100.0
        };
        AttendanceSummary {
            counts,
            total,
            attendance_rate: rate,
        }
    }
}

async fn upsert(
    txn: &DatabaseTransaction,
    who: &Principal,
    student_id: i64,
    date: NaiveDate,
    status: String,
    note: Option<String>,
    meta: &RequestMeta,
) -> Result<(AttendanceRecord, bool), SchoolError> {
    // Two attempts: if a concurrent request inserts the same (student, date) between our read
    // and our insert, the unique index refuses ours and the second pass updates theirs.
    for _ in 0..2 {
        let now = Utc::now();
        let mut find = attendance::Entity::find()
            .filter(attendance::Column::StudentId.eq(student_id))
            .filter(attendance::Column::Date.eq(date));
        if txn.get_database_backend() != DbBackend::Sqlite {
            // A locking read sees rows committed after this transaction's snapshot.
            find = find.lock_exclusive();
        }
        if let Some(model) = find.one(txn).await? {
            let before = AttendanceRecord::from(model.clone());
            let mut a = model.into_active_model();
            a.status = Set(status);
            a.note = Set(note);
            a.marked_by = Set(Some(who.user_id));
            a.updated_at = Set(Some(now));
            let after = AttendanceRecord::from(a.update(txn).await?);
            audit::record(
                txn,
                meta,
                AuditEntry::new("attendance.remarked")
                    .actor(Some(who.user_id))
                    .target("attendance", after.id)
                    .before(json!(before))
                    .after(json!(after)),
            )
            .await?;
            return Ok((after, false));
        }
        // A savepoint, so a refused insert does not abort the whole transaction.
        let savepoint = txn.begin().await?;
        let inserted = attendance::ActiveModel {
            student_id: Set(student_id),
            date: Set(date),
            status: Set(status.clone()),
            note: Set(note.clone()),
            marked_by: Set(Some(who.user_id)),
            created_at: Set(now),
            updated_at: Set(None),
            ..Default::default()
        }
        .insert(&savepoint)
        .await;
        match inserted {
            Ok(record) => {
                savepoint.commit().await?;
                return Ok((record.into(), true));
            }
            Err(e) if campus_db::constraint_violation(&e) == Some(campus_db::ConstraintKind::Unique) => {
                savepoint.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(SchoolError::Conflict(
        "The attendance mark changed concurrently; try again.",
    ))
}
