//! `campus import KIND FILE` and `campus export DATASET`: the command-line side of CSV/XLSX
//! imports (streamed, with a progress bar) and CSV/XLSX/JSON exports.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use campus_config::Settings;
use campus_domain::RequestMeta;
use campus_domain::identity::repo::UserFilter;
use campus_domain::identity::{Identity, Principal, Role};
use campus_domain::pagination::PageRequest;
use campus_domain::school::export::{self, Dataset, ExportError};
use campus_domain::school::import::ImportReport;
use campus_domain::school::{StudentFilter, StudentStatus};
use campus_tabular::{CsvWriter, Format, Input, Limits, TableReader, XlsxWriter};
use clap::Args;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// students, grades or attendance.
    kind: String,
    /// A CSV (UTF-8) or XLSX file; the first sheet of a workbook is read.
    file: PathBuf,
    /// Apply the file: every row, or nothing if any row has an error. Without it the import is
    /// a dry run that prints what would change.
    #[arg(long)]
    commit: bool,
    /// The admin or teacher account (username or email) the import is recorded as. Default: the
    /// first administrator.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// students, grades or attendance.
    dataset: String,
    /// csv, xlsx or json.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Where to write; default standard output (not for xlsx).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long)]
    class_level: Option<i32>,
    #[arg(long)]
    section: Option<String>,
    /// active, graduated or withdrawn.
    #[arg(long)]
    status: Option<String>,
    /// The account (username or email) the export is made as. Default: the first administrator.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
}

/// The operator acts as a named account, or the first active administrator.
pub(crate) async fn operator(identity: &Identity, as_user: Option<&str>) -> anyhow::Result<Principal> {
    let user = match as_user {
        Some(who) => identity
            .find_by_identifier(who)
            .await?
            .ok_or_else(|| anyhow!("no user `{who}`"))?,
        None => {
            let admins = UserFilter {
                role: Some(Role::Admin),
                active: Some(true),
                search: None,
            };
            let first = PageRequest {
                limit: 1,
                after_id: None,
            };
            identity
                .list_users(&admins, first)
                .await?
                .items
                .into_iter()
                .next()
                .ok_or_else(|| {
                    anyhow!(
                        "no administrator exists; create one (campus user create --role admin) or pass --as USER"
                    )
                })?
        }
    };
    if !user.is_active {
        bail!("the account `{}` is deactivated", user.id);
    }
    Ok(Principal::acting_as(user.id, user.role))
}

pub async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let kind = Dataset::parse(&args.kind).ok_or_else(|| {
        anyhow!(
            "unknown import `{}`; choose students, grades or attendance",
            args.kind
        )
    })?;
    let services = crate::services::open(settings, true).await?;
    let who = operator(&services.identity, args.as_user.as_deref()).await?;
    let limits = Limits {
        max_rows: settings.school.import.max_rows,
        max_expanded_bytes: settings.school.import.max_expanded_bytes,
        ..Limits::default()
    };
    let table = TableReader::open(Input::Path(args.file.clone()), limits)
        .await
        .with_context(|| format!("reading {}", args.file.display()))?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} rows read ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let school = services.school;
    let meta = RequestMeta::default();
    let report = school
        .import(&who, kind, table, args.commit, &meta, &|n| bar.set_position(n))
        .await;
    bar.finish_and_clear();
    let report = report.map_err(|e| anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, args.commit);
    }
    if report.errors_total > 0 {
        bail!("{} rows have errors; nothing was written", report.errors_total);
    }
    Ok(())
}

fn print_report(r: &ImportReport, commit: bool) {
    let mode = if r.committed { "imported" } else { "dry run" };
    println!(
        "{mode}: {} rows: {} new, {} updated, {} unchanged, {} with errors",
        r.rows, r.new, r.updated, r.unchanged, r.errors_total
    );
    if r.parents_created + r.guardians_linked > 0 {
        println!(
            "guardians: {} parent accounts created, {} parent links",
            r.parents_created, r.guardians_linked
        );
        if r.parents_created > 0 && r.committed {
            println!("new parent accounts have no password; set one with `campus user set-password EMAIL`");
        }
    }
    for e in &r.errors {
        println!("row {:>7}  {:<16} {}", e.row, e.field.unwrap_or("-"), e.message);
    }
    if r.details_truncated {
        println!(
            "(only the first {} details are listed)",
            r.errors.len().max(r.changes.len())
        );
    }
    if !commit && r.errors_total == 0 {
        println!("nothing was written; run again with --commit to apply");
    }
}

pub async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let dataset = Dataset::parse(&args.dataset).ok_or_else(|| {
        anyhow!(
            "unknown dataset `{}`; choose students, grades or attendance",
            args.dataset
        )
    })?;
    let status = match args.status.as_deref() {
        None => None,
        Some(s) => Some(
            StudentStatus::parse(s)
                .ok_or_else(|| anyhow!("--status must be active, graduated or withdrawn"))?,
        ),
    };
    let filter = StudentFilter {
        class_level: args.class_level,
        section: args.section,
        status,
        name: None,
    };
    let services = crate::services::open(settings, true).await?;
    let who = operator(&services.identity, args.as_user.as_deref()).await?;
    let school = services.school;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None if args.format == "xlsx" => bail!("xlsx needs --output FILE"),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let count = match args.format.as_str() {
        "json" => {
            let header = dataset.header();
            write!(out, "{{\"{}\":[", dataset.as_str())?;
            let mut n = 0u64;
            let count = school
                .export(&who, dataset, &filter, |cells| {
                    n += 1;
                    if n == 1 {
                        return Ok(());
                    }
                    let sep = if n == 2 { "\n" } else { ",\n" };
                    write!(out, "{sep}{}", export::json_object(header, cells))
                })
                .await
                .map_err(export_error)?;
            writeln!(out, "\n]}}")?;
            count
        }
        other => match Format::parse(other) {
            Some(Format::Csv) => {
                let mut w = CsvWriter::new(&mut out);
                let count = school
                    .export(&who, dataset, &filter, |cells| w.write_row(&cells))
                    .await
                    .map_err(export_error)?;
                w.finish()?;
                count
            }
            Some(Format::Xlsx) => {
                let mut w = XlsxWriter::new(dataset.as_str())?;
                let count = school
                    .export(&who, dataset, &filter, |cells| w.write_row(&cells))
                    .await
                    .map_err(export_error)?;
                out.write_all(&w.finish()?)?;
                count
            }
            None => bail!("--format must be csv, xlsx or json"),
        },
    };
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!("exported {count} {} rows to {}", dataset.as_str(), path.display());
    }
    Ok(())
}

fn export_error<E: std::fmt::Display>(e: ExportError<E>) -> anyhow::Error {
    anyhow!("{e}")
}
