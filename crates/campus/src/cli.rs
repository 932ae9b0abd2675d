//! Command-line interface: `campus serve | migrate | config | openapi`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use campus_config::{Overrides, Settings};
use campus_db::Migrator;
use campus_server::Application;
use clap::{Args, Parser, Subcommand};
use sea_orm_migration::MigratorTrait;

/// Campus: one server for a school's student data and the apps around it.
#[derive(Debug, Parser)]
#[command(name = "campus", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Configuration file (TOML). Default: ./campus.toml when it exists.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Data directory for the SQLite database, signing key and local files.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH, postgres://... or mysql://...
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP (the default when no command is given).
    Serve(ServeArgs),
    /// Apply, revert or inspect database migrations.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Print the effective configuration as JSON, with every secret redacted.
    Config,
    /// Print the OpenAPI 3.1 document of the canonical API.
    Openapi,
    /// Load demo data or generate a large synthetic school.
    Seed(crate::seed_cmd::SeedArgs),
    /// Import students, grades or attendance from CSV or XLSX (a dry run unless --commit).
    Import(crate::transfer_cmd::ImportArgs),
    /// Export students, grades or attendance as CSV, XLSX or JSON.
    Export(crate::transfer_cmd::ExportArgs),
    /// Finance checks: `campus finance verify` proves every balance equals its ledger sum.
    #[command(subcommand)]
    Finance(FinanceCommand),
    /// Create, list, change and deactivate user accounts.
    #[command(subcommand)]
    User(crate::user_cmd::UserCommand),
    /// The audit trail's hash chain: `campus audit verify` seals and checks it.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// File storage checks: `campus files check` finds missing and orphaned files.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Parking (MemoPark): `campus parking list WHO` is an administrator's audited read.
    #[command(subcommand)]
    Parking(crate::parking_cmd::ParkingCommand),
    /// Reports: `campus reports report-cards --class-level N` renders a class's report cards.
    #[command(subcommand)]
    Reports(crate::reports_cmd::ReportsCommand),
    /// Backups of every table and stored file: create, verify, restore.
    #[command(subcommand)]
    Backup(crate::backup_cmd::BackupCommand),
}

#[derive(Debug, Subcommand)]
enum FilesCommand {
    /// Check that every file a record refers to exists in the store, and list the stored
    /// files no record refers to; exits non-zero when a file is missing.
    Check,
}

#[derive(Debug, Subcommand)]
enum FinanceCommand {
    /// Compare every student's running balance with the sum of their ledger entries; exits
    /// non-zero and lists the students that differ.
    Verify,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Seal what is unsealed, then walk the chain: exits non-zero and names the first broken
    /// link if an entry was changed, removed or inserted; prints the head to notarise.
    Verify,
}

#[derive(Debug, Args, Default)]
struct ServeArgs {
    /// Address to bind (default 127.0.0.1).
    #[arg(long)]
    host: Option<String>,
    /// Port to bind (default 5000; 0 picks a free port).
    #[arg(long)]
    port: Option<u16>,
}

#[derive(Debug, Subcommand)]
enum MigrateCommand {
    /// Apply pending migrations (all, or --steps N).
    Up {
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Revert the last applied migrations (--steps N, default 1).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied.
    Status,
    /// Drop every table and re-apply all migrations. Destroys all data; needs --yes.
    Fresh {
        /// Confirm that all data in the database may be destroyed.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let serve_args = match &cli.command {
        Some(Command::Serve(args)) => Some(args),
        None => None,
        Some(_) => None,
    };
    let overrides = Overrides {
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
        host: serve_args.and_then(|a| a.host.clone()),
        port: serve_args.and_then(|a| a.port),
    };
    let settings = Settings::load(cli.global.config.as_deref(), &overrides)?;
    match cli.command {
        None | Some(Command::Serve(_)) => serve(settings).await,
        Some(Command::Migrate(cmd)) => migrate(settings, cmd).await,
        Some(Command::Config) => {
            println!("{}", serde_json::to_string_pretty(&settings.redacted())?);
            Ok(())
        }
        Some(Command::User(cmd)) => crate::user_cmd::run(&settings, cmd).await,
        Some(Command::Seed(args)) => crate::seed_cmd::run(&settings, args).await,
        Some(Command::Finance(FinanceCommand::Verify)) => {
            let finance = crate::services::open(&settings, true).await?.finance;
            let bad = finance.verify().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if bad.is_empty() {
                println!("ledger consistent: every balance equals its ledger sum");
                return Ok(());
            }
            for (student, balance, sum) in &bad {
                println!("student {student}: balance {balance} cents, ledger sum {sum} cents");
            }
            bail!("{} students' balances differ from their ledgers", bad.len())
        }
        Some(Command::Files(FilesCommand::Check)) => files_check(&settings).await,
        Some(Command::Audit(AuditCommand::Verify)) => audit_verify(&settings).await,
        Some(Command::Parking(cmd)) => crate::parking_cmd::run(&settings, cmd).await,
        Some(Command::Reports(cmd)) => crate::reports_cmd::run(&settings, cmd).await,
        Some(Command::Backup(cmd)) => crate::backup_cmd::run(&settings, cmd).await,
        Some(Command::Import(args)) => crate::transfer_cmd::import(&settings, args).await,
        Some(Command::Export(args)) => crate::transfer_cmd::export(&settings, args).await,
        Some(Command::Openapi) => {
            println!("{}", campus_server::openapi::spec().to_pretty_json()?);
            Ok(())
        }
    }
}

/// `campus audit verify`: seal, then check every link of the audit chain.
async fn audit_verify(settings: &Settings) -> anyhow::Result<()> {
    let audit = crate::services::open(settings, true).await?.audit;
    let sealed = audit.seal().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    match audit.verify().await.map_err(|e| anyhow::anyhow!("{e}"))? {
        campus_domain::audit::Verdict::Intact { sealed: total, head } => {
            println!("audit chain intact: {total} entries ({sealed} sealed now); head {head}");
            Ok(())
        }
        campus_domain::audit::Verdict::Broken {
            seal_seq,
            entry_id,
            reason,
        } => {
            let entry = entry_id.map_or_else(String::new, |id| format!(" (audit entry {id})"));
            bail!("audit chain broken at link {seal_seq}{entry}: {reason}")
        }
    }
}

/// `campus files check`: referenced keys against stored ones.
async fn files_check(settings: &Settings) -> anyhow::Result<()> {
    let services = crate::services::open(settings, true).await?;
    let referenced: std::collections::BTreeSet<String> = services
        .parking
        .photo_keys()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .collect();
    let mut referenced = referenced;
    referenced.extend(
        services
            .reports
            .blob_keys()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let stored: std::collections::BTreeSet<String> = services
        .storage
        .list(None)
        .await?
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let missing: Vec<&String> = referenced.difference(&stored).collect();
    let orphans: Vec<&String> = stored.difference(&referenced).collect();
    for key in &orphans {
        println!("orphan (stored, no record refers to it): {key}");
    }
    for key in &missing {
        println!("missing (a record refers to it, not stored): {key}");
    }
    println!(
        "{} files referenced, {} stored, {} missing, {} orphaned",
        referenced.len(),
        stored.len(),
        missing.len(),
        orphans.len()
    );
    if missing.is_empty() {
        Ok(())
    } else {
        bail!("{} referenced files are missing from the store", missing.len())
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let _log = campus_server::logging::init(&settings.log);
    let url = settings.database_url();
    let app = Application::build(settings).await?;
    tracing::info!(
        "Campus listening on http://{} (database: {} {})",
        app.local_addr(),
        url.backend(),
        url.redacted()
    );
    app.run_until_stopped()
        .await
        .context("server stopped with an error")?;
    tracing::info!("Campus stopped");
    Ok(())
}

async fn migrate(settings: Settings, command: MigrateCommand) -> anyhow::Result<()> {
    let url = settings.database_url();
    let db = campus_db::connect(&url, &settings.database).await?;
    match command {
        MigrateCommand::Up { steps } => {
            Migrator::up(&db, steps).await.context("applying migrations")?;
            print_status(&db).await
        }
        MigrateCommand::Down { steps } => {
            Migrator::down(&db, Some(steps))
                .await
                .context("reverting migrations")?;
            print_status(&db).await
        }
        MigrateCommand::Status => print_status(&db).await,
        MigrateCommand::Fresh { yes } => {
            if !yes {
                bail!(
                    "`campus migrate fresh` drops every table in {}; run it again with --yes to confirm",
                    url.redacted()
                );
            }
            Migrator::fresh(&db).await.context("recreating the schema")?;
            print_status(&db).await
        }
    }
}

async fn print_status(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let states = campus_db::migration_states(db)
        .await
        .context("reading migration status")?;
    if states.is_empty() {
        println!("no migrations defined");
    }
    for state in states {
        println!(
            "{:<9} {}",
            if state.applied { "applied" } else { "pending" },
            state.name
        );
    }
    Ok(())
}
