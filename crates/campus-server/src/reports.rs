//! The report pipeline every surface shares (v1, seed 003, the batch worker, the CLI): the
//! domain prepares the data (or finds the stored report), campus-pdf renders it on the
//! blocking pool under `reports.max_concurrent`, the blob store keeps the PDF under its
//! content-addressed key, and the domain records it. [`Pipeline`] holds what that takes, so
//! the server (in `AppState`) and the CLI (`campus reports`) run the same code. Also the
//! letterhead (read once at start-up) and signed links to a report's PDF.

use std::sync::Arc;

use axum::http::HeaderMap;
use campus_config::ReportSettings;
use campus_domain::RequestMeta;
use campus_domain::clock::SharedClock;
use campus_domain::identity::Principal;
use campus_domain::identity::roles::RoleSet as _;
use campus_domain::reports::{
    ClaimedBatch, Draft, Prepared, Report, ReportError, ReportKind, ReportParams, Reports, code,
};
use campus_pdf::{Letterhead, Logo, RenderError, Stamp, Template};
use campus_storage::{BlobKey, BlobStore, StorageError};

use crate::error::ApiError;
use crate::state::AppState;

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportFailure {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("rendering failed: {0}")]
    Render(#[from] RenderError),
    #[error("storing the report failed: {0}")]
    Storage(#[from] StorageError),
    #[error("the renderer stopped: {0}")]
    Stopped(String),
}

impl From<ReportFailure> for ApiError {
    fn from(err: ReportFailure) -> Self {
        match err {
            ReportFailure::Report(e) => e.into(),
            ReportFailure::Storage(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

/// A report, and whether this request rendered it.
#[derive(Debug)]
pub struct Generated {
    pub report: Report,
    pub new: bool,
}

/// Reads the letterhead from settings; an unreadable or unsupported logo stops start-up.
pub fn letterhead(settings: &ReportSettings) -> Result<Letterhead, String> {
    let logo = match &settings.logo_path {
        None => None,
        Some(path) => {
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "svg"))
                .ok_or_else(|| {
                    format!(
                        "reports.logo_path {}: must be a .png, .jpg or .svg file",
                        path.display()
                    )
                })?;
            let bytes =
                std::fs::read(path).map_err(|e| format!("reports.logo_path {}: {e}", path.display()))?;
            Some(Logo { bytes, extension })
        }
    };
    Ok(Letterhead {
        school_name: settings.school_name.clone(),
        school_address: settings.school_address.clone(),
        logo,
    })
}

fn template(kind: ReportKind) -> Template {
    match kind {
        ReportKind::Progress => Template::Progress,
        ReportKind::Achievement => Template::Achievement,
        ReportKind::Transcript => Template::Transcript,
        ReportKind::Statement => Template::Statement,
        ReportKind::Receipt => Template::Receipt,
    }
}

/// Everything producing a report takes: the domain service, the blob store, the letterhead,
/// the rendering bound and the clock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pipeline {
    reports: Reports,
    storage: BlobStore,
    letterhead: Arc<Letterhead>,
    /// Reports rendered at once (`reports.max_concurrent`).
    renders: Arc<tokio::sync::Semaphore>,
    clock: SharedClock,
}

impl Pipeline {
    pub fn new(
        reports: Reports,
        storage: BlobStore,
        letterhead: Letterhead,
        concurrency: usize,
        clock: SharedClock,
    ) -> Self {
        Self {
            reports,
            storage,
            letterhead: Arc::new(letterhead),
            renders: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            clock,
        }
    }

    /// The domain service.
    pub fn reports(&self) -> &Reports {
        &self.reports
    }

    /// Renders a draft to PDF bytes on the blocking pool, waiting for a rendering turn.
    async fn render(&self, draft: &Draft, verify_base: &str) -> Result<Vec<u8>, ReportFailure> {
        // The semaphore is never closed, so acquiring cannot fail.
        let _turn = self
            .renders
            .acquire()
            .await
            .map_err(|e| ReportFailure::Stopped(e.to_string()))?;
        let now = self.clock.now();
        let shown = code::display(&draft.code);
        let stamp = Stamp {
            title: draft.kind.title().to_owned(),
            generated_at: now.format("%Y-%m-%d %H:%M UTC").to_string(),
            today: now.date_naive(),
            verify_url: format!("{verify_base}/verify/{shown}"),
            verification_code: shown,
        };
        let letterhead = self.letterhead.clone();
        let kind = draft.kind;
        let data = draft.data.clone();
        tokio::task::spawn_blocking(move || campus_pdf::render(template(kind), &data, &letterhead, &stamp))
            .await
            .map_err(|e| ReportFailure::Stopped(e.to_string()))?
            .map_err(ReportFailure::from)
    }

    /// The stored report for this request and data, or a new one rendered, stored and
    /// recorded. `verify_base` is the scheme and host printed before `/verify/{code}`.
    #[allow(clippy::too_many_arguments)]
    pub async fn generate(
        &self,
        who: &Principal,
        kind: ReportKind,
        student_id: i64,
        params: ReportParams,
        batch_id: Option<i64>,
        verify_base: &str,
        meta: &RequestMeta,
    ) -> Result<Generated, ReportFailure> {
        let draft = match self.reports.prepare(who, kind, student_id, params, meta).await? {
            Prepared::Stored(report) => return Ok(Generated { report, new: false }),
            Prepared::Fresh(draft) => draft,
        };
        let pdf = self.render(&draft, verify_base).await?;
        let size = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
        let key = BlobKey::parse(&draft.blob_key)?;
        self.storage.put(&key, "application/pdf", pdf).await?;
        let report = self
            .reports
            .record(
                Some(who.user_id),
                campus_domain::identity::roles::RecordKeepers::contains(who.role),
                &draft,
                size,
                batch_id,
                meta,
            )
            .await?;
        Ok(Generated { report, new: true })
    }

    /// A stored report's PDF.
    pub async fn pdf(&self, report: &Report) -> Result<Vec<u8>, ReportFailure> {
        let key = BlobKey::parse(&report.blob_key)?;
        Ok(self.blob_bytes(&key).await?)
    }

    /// A stored file, read whole (report PDFs and email attachments are small).
    pub async fn blob_bytes(&self, key: &BlobKey) -> Result<Vec<u8>, StorageError> {
        let blob = self.storage.get(key).await?;
        let mut bytes = Vec::with_capacity(usize::try_from(blob.size).unwrap_or(0));
        let mut stream = blob.stream;
        while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
            bytes.extend_from_slice(&chunk?);
        }
        Ok(bytes)
    }

    /// Renders one claimed batch student by student, renewing the lease after each;
    /// `on_step` hears of each student (the CLI's progress bar). Returns the finished batch.
    pub async fn run_batch(
        &self,
        claimed: ClaimedBatch,
        lease_ms: i64,
        verify_base: &str,
        mut on_step: impl FnMut(i64, &Result<Generated, ReportFailure>),
    ) -> Result<campus_domain::reports::Batch, ReportError> {
        let batch = &claimed.batch;
        let params = ReportParams {
            term: batch.term.clone(),
            ..Default::default()
        };
        let meta = RequestMeta {
            request_id: Some(format!("report-batch-{}", batch.id)),
            ..Default::default()
        };
        for student_id in &claimed.remaining {
            let outcome = self
                .generate(
                    &claimed.acting_as,
                    batch.kind,
                    *student_id,
                    params.clone(),
                    Some(batch.id),
                    verify_base,
                    &meta,
                )
                .await;
            on_step(*student_id, &outcome);
            let error = outcome.as_ref().err().map(|e| {
                tracing::warn!(batch = batch.id, student_id, error = %e, "a batch report failed");
                format!("student {student_id}: {e}")
            });
            let lease_until = self.clock.now().timestamp_millis().saturating_add(lease_ms);
            if !self
                .reports
                .batch_step(batch.id, claimed.claim, outcome.is_ok(), error, lease_until)
                .await?
            {
                tracing::warn!(
                    batch = batch.id,
                    "another instance took this report batch over; stopping"
                );
                return self.reports.batch(&claimed.acting_as, batch.id).await;
            }
        }
        let finished = self.reports.finish_batch(batch.id, claimed.claim).await?;
        tracing::info!(
            batch = batch.id,
            done = finished.done,
            failed = finished.failed,
            "report batch finished"
        );
        Ok(finished)
    }
}

/// The file name a report downloads as.
pub fn file_name(report: &Report) -> String {
    format!("{}-{}-{}.pdf", report.kind.as_str(), report.student_id, report.id)
}

/// A fresh signed link to a report's PDF (absolute), or an error if storage cannot make one.
pub async fn pdf_link(state: &AppState, headers: &HeaderMap, report: &Report) -> Result<String, ApiError> {
    let key = BlobKey::parse(&report.blob_key)?;
    let link = state
        .storage()
        .download_link(
            &key,
            "application/pdf",
            &file_name(report),
            state.clock().now().timestamp(),
        )
        .await?;
    Ok(crate::files::absolute(state, headers, link))
}

/// Where this server's verification page is, as printed on reports: `reports.public_url`,
/// else the configured listen address — never a request's `Host` header, which a client
/// chooses and which would be printed on a stored report shown to others.
pub fn configured_base(s: &campus_config::Settings) -> String {
    match &s.reports.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}:{}", s.server.host, s.server.port),
    }
}

/// A batch's lease in milliseconds (`reports.batch_lease_secs`).
pub fn lease_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings().reports.batch_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Renders one claimed batch (the worker's step; tests drive it directly).
pub async fn run_batch(state: &AppState, claimed: ClaimedBatch) -> Result<(), ReportError> {
    let base = configured_base(state.settings());
    state
        .report_pipeline()
        .run_batch(claimed, lease_ms(state), &base, |_, _| {})
        .await
        .map(|_| ())
}

/// Every `reports.batch_poll_secs`, claims a batch and renders it (runs on every instance).
pub async fn batch_worker(state: AppState) {
    let every = std::time::Duration::from_secs(state.settings().reports.batch_poll_secs);
    let lease_ms =
        i64::try_from(state.settings().reports.batch_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Drain: one batch after another while there are any.
        loop {
            let now_ms = state.clock().now().timestamp_millis();
            match state.reports().claim_batch(now_ms, lease_ms).await {
                Ok(Some(claimed)) => {
                    if let Err(e) = run_batch(&state, claimed).await {
                        tracing::warn!(error = %e, "a report batch stopped; its lease will run out and it resumes");
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a report batch failed");
                    break;
                }
            }
        }
    }
}
