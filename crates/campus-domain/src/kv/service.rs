//! The key-value service: reads and writes on the caller's own keys with versions,
//! compare-and-swap and expiry, all-or-nothing batches, and the audited administrator listing.

use std::sync::Arc;

use campus_config::KvSettings;
use chrono::SubsecRound;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use serde_json::{Value, json};

use super::error::{KvError, Quota};
use super::model::{
    BatchOp, CheckedWrite, Expiry, KvEntry, KvKey, KvWrite, MAX_BATCH, MAX_KEY_BYTES, Precondition,
    UsageDelta, check_key, check_write,
};
use super::policy::{self, owner};
use super::repo::{self, Stored};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::clock::{SharedClock, SystemClock};
use crate::identity::Principal;
use crate::pagination::{Page, PageRequest};
use crate::retry::retry_transient;
use crate::validation::FieldIssue;

/// How many times a write without preconditions is run again after losing a race to create
/// the same key (each retry finds the other writer's row and locks it).
const RACE_RETRIES: u32 = 3;

/// Runs the write `attempt` (transient database errors retried), and runs it again while an
/// `unconditional` write — one without preconditions — failed only because a concurrent
/// writer created one of its keys first: the last writer wins, as if they had come one after
/// the other. `kv_error` finds the store's error in `E`.
async fn last_writer_wins<T, E, F, Fut>(
    unconditional: bool,
    kv_error: impl Fn(&E) -> &KvError,
    mut attempt: F,
) -> Result<T, E>
where
    E: crate::retry::DbFailure,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut raced = 0;
    loop {
        match retry_transient(&mut attempt).await {
            Err(e)
                if unconditional
                    && raced < RACE_RETRIES
                    && matches!(kv_error(&e), KvError::PreconditionFailed { .. }) =>
            {
                raced += 1;
            }
            other => return other,
        }
    }
}

/// The key-value service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Kv {
    db: DatabaseConnection,
    settings: KvSettings,
    /// SQLite's direct point-read path (see `campus_db::SqliteReads`); `None` elsewhere.
    reads: Option<Arc<campus_db::SqliteReads>>,
    clock: SharedClock,
}

impl Kv {
    pub fn new(db: DatabaseConnection, settings: &KvSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
            reads: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Serves [`get`](Self::get) from `reads` (SQLite's direct read path).
    #[must_use]
    pub fn with_reads(mut self, reads: Option<Arc<campus_db::SqliteReads>>) -> Self {
        self.reads = reads;
        self
    }

    /// Reads time (for expiry) from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The caller's live entry at `key`.
    pub async fn get(&self, who: &Principal, key: &str) -> Result<KvEntry, KvError> {
        check_key(key)?;
        let now = self.clock.now();
        let row = match &self.reads {
            Some(reads) => reads
                .kv_entry(owner(who), key)?
                .filter(|m| m.expires_at.is_none_or(|at| at > now)),
            None => repo::find_live(&self.db, owner(who), key, now).await?,
        };
        row.map(Into::into).ok_or(KvError::NotFound)
    }

    /// The caller's keys starting with `prefix`, in creation order, cursor-paginated.
    pub async fn list(
        &self,
        who: &Principal,
        prefix: &str,
        page: PageRequest,
    ) -> Result<Page<KvKey>, KvError> {
        self.list_of(owner(who), prefix, page).await
    }

    async fn list_of(&self, owner: i64, prefix: &str, page: PageRequest) -> Result<Page<KvKey>, KvError> {
        if prefix.len() > MAX_KEY_BYTES {
            return Err(FieldIssue::new("prefix", "too_long", "must be at most 512 bytes").into());
        }
        let rows = repo::list(&self.db, owner, prefix, page, self.clock.now()).await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(KvKey::from))
    }

    /// Creates or replaces the caller's `key`. Returns the entry and whether it was created.
    /// A write without a precondition never fails because of a concurrent writer of the same
    /// key: last writer wins, as if they had come one after the other.
    pub async fn put(&self, who: &Principal, key: &str, write: KvWrite) -> Result<(KvEntry, bool), KvError> {
        let unconditional = write.precondition == Precondition::None;
        last_writer_wins(
            unconditional,
            |e: &KvError| e,
            || async {
                let txn = campus_db::begin_write(&self.db).await?;
                let (entry, created, delta) = self.put_in(&txn, owner(who), key, write.clone()).await?;
                self.count_usage(&txn, owner(who), delta).await?;
                txn.commit().await?;
                Ok((entry, created))
            },
        )
        .await
    }

    /// Adds `delta` to the owner's usage in the write's transaction and refuses the write if
    /// it grows usage past a quota (a write that shrinks usage always passes).
    async fn count_usage(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        delta: UsageDelta,
    ) -> Result<(), KvError> {
        if delta == UsageDelta::default() {
            return Ok(());
        }
        let usage = repo::add_usage(conn, owner, delta).await?;
        let over = |used: i64, limit: u64| u64::try_from(used).unwrap_or(0) > limit;
        if delta.keys > 0 && over(usage.key_count, self.settings.max_keys_per_user) {
            return Err(KvError::QuotaExceeded {
                quota: Quota::Keys,
                limit: self.settings.max_keys_per_user,
            });
        }
        if delta.bytes > 0 && over(usage.byte_count, self.settings.max_bytes_per_user) {
            return Err(KvError::QuotaExceeded {
                quota: Quota::Bytes,
                limit: self.settings.max_bytes_per_user,
            });
        }
        Ok(())
    }

    async fn put_in(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        key: &str,
        w: KvWrite,
    ) -> Result<(KvEntry, bool, UsageDelta), KvError> {
        // Microseconds, as every backend stores them, so the returned entry matches a later read.
        let now = self.clock.now().trunc_subsecs(6);
        let CheckedWrite { metadata, expires_at } = check_write(key, &w, self.settings.max_value_bytes, now)?;
        let existing = repo::find_for_write(conn, owner, key).await?;
        let alive = existing.as_ref().filter(|e| e.expires_at.is_none_or(|t| t > now));
        let was_alive = alive.is_some();
        match (w.precondition, alive) {
            (Precondition::Absent, Some(e)) => return Err(KvError::stale(Some(e.version))),
            (Precondition::Version(_), None) => return Err(KvError::stale(None)),
            (Precondition::Version(v), Some(e)) if e.version != v => {
                return Err(KvError::stale(Some(e.version)));
            }
            _ => {}
        }
        let stored = Stored {
            value: &w.value,
            metadata: metadata.as_deref(),
            expires_at,
            at: now,
        };
        let added = UsageDelta::of_row(key, &w.value, metadata.as_deref());
        match existing {
            Some(e) => {
                // The version guard makes a concurrent writer's change visible as a failure.
                if !repo::update_versioned(conn, &e, &stored).await? {
                    return Err(KvError::stale(None));
                }
                let delta = added.plus(UsageDelta::removing(&e));
                // The row now holds exactly what was written; no need to read it back.
                let model = campus_db::entities::kv_entries::Model {
                    value: w.value,
                    metadata,
                    version: e.version + 1,
                    expires_at,
                    updated_at: now,
                    ..e
                };
                Ok((model.into(), !was_alive, delta))
            }
            None => match repo::insert(conn, owner, key, &stored).await {
                Ok(m) => Ok((m.into(), true, added)),
                // A concurrent writer created the key first (its row was not there to lock).
                Err(e) if campus_db::constraint_violation(&e).is_some() => Err(KvError::stale(None)),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Replaces the metadata (value and expiry unchanged); bumps the version.
    pub async fn set_metadata(
        &self,
        who: &Principal,
        key: &str,
        metadata: Option<Value>,
        precondition: Precondition,
    ) -> Result<KvEntry, KvError> {
        let current = self.get(who, key).await?;
        let write = KvWrite {
            value: current.value,
            metadata,
            expiry: current.expires_at.map_or(Expiry::Never, Expiry::At),
            precondition: match precondition {
                Precondition::None => Precondition::Version(current.version),
                p => p,
            },
        };
        Ok(self.put(who, key, write).await?.0)
    }

    pub async fn delete(
        &self,
        who: &Principal,
        key: &str,
        precondition: Precondition,
    ) -> Result<(), KvError> {
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let delta = self.delete_in(&txn, owner(who), key, precondition).await?;
            self.count_usage(&txn, owner(who), delta).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn delete_in(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        key: &str,
        precondition: Precondition,
    ) -> Result<UsageDelta, KvError> {
        check_key(key)?;
        let now = self.clock.now();
        let existing = repo::find_for_write(conn, owner, key)
            .await?
            .filter(|e| e.expires_at.is_none_or(|t| t > now))
            .ok_or(KvError::NotFound)?;
        if let Precondition::Version(v) = precondition
            && v != existing.version
        {
            return Err(KvError::stale(Some(existing.version)));
        }
        repo::delete(conn, existing.id).await?;
        Ok(UsageDelta::removing(&existing))
    }

    /// Applies up to [`MAX_BATCH`] operations on the caller's keys in one transaction: all or
    /// none. On failure the error names the failing operation's index.
    pub async fn batch(
        &self,
        who: &Principal,
        ops: Vec<BatchOp>,
    ) -> Result<Vec<Option<KvEntry>>, (usize, KvError)> {
        if ops.is_empty() || ops.len() > MAX_BATCH {
            let issue = FieldIssue::new(
                "operations",
                "invalid_length",
                format!("give 1 to {MAX_BATCH} operations"),
            );
            return Err((0, issue.into()));
        }
        // Without preconditions only a concurrent creation of one of its keys fails a batch;
        // it is then run again, as `put` does.
        let unconditional = ops.iter().all(|op| match op {
            BatchOp::Put { write, .. } => write.precondition == Precondition::None,
            BatchOp::Delete { precondition, .. } => *precondition == Precondition::None,
        });
        last_writer_wins(
            unconditional,
            |(_, e): &(usize, KvError)| e,
            || self.batch_once(owner(who), ops.clone()),
        )
        .await
    }

    async fn batch_once(
        &self,
        owner: i64,
        ops: Vec<BatchOp>,
    ) -> Result<Vec<Option<KvEntry>>, (usize, KvError)> {
        let txn = campus_db::begin_write(&self.db)
            .await
            .map_err(|e| (0, e.into()))?;
        let mut out = Vec::with_capacity(ops.len());
        let mut usage = UsageDelta::default();
        for (i, op) in ops.into_iter().enumerate() {
            let result = match op {
                BatchOp::Put { key, write } => self
                    .put_in(&txn, owner, &key, write)
                    .await
                    .map(|(e, _, delta)| (Some(e), delta)),
                BatchOp::Delete { key, precondition } => self
                    .delete_in(&txn, owner, &key, precondition)
                    .await
                    .map(|delta| (None, delta)),
            };
            let (entry, delta) = result.map_err(|e| (i, e))?;
            usage = usage.plus(delta);
            out.push(entry);
        }
        // The batch is counted as a whole: what it holds at the end is what counts.
        self.count_usage(&txn, owner, usage).await.map_err(|e| (0, e))?;
        txn.commit().await.map_err(|e| (0, e.into()))?;
        Ok(out)
    }

    /// An administrator lists another user's keys (not their values); audited.
    pub async fn admin_list(
        &self,
        who: &Principal,
        owner: i64,
        prefix: &str,
        page: PageRequest,
        meta: &RequestMeta,
    ) -> Result<Page<KvKey>, KvError> {
        policy::check_list_other(who)?;
        let page = self.list_of(owner, prefix, page).await?;
        audit::record(
            &self.db,
            meta,
            AuditEntry::new("kv.admin_read")
                .actor(Some(who.user_id))
                .target("user", owner)
                .after(json!({"prefix": prefix, "keys": page.items.len()})),
        )
        .await?;
        Ok(page)
    }

    /// Deletes expired keys, a chunk per transaction, and takes them off their owners'
    /// usage; returns how many. Safe on every instance at once: a row is counted only by the
    /// purge whose delete removed it.
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        const CHUNK: u64 = 500;
        let now = self.clock.now();
        let mut purged = 0;
        loop {
            let txn = campus_db::begin_write(&self.db).await?;
            let rows = repo::expired(&txn, now, CHUNK).await?;
            let mut freed: std::collections::BTreeMap<i64, UsageDelta> = std::collections::BTreeMap::new();
            for row in &rows {
                if repo::delete_expired(&txn, row, now).await? {
                    let entry = freed.entry(row.owner_id).or_default();
                    *entry = entry.plus(UsageDelta::removing(row));
                    purged += 1;
                }
            }
            for (owner, delta) in freed {
                repo::add_usage(&txn, owner, delta).await?;
            }
            txn.commit().await?;
            if (rows.len() as u64) < CHUNK {
                return Ok(purged);
            }
        }
    }
}
