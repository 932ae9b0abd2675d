//! The reports service: prepares a document's data (or finds the stored report for the same
//! request and data), records a rendered report, reads reports under the rules of the records
//! they show, and answers the public verification page. Rendering and storing the PDF are the
//! caller's (campus-pdf on the blocking pool, the blob store): the domain keeps keys.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::{Value, json};

use campus_db::entities::reports;

use super::code::{self, CodeKey};
use super::data::check_params;
use super::error::ReportError;
use super::model::{Report, ReportData, ReportKind, ReportParams, ReportWithData, Verified};
use super::repo;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::digest::sha256_hex;
use crate::finance::Finance;
use crate::identity::Principal;
use crate::identity::roles::{RecordKeepers, RoleSet, SchoolStaff};
use crate::school::School;
use crate::school::policy::{self as school_policy, Access as SchoolAccess};

/// The reports service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Reports {
    pub(super) db: DatabaseConnection,
    pub(super) school: School,
    pub(super) finance: Finance,
    key: CodeKey,
}

/// A report to render: its data and where its PDF goes.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: ReportKind,
    pub student_id: i64,
    pub params: ReportParams,
    pub data: ReportData,
    /// The verification code (stored form; print `code::display` of it).
    pub code: String,
    /// Content-addressed: the same request and data always have the same key.
    pub blob_key: String,
    data_json: String,
    data_hash: String,
    params_key: String,
}

/// What `prepare` found: the stored report, or a draft to render and `record`.
#[derive(Debug, Clone)]
pub enum Prepared {
    Stored(Report),
    Fresh(Box<Draft>),
}

impl From<reports::Model> for Report {
    fn from(m: reports::Model) -> Self {
        Self {
            id: m.id,
            kind: ReportKind::parse(&m.kind).unwrap_or(ReportKind::Progress),
            student_id: m.student_id,
            params: serde_json::from_str(&m.params).unwrap_or_default(),
            verification_code: code::display(&m.code),
            blob_key: m.blob_key,
            size_bytes: m.size_bytes,
            batch_id: m.batch_id,
            created_by: m.created_by,
            generated_at: m.created_at,
        }
    }
}

impl Reports {
    /// `secret` is the server's signing secret; verification codes are keyed from it.
    pub fn new(db: DatabaseConnection, school: School, finance: Finance, secret: &[u8]) -> Self {
        Self {
            db,
            school,
            finance,
            key: CodeKey::derive(secret),
        }
    }

    /// Builds the data of a `kind` report on `student_id` as `who` sees it; if a report for
    /// the same request with the same data is stored, that one.
    pub async fn prepare(
        &self,
        who: &Principal,
        kind: ReportKind,
        student_id: i64,
        params: ReportParams,
        meta: &RequestMeta,
    ) -> Result<Prepared, ReportError> {
        let params = check_params(kind, params)?;
        if params.comment.is_some() && !RecordKeepers::contains(who.role) {
            return Err(crate::validation::FieldIssue::new(
                "comment",
                "not_allowed",
                "only teachers and administrators add a comment to a report",
            )
            .into());
        }
        let data = self.assemble(who, kind, student_id, &params, meta).await?;
        let data_json = serde_json::to_string(&data)?;
        let params_json = serde_json::to_string(&params)?;
        let params_key = sha256_hex(format!("{}\n{student_id}\n{params_json}", kind.as_str()).as_bytes());
        let data_hash = sha256_hex(data_json.as_bytes());
        if let Some(stored) = repo::find_same(&self.db, student_id, &params_key, &data_hash).await? {
            return Ok(Prepared::Stored(stored.into()));
        }
        let code = self.key.code(&params_key, &data_hash);
        let name = sha256_hex(format!("{params_key}\n{data_hash}").as_bytes());
        Ok(Prepared::Fresh(Box::new(Draft {
            kind,
            student_id,
            params,
            data,
            code,
            blob_key: format!("reports/{}/{name}.pdf", kind.as_str()),
            data_json,
            data_hash,
            params_key,
        })))
    }

    /// Records a rendered draft whose PDF (`size_bytes`) is stored under its key. The same
    /// draft recorded twice (two requests raced) answers the first row. `announce`: a new
    /// progress report tells the student's parents (staff-made and batch reports only, so a
    /// family cannot make the school email itself).
    #[allow(clippy::too_many_arguments)]
    pub async fn record(
        &self,
        created_by: Option<i64>,
        announce: bool,
        draft: &Draft,
        size_bytes: i64,
        batch_id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<Report, ReportError> {
        let txn = campus_db::begin_write(&self.db).await?;
        let inserted = reports::ActiveModel {
            kind: Set(draft.kind.as_str().to_owned()),
            student_id: Set(draft.student_id),
            params: Set(serde_json::to_string(&draft.params)?),
            params_key: Set(draft.params_key.clone()),
            data: Set(draft.data_json.clone()),
            data_hash: Set(draft.data_hash.clone()),
            code: Set(draft.code.clone()),
            blob_key: Set(draft.blob_key.clone()),
            size_bytes: Set(size_bytes),
            batch_id: Set(batch_id),
            created_by: Set(created_by),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let model = match inserted {
            Ok(m) => m,
            Err(e) if campus_db::constraint_violation(&e) == Some(campus_db::ConstraintKind::Unique) => {
                drop(txn);
                return repo::find_by_code(&self.db, &draft.code)
                    .await?
                    .map(Report::from)
                    .ok_or(ReportError::Db(e));
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &txn,
            meta,
            AuditEntry::new("report.generated")
                .actor(created_by)
                .target("report", model.id)
                .after(json!({"kind": model.kind, "student_id": model.student_id, "batch_id": batch_id})),
        )
        .await?;
        if announce
            && draft.kind == ReportKind::Progress
            && let Some(student) = crate::school::repo::student(&txn, draft.student_id).await?
        {
            let file_name = format!("{}-{}-{}.pdf", model.kind, model.student_id, model.id);
            crate::mail::alerts::report_card(
                &txn,
                &self.school.alerts,
                &student,
                model.id,
                (draft.blob_key.clone(), file_name),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(model.into())
    }

    /// Whether `who` may read `kind` reports on `student_id`: the rules of the records they
    /// show (school records, or the ledger).
    async fn check_read(
        &self,
        who: &Principal,
        kind: ReportKind,
        student_id: i64,
    ) -> Result<(), ReportError> {
        if kind.is_finance() {
            self.finance
                .check(who, student_id, crate::finance::policy::Access::Read)
                .await?;
        } else {
            school_policy::check_read(self.school.reads(), who, student_id, SchoolAccess::ReadProgress)
                .await?;
        }
        Ok(())
    }

    /// One report with the data it certified. Staff reads are audited.
    pub async fn report(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<ReportWithData, ReportError> {
        let model = repo::find(&self.db, id)
            .await?
            .ok_or(ReportError::NotFound("Report"))?;
        let report = Report::from(model.clone());
        self.check_read(who, report.kind, report.student_id)
            .await
            .map_err(|e| match e {
                ReportError::NotFound(_) => ReportError::NotFound("Report"),
                other => other,
            })?;
        if SchoolStaff::contains(who.role) {
            audit::record(
                &self.db,
                meta,
                AuditEntry::new("report.viewed")
                    .actor(Some(who.user_id))
                    .target("report", id),
            )
            .await?;
        }
        let data: Value = serde_json::from_str(&model.data)?;
        Ok(ReportWithData { report, data })
    }

    /// A student's reports that `who` may read, newest first.
    pub async fn list(&self, who: &Principal, student_id: i64) -> Result<Vec<Report>, ReportError> {
        let mut kinds = Vec::new();
        let mut refusal = None;
        for (finance, group) in [
            (
                false,
                [
                    ReportKind::Progress,
                    ReportKind::Achievement,
                    ReportKind::Transcript,
                ]
                .as_slice(),
            ),
            (true, [ReportKind::Statement, ReportKind::Receipt].as_slice()),
        ] {
            let probe = if finance {
                ReportKind::Statement
            } else {
                ReportKind::Progress
            };
            match self.check_read(who, probe, student_id).await {
                Ok(()) => kinds.extend(group.iter().map(|k| k.as_str())),
                Err(e) => refusal = Some(e),
            }
        }
        if kinds.is_empty() {
            return Err(refusal.unwrap_or(ReportError::Forbidden));
        }
        Ok(repo::of_student(&self.db, student_id, &kinds)
            .await?
            .into_iter()
            .map(Report::from)
            .collect())
    }

    /// Every stored report's PDF key (for `campus files check`).
    pub async fn blob_keys(&self) -> Result<Vec<String>, ReportError> {
        Ok(repo::blob_keys(&self.db).await?)
    }

    /// What the document with this code certified, for the public verification page; `None`
    /// for a code that is not one of ours.
    pub async fn verify(&self, text: &str) -> Result<Option<Verified>, ReportError> {
        let Some(code) = code::normalize(text) else {
            return Ok(None);
        };
        let Some(model) = repo::find_by_code(&self.db, &code).await? else {
            return Ok(None);
        };
        let kind = ReportKind::parse(&model.kind).map_err(|_| ReportError::NotFound("Report"))?;
        let data: Value = serde_json::from_str(&model.data)?;
        Ok(Some(Verified {
            kind,
            title: kind.title(),
            student_name: data["student"]["name"].as_str().unwrap_or_default().to_owned(),
            generated_at: model.created_at,
            figures: super::verify::figures(kind, &data),
        }))
    }
}
