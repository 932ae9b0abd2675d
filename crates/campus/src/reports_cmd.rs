//! `campus reports report-cards`: renders a report for every active student of a class level
//! and writes one PDF per student, with a progress bar. The same pipeline as the API (the
//! stored report is reused when the data has not changed), acting as an administrator or
//! teacher so the same access rules and audit apply.

use std::path::PathBuf;

use anyhow::{Context, bail};
use campus_config::Settings;
use campus_domain::RequestMeta;
use campus_domain::reports::{MAX_BATCH_STUDENTS, ReportKind, ReportParams};
use campus_server::reports::{Pipeline, file_name, letterhead};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Render a report (a report card by default) for every active student of a class level.
    ReportCards(ReportCardsArgs),
}

#[derive(Debug, Args)]
pub struct ReportCardsArgs {
    /// The class level (0–13).
    #[arg(long)]
    class_level: i32,
    /// The term (progress reports); default: all terms.
    #[arg(long)]
    term: Option<String>,
    /// progress (default), achievement or transcript.
    #[arg(long, default_value = "progress")]
    kind: String,
    /// Where the PDFs are written (created if missing).
    #[arg(long, default_value = "report-cards")]
    out: PathBuf,
    /// The teacher or administrator (username or email) the reports are made as. Default:
    /// the first administrator.
    #[arg(long = "as", value_name = "STAFF")]
    as_user: Option<String>,
}

pub async fn run(settings: &Settings, command: ReportsCommand) -> anyhow::Result<()> {
    let ReportsCommand::ReportCards(args) = command;
    let kind = ReportKind::parse(&args.kind).map_err(|issue| anyhow::anyhow!("--kind {}", issue.message))?;
    if kind.is_finance() {
        bail!("--kind must be progress, achievement or transcript");
    }
    let services = crate::services::open(settings, true).await?;
    let staff = crate::transfer_cmd::operator(&services.identity, args.as_user.as_deref()).await?;
    let head = letterhead(&settings.reports).map_err(|e| anyhow::anyhow!(e))?;
    let pipeline = Pipeline::new(
        services.reports.clone(),
        services.storage.clone(),
        head,
        settings.reports.concurrency(),
        std::sync::Arc::new(campus_domain::clock::SystemClock),
    );
    let students = services
        .reports
        .class_students(args.class_level)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if students.is_empty() {
        bail!("no active students in class level {}", args.class_level);
    }
    if students.len() > MAX_BATCH_STUDENTS {
        bail!(
            "class level {} has more than {MAX_BATCH_STUDENTS} students",
            args.class_level
        );
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let base = campus_server::reports::configured_base(settings);
    let meta = RequestMeta {
        user_agent: Some("campus cli".to_owned()),
        ..RequestMeta::default()
    };
    let bar = indicatif::ProgressBar::new(students.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} reports ({per_sec}) {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut written, mut failed) = (0usize, Vec::new());
    for student_id in students {
        let params = ReportParams {
            term: args.term.clone(),
            ..ReportParams::default()
        };
        match pipeline
            .generate(&staff, kind, student_id, params, None, &base, &meta)
            .await
        {
            Ok(generated) => {
                let pdf = pipeline.pdf(&generated.report).await?;
                let path = args.out.join(file_name(&generated.report));
                std::fs::write(&path, pdf).with_context(|| format!("writing {}", path.display()))?;
                written += 1;
            }
            Err(e) => failed.push(format!("student {student_id}: {e}")),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for f in &failed {
        eprintln!("{f}");
    }
    println!("{written} reports written to {}", args.out.display());
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("{} reports could not be rendered", failed.len())
    }
}
