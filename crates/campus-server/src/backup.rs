//! Backups: every table (`campus_db::backup`, one consistent snapshot) and every stored file,
//! in a directory an operator can copy anywhere:
//!
//! ```text
//! manifest.json          format, version, backend, migrations, per-table rows and SHA-256,
//!                        per-file size, type and SHA-256 (written last: no manifest, no backup)
//! tables/<table>.jsonl   one JSON object per row, in primary-key order
//! files/<key>            the blob store's objects under their keys
//! ```
//!
//! Restore checks every hash before it writes anything, needs an empty database at the same
//! schema version (it applies the migrations itself), stores the files, then inserts every
//! table in one transaction: all rows or none. Secrets (the signing key) are not in a backup.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use campus_db::backup::{TABLES, Table};
use campus_storage::{BlobKey, BlobStore};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The layout this code writes and reads.
pub const FORMAT: &str = "campus-backup/1";
const MANIFEST: &str = "manifest.json";

/// What a backup holds, with a hash of every part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub campus_version: String,
    pub created_at: DateTime<Utc>,
    /// The backend it was taken from (any backend restores it).
    pub backend: String,
    /// The applied migrations: a restore needs exactly these.
    pub migrations: Vec<String>,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub bytes: u64,
    pub content_type: String,
    pub sha256: String,
}

/// Why a backup or restore stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Tables(#[from] campus_db::backup::BackupError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("file store: {0}")]
    Storage(#[from] campus_storage::StorageError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Refused(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes through to `inner`, hashing and counting what passes.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (W, String, u64) {
        (
            self.inner,
            campus_domain::digest::hex(&self.hasher.finalize()),
            self.bytes,
        )
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

async fn applied_migrations(db: &DatabaseConnection) -> Result<Vec<String>, BackupError> {
    Ok(campus_db::migration_states(db)
        .await?
        .into_iter()
        .filter(|m| m.applied)
        .map(|m| m.name)
        .collect())
}

/// Backs the database and the file store up into `dir` (which must be missing or empty).
pub async fn create(db: &DatabaseConnection, store: &BlobStore, dir: &Path) -> Result<Manifest, BackupError> {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(BackupError::Refused(format!("{} is not empty", dir.display())));
    }
    let tables_dir = dir.join("tables");
    std::fs::create_dir_all(&tables_dir).map_err(io(&tables_dir))?;
    let migrations = applied_migrations(db).await?;
    let snapshot = campus_db::backup::snapshot(db).await?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let path = tables_dir.join(format!("{}.jsonl", table.name));
        let mut out = Hashing::new(BufWriter::new(File::create(&path).map_err(io(&path))?));
        let rows = table.dump(&snapshot, &mut out).await?;
        out.flush().map_err(io(&path))?;
        let (file, sha256, _) = out.finish();
        file.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(io(&path))?;
        tables.push(TableEntry {
            name: table.name.to_owned(),
            rows,
            sha256,
        });
    }
    snapshot.rollback().await?;
    // Files after the rows: every file a row of the snapshot names was stored before the row
    // was written (content-addressed, never changed), so it is still there unless deleted since.
    let files = copy_files_out(store, &dir.join("files")).await?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        campus_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: Utc::now(),
        backend: campus_db::backend_of(db).to_string(),
        migrations,
        tables,
        files,
    };
    let temp = dir.join(format!("{MANIFEST}.partial"));
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| io(&temp)(e.into()))?;
    std::fs::write(&temp, text).map_err(io(&temp))?;
    std::fs::rename(&temp, dir.join(MANIFEST)).map_err(io(&temp))?;
    Ok(manifest)
}

async fn copy_files_out(store: &BlobStore, files_dir: &Path) -> Result<Vec<FileEntry>, BackupError> {
    let mut keys = store.list(None).await?;
    keys.sort();
    let mut files = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        let key = BlobKey::parse(&key)?;
        let path = files_dir.join(key.as_str());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut blob = store.get(&key).await?;
        let mut out = Hashing::new(BufWriter::new(File::create(&path).map_err(io(&path))?));
        let mut content_type = None;
        while let Some(chunk) = blob.stream.try_next().await? {
            content_type.get_or_insert_with(|| campus_storage::content_type_of(&chunk));
            out.write_all(&chunk).map_err(io(&path))?;
        }
        out.flush().map_err(io(&path))?;
        let (_, sha256, bytes) = out.finish();
        files.push(FileEntry {
            key: key.as_str().to_owned(),
            bytes,
            content_type: content_type.unwrap_or("application/octet-stream").to_owned(),
            sha256,
        });
    }
    Ok(files)
}

/// Reads `dir`'s manifest and checks every table file and stored file against its hash.
pub fn verify(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(io(&path))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        BackupError::Refused(format!("{}: not a Campus backup manifest: {e}", path.display()))
    })?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "backup format {} is not {FORMAT}",
            manifest.format
        )));
    }
    let names: Vec<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    let ours: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    if names != ours {
        return Err(BackupError::Refused(
            "the backup's tables are not this version's: restore it with the Campus version that made it"
                .to_owned(),
        ));
    }
    for table in &manifest.tables {
        check_hash(
            &dir.join("tables").join(format!("{}.jsonl", table.name)),
            &table.sha256,
        )?;
    }
    for file in &manifest.files {
        let key = BlobKey::parse(&file.key)?;
        check_hash(&dir.join("files").join(key.as_str()), &file.sha256)?;
    }
    Ok(manifest)
}

fn check_hash(path: &Path, expected: &str) -> Result<(), BackupError> {
    let mut input = File::open(path).map_err(io(path))?;
    let mut sink = Hashing::new(std::io::sink());
    std::io::copy(&mut input, &mut sink).map_err(io(path))?;
    let (_, sha256, _) = sink.finish();
    if sha256 == expected {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "{} does not match its hash in the manifest: the backup is damaged",
            path.display()
        )))
    }
}

/// Restores the backup in `dir` into an empty database (migrating it first) and `store`.
pub async fn restore(
    db: &DatabaseConnection,
    store: &BlobStore,
    dir: &Path,
) -> Result<Manifest, BackupError> {
    let manifest = verify(dir)?;
    campus_db::Migrator::up(db, None).await?;
    let applied = applied_migrations(db).await?;
    if applied != manifest.migrations {
        return Err(BackupError::Refused(format!(
            "the backup was taken at schema version {} and this database is at {}: restore with the \
             Campus version that made the backup, then upgrade",
            manifest.migrations.last().map_or("(none)", String::as_str),
            applied.last().map_or("(none)", String::as_str),
        )));
    }
    for table in TABLES {
        let rows = table.count(db).await?;
        if rows > table.baseline {
            return Err(BackupError::Refused(format!(
                "table {} already holds {rows} rows: restore needs an empty database \
                 (`campus migrate fresh --yes` empties one)",
                table.name
            )));
        }
    }
    for file in &manifest.files {
        let key = BlobKey::parse(&file.key)?;
        let path = dir.join("files").join(key.as_str());
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        store.put(&key, &file.content_type, bytes).await?;
    }
    let txn = campus_db::begin_write(db).await?;
    for (table, entry) in TABLES.iter().zip(&manifest.tables) {
        restore_table(&txn, table, entry, dir).await?;
    }
    txn.commit().await?;
    Ok(manifest)
}

async fn restore_table(
    txn: &sea_orm::DatabaseTransaction,
    table: &Table,
    entry: &TableEntry,
    dir: &Path,
) -> Result<(), BackupError> {
    let path = dir.join("tables").join(format!("{}.jsonl", table.name));
    let mut input = BufReader::new(File::open(&path).map_err(io(&path))?);
    let rows = table.restore(txn, &mut input).await?;
    if rows != entry.rows {
        return Err(BackupError::Refused(format!(
            "{} held {rows} rows where the manifest says {}",
            path.display(),
            entry.rows
        )));
    }
    Ok(())
}
