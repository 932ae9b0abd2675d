//! `campus backup create | verify | restore`: the database's every table and the file store's
//! every file, in a directory (layout and guarantees: `campus_server::backup`, docs/OPERATIONS.md).

use std::path::PathBuf;

use anyhow::Context;
use campus_config::Settings;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up every table (one consistent snapshot, safe while serving) and every stored file.
    Create {
        /// A new or empty directory. Default: DATA_DIR/backups/campus-<UTC time>.
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
    /// Check a backup's manifest and the hash of every part, without restoring it.
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Restore a backup into an empty database (migrated first) and the configured file store:
    /// every row in one transaction, or none.
    Restore {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

pub async fn run(settings: &Settings, command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Create { to } => {
            let dir = to.unwrap_or_else(|| {
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                settings.data_dir.join("backups").join(format!("campus-{stamp}"))
            });
            let (db, store) = crate::services::storage(settings).await?;
            let manifest = campus_server::backup::create(&db, &store, &dir)
                .await
                .with_context(|| format!("backing up into {}", dir.display()))?;
            summarise("backed up", &manifest);
            println!("backup: {}", dir.display());
            Ok(())
        }
        BackupCommand::Verify { dir } => {
            let manifest = campus_server::backup::verify(&dir)?;
            summarise("intact:", &manifest);
            Ok(())
        }
        BackupCommand::Restore { dir } => {
            let (db, store) = crate::services::storage(settings).await?;
            let manifest = campus_server::backup::restore(&db, &store, &dir)
                .await
                .with_context(|| format!("restoring {}", dir.display()))?;
            summarise("restored", &manifest);
            println!("check it with `campus finance verify`, `campus audit verify` and `campus files check`");
            Ok(())
        }
    }
}

fn summarise(what: &str, manifest: &campus_server::backup::Manifest) {
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    println!(
        "{what} {rows} rows in {} tables and {} files ({bytes} bytes), taken {} from {} at {}",
        manifest.tables.len(),
        manifest.files.len(),
        manifest.created_at.to_rfc3339(),
        manifest.backend,
        manifest
            .migrations
            .last()
            .map_or("(no migrations)", String::as_str),
    );
}
