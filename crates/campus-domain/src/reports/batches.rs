//! Report batches: one kind of report for every active student of a class level, rendered in
//! the background. Any instance's worker may claim a queued batch (`FOR UPDATE SKIP LOCKED`
//! on PostgreSQL/MySQL; SQLite's write transaction serialises claims) and holds it under a
//! lease it renews after every student; a worker that dies lets the lease run out and another
//! instance resumes after the last student counted. Reports already rendered for the same
//! data are found, not rendered again, so resuming repeats no work.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::{report_batches, students, users};

use super::error::ReportError;
use super::model::ReportKind;
use super::service::Reports;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::roles::{RecordKeepers, RoleSet};
use crate::identity::{Principal, Role};
use crate::validation::FieldIssue;

/// The most students one batch covers.
pub const MAX_BATCH_STUDENTS: usize = 2_000;
/// Claims after which a batch that keeps failing is given up.
const MAX_ATTEMPTS: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BatchStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl BatchStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => Self::Queued,
        }
    }
}

/// A batch and its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub id: i64,
    pub kind: ReportKind,
    pub class_level: i32,
    pub term: Option<String>,
    pub status: BatchStatus,
    pub total: i32,
    /// Students whose report is rendered (or was already stored).
    pub done: i32,
    /// Students whose report could not be rendered.
    pub failed: i32,
    pub last_error: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<report_batches::Model> for Batch {
    fn from(m: report_batches::Model) -> Self {
        Self {
            id: m.id,
            kind: ReportKind::parse(&m.kind).unwrap_or(ReportKind::Progress),
            class_level: m.class_level,
            term: m.term,
            status: BatchStatus::parse(&m.status),
            total: m.total,
            done: m.done,
            failed: m.failed,
            last_error: m.last_error,
            created_by: m.created_by,
            created_at: m.created_at,
            finished_at: m.finished_at,
        }
    }
}

/// A batch a worker holds: the students still to do, and whom it acts as.
#[derive(Debug, Clone)]
pub struct ClaimedBatch {
    /// The claim (the batch's `attempts` after claiming): progress is recorded only while no
    /// other instance has claimed the batch since.
    pub claim: i32,
    pub batch: Batch,
    /// Students not yet counted, in order.
    pub remaining: Vec<i64>,
    /// The batch's creator, with their current role: reports are built as they would see them.
    pub acting_as: Principal,
}

fn check_staff(who: &Principal) -> Result<(), ReportError> {
    if RecordKeepers::contains(who.role) {
        Ok(())
    } else {
        Err(ReportError::Forbidden)
    }
}

impl Reports {
    /// Active students of a class level, in id order (at most one more than the limit, so
    /// the caller can refuse an oversized class).
    pub async fn class_students(&self, class_level: i32) -> Result<Vec<i64>, ReportError> {
        Ok(students::Entity::find()
            .select_only()
            .column(students::Column::Id)
            .filter(students::Column::ClassLevel.eq(class_level))
            .filter(students::Column::Status.eq("active"))
            .order_by_asc(students::Column::Id)
            .limit(MAX_BATCH_STUDENTS as u64 + 1)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// Queues report cards of `kind` for a class. Teachers and administrators.
    pub async fn create_batch(
        &self,
        who: &Principal,
        kind: ReportKind,
        class_level: i32,
        term: Option<String>,
        meta: &RequestMeta,
    ) -> Result<Batch, ReportError> {
        check_staff(who)?;
        if kind.is_finance() {
            return Err(FieldIssue::new(
                "kind",
                "invalid_choice",
                "batches are for progress, achievement or transcript",
            )
            .into());
        }
        let params = super::data::check_params(
            kind,
            super::ReportParams {
                term,
                ..Default::default()
            },
        )?;
        let ids = self.class_students(class_level).await?;
        if ids.is_empty() {
            return Err(
                FieldIssue::new("class_level", "empty", "no active students in this class level").into(),
            );
        }
        if ids.len() > MAX_BATCH_STUDENTS {
            return Err(FieldIssue::new(
                "class_level",
                "too_many_students",
                format!("a batch covers at most {MAX_BATCH_STUDENTS} students"),
            )
            .into());
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let model = report_batches::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            class_level: Set(class_level),
            term: Set(params.term),
            status: Set(BatchStatus::Queued.as_str().to_owned()),
            student_ids: Set(serde_json::to_string(&ids)?),
            total: Set(i32::try_from(ids.len()).unwrap_or(i32::MAX)),
            created_by: Set(Some(who.user_id)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("report_batch.created")
                .actor(Some(who.user_id))
                .target("report_batch", model.id)
                .after(json!({"kind": kind.as_str(), "class_level": class_level, "total": model.total})),
        )
        .await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// A batch's progress. Teachers and administrators.
    pub async fn batch(&self, who: &Principal, id: i64) -> Result<Batch, ReportError> {
        check_staff(who)?;
        self.batch_model(id).await
    }

    /// Claims the oldest batch that is queued or whose worker's lease ran out, for
    /// `lease_ms`. `None` when there is nothing to do.
    pub async fn claim_batch(&self, now_ms: i64, lease_ms: i64) -> Result<Option<ClaimedBatch>, ReportError> {
        let txn = campus_db::begin_write(&self.db).await?;
        let claimable = Condition::any()
            .add(report_batches::Column::Status.eq("queued"))
            .add(
                Condition::all()
                    .add(report_batches::Column::Status.eq("running"))
                    .add(report_batches::Column::LeaseUntilMs.lt(now_ms)),
            );
        let mut q = report_batches::Entity::find()
            .filter(claimable)
            .order_by_asc(report_batches::Column::Id)
            .limit(1);
        if txn.get_database_backend() != DbBackend::Sqlite {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(model) = q.one(&txn).await? else {
            return Ok(None);
        };
        if model.attempts >= MAX_ATTEMPTS {
            report_batches::Entity::update_many()
                .col_expr(report_batches::Column::Status, Expr::value("failed"))
                .col_expr(
                    report_batches::Column::FinishedAt,
                    Expr::value(campus_db::utc_param(txn.get_database_backend(), Utc::now())),
                )
                .col_expr(
                    report_batches::Column::LastError,
                    Expr::value(format!("given up after {MAX_ATTEMPTS} attempts")),
                )
                .filter(report_batches::Column::Id.eq(model.id))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            return Ok(None);
        }
        report_batches::Entity::update_many()
            .col_expr(report_batches::Column::Status, Expr::value("running"))
            .col_expr(
                report_batches::Column::LeaseUntilMs,
                Expr::value(now_ms + lease_ms),
            )
            .col_expr(report_batches::Column::Attempts, Expr::value(model.attempts + 1))
            .filter(report_batches::Column::Id.eq(model.id))
            .exec(&txn)
            .await?;
        let creator = match model.created_by {
            Some(id) => users::Entity::find_by_id(id).one(&txn).await?,
            None => None,
        };
        txn.commit().await?;
        let ids: Vec<i64> = serde_json::from_str(&model.student_ids)?;
        let counted = usize::try_from(model.done + model.failed).unwrap_or(0);
        let acting_as = Principal {
            user_id: creator.as_ref().map_or(0, |u| u.id),
            // A creator who is gone or no longer staff can build nothing: every student fails
            // with "not allowed" and the batch records it.
            role: creator
                .filter(|u| u.is_active)
                .and_then(|u| Role::parse(&u.role))
                .unwrap_or(Role::User),
            jti: format!("report-batch-{}", model.id),
            expires_at: Utc::now() + chrono::Duration::milliseconds(lease_ms),
            family: None,
            web_session: None,
        };
        Ok(Some(ClaimedBatch {
            claim: model.attempts + 1,
            remaining: ids.into_iter().skip(counted).collect(),
            batch: model.into(),
            acting_as,
        }))
    }

    /// Counts one student of a claimed batch and renews the lease; `false` when the claim was
    /// lost (the lease ran out and another instance took the batch): the caller stops.
    pub async fn batch_step(
        &self,
        id: i64,
        claim: i32,
        ok: bool,
        error: Option<String>,
        lease_until_ms: i64,
    ) -> Result<bool, ReportError> {
        let column = if ok {
            report_batches::Column::Done
        } else {
            report_batches::Column::Failed
        };
        let mut update = report_batches::Entity::update_many()
            .col_expr(column, Expr::col(column).add(1))
            .col_expr(report_batches::Column::LeaseUntilMs, Expr::value(lease_until_ms));
        if let Some(e) = error {
            update = update.col_expr(report_batches::Column::LastError, Expr::value(e));
        }
        let counted = update
            .filter(report_batches::Column::Id.eq(id))
            .filter(report_batches::Column::Attempts.eq(claim))
            .filter(report_batches::Column::Status.eq("running"))
            .exec(&self.db)
            .await?;
        Ok(counted.rows_affected == 1)
    }

    /// Marks a claimed batch finished: `done` when every student has a report, else `failed`.
    pub async fn finish_batch(&self, id: i64, claim: i32) -> Result<Batch, ReportError> {
        let model = report_batches::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(ReportError::NotFound("Batch"))?;
        let status = if model.failed == 0 { "done" } else { "failed" };
        report_batches::Entity::update_many()
            .col_expr(report_batches::Column::Status, Expr::value(status))
            .col_expr(
                report_batches::Column::FinishedAt,
                Expr::value(campus_db::utc_param(self.db.get_database_backend(), Utc::now())),
            )
            .col_expr(
                report_batches::Column::LeaseUntilMs,
                Expr::value(Option::<i64>::None),
            )
            .filter(report_batches::Column::Id.eq(id))
            .filter(report_batches::Column::Attempts.eq(claim))
            .filter(report_batches::Column::Status.eq("running"))
            .exec(&self.db)
            .await?;
        self.batch_model(id).await
    }

    async fn batch_model(&self, id: i64) -> Result<Batch, ReportError> {
        report_batches::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(Batch::from)
            .ok_or(ReportError::NotFound("Batch"))
    }
}
