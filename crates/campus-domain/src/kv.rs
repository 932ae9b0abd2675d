//! The per-user key-value store. Every user has their own namespace (unique per owner and
//! key). Each write increments `version`, which serves as the ETag for compare-and-swap.
//! Expired keys are invisible at once (every read filters on `expires_at`) and deleted by
//! [`Kv::purge_expired`], which each instance runs on a timer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::{Value, json};

use campus_config::KvSettings;
use campus_db::entities::kv_entries;

use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::{Principal, Role};
use crate::pagination::{Page, PageRequest};
use crate::validation::FieldIssue;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest metadata document, in bytes of JSON.
pub const MAX_METADATA_BYTES: usize = 1024;
/// Longest time to live: ten years.
pub const MAX_TTL_SECS: i64 = 10 * 366 * 24 * 3600;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KvEntry {
    pub key: String,
    pub value: String,
    pub metadata: Option<Value>,
    pub version: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A key in a listing (without its value).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KvKey {
    pub key: String,
    pub metadata: Option<Value>,
    pub version: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<kv_entries::Model> for KvEntry {
    fn from(m: kv_entries::Model) -> Self {
        Self {
            key: m.entry_key,
            value: m.value,
            metadata: m.metadata.and_then(|d| serde_json::from_str(&d).ok()),
            version: m.version,
            expires_at: m.expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<kv_entries::Model> for KvKey {
    fn from(m: kv_entries::Model) -> Self {
        Self {
            key: m.entry_key,
            metadata: m.metadata.and_then(|d| serde_json::from_str(&d).ok()),
            version: m.version,
            expires_at: m.expires_at,
            updated_at: m.updated_at,
        }
    }
}

/// A write's precondition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precondition {
    #[default]
    None,
    /// `If-Match: <version>`: only if the key exists at this version.
    Version(i64),
    /// `If-None-Match: *`: only if the key does not exist.
    Absent,
}

/// When a value expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    #[default]
    Never,
    In(i64),
    At(DateTime<Utc>),
}

/// A value to store.
#[derive(Debug, Clone, Default)]
pub struct KvWrite {
    pub value: String,
    pub metadata: Option<Value>,
    pub expiry: Expiry,
    pub precondition: Precondition,
}

/// One operation of a batch.
#[derive(Debug, Clone)]
pub enum BatchOp {
    Put { key: String, write: KvWrite },
    Delete { key: String, precondition: Precondition },
}

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("no such key")]
    NotFound,
    /// The precondition did not hold (stale version, key exists, key absent).
    #[error("precondition failed")]
    PreconditionFailed { current_version: Option<i64> },
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Validates a key: 1..=512 bytes of UTF-8 without control characters.
pub fn check_key(key: &str) -> Result<(), FieldIssue> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(FieldIssue::new(
            "key",
            "invalid_length",
            format!("must be 1 to {MAX_KEY_BYTES} bytes"),
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(FieldIssue::new(
            "key",
            "invalid_format",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The key-value service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Kv {
    db: DatabaseConnection,
    settings: KvSettings,
    /// SQLite's direct point-read path (see `campus_db::SqliteReads`); `None` elsewhere.
    reads: Option<std::sync::Arc<campus_db::SqliteReads>>,
}

fn live(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(kv_entries::Column::ExpiresAt.is_null())
        .add(kv_entries::Column::ExpiresAt.gt(now))
}

impl Kv {
    pub fn new(db: DatabaseConnection, settings: &KvSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
            reads: None,
        }
    }

    fn check_write(
        &self,
        key: &str,
        w: &KvWrite,
        now: DateTime<Utc>,
    ) -> Result<(Option<String>, Option<DateTime<Utc>>), KvError> {
        let mut issues = Vec::new();
        if let Err(e) = check_key(key) {
            issues.push(e);
        }
        if w.value.len() > self.settings.max_value_bytes {
            issues.push(FieldIssue::new(
                "value",
                "too_long",
                format!("must be at most {} bytes", self.settings.max_value_bytes),
            ));
        }
        let metadata = w.metadata.as_ref().filter(|m| !m.is_null()).map(Value::to_string);
        if metadata.as_ref().is_some_and(|m| m.len() > MAX_METADATA_BYTES) {
            issues.push(FieldIssue::new(
                "metadata",
                "too_long",
                format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
            ));
        }
        let expires_at = match w.expiry {
            Expiry::Never => None,
            Expiry::In(secs) if (1..=MAX_TTL_SECS).contains(&secs) => Some(now + Duration::seconds(secs)),
            Expiry::In(_) => {
                issues.push(FieldIssue::new(
                    "ttl_seconds",
                    "out_of_range",
                    format!("must be between 1 and {MAX_TTL_SECS}"),
                ));
                None
            }
            Expiry::At(at) if at > now && at < now + Duration::seconds(MAX_TTL_SECS) => Some(at),
            Expiry::At(_) => {
                issues.push(FieldIssue::new(
                    "expires_at",
                    "out_of_range",
                    "must be in the future, at most ten years ahead",
                ));
                None
            }
        };
        if issues.is_empty() {
            Ok((metadata, expires_at))
        } else {
            Err(KvError::Invalid(issues))
        }
    }

    async fn find(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        key: &str,
    ) -> Result<Option<kv_entries::Model>, DbErr> {
        kv_entries::Entity::find()
            .filter(kv_entries::Column::OwnerId.eq(owner))
            .filter(kv_entries::Column::EntryKey.eq(key))
            .one(conn)
            .await
    }

    /// Serves [`get`](Self::get) from `reads` (SQLite's direct read path).
    #[must_use]
    pub fn with_reads(mut self, reads: Option<std::sync::Arc<campus_db::SqliteReads>>) -> Self {
        self.reads = reads;
        self
    }

    pub async fn get(&self, owner: i64, key: &str) -> Result<KvEntry, KvError> {
        check_key(key).map_err(|e| KvError::Invalid(vec![e]))?;
        if let Some(reads) = &self.reads {
            let now = Utc::now();
            return reads
                .kv_entry(owner, key)?
                .filter(|m| m.expires_at.is_none_or(|at| at > now))
                .map(Into::into)
                .ok_or(KvError::NotFound);
        }
        kv_entries::Entity::find()
            .filter(kv_entries::Column::OwnerId.eq(owner))
            .filter(kv_entries::Column::EntryKey.eq(key))
            .filter(live(Utc::now()))
            .one(&self.db)
            .await?
            .map(Into::into)
            .ok_or(KvError::NotFound)
    }

    /// Keys starting with `prefix`, in creation order, cursor-paginated.
    pub async fn list(&self, owner: i64, prefix: &str, page: PageRequest) -> Result<Page<KvKey>, KvError> {
        if prefix.len() > MAX_KEY_BYTES {
            return Err(KvError::Invalid(vec![FieldIssue::new(
                "prefix",
                "too_long",
                "must be at most 512 bytes",
            )]));
        }
        let mut q = kv_entries::Entity::find()
            .filter(kv_entries::Column::OwnerId.eq(owner))
            .filter(live(Utc::now()));
        if !prefix.is_empty() {
            q = q.filter(kv_entries::Column::EntryKey.like(crate::school::like_prefix(prefix)));
        }
        if let Some(after) = page.after_id {
            q = q.filter(kv_entries::Column::Id.gt(after));
        }
        let rows = q
            .order_by_asc(kv_entries::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(KvKey::from))
    }

    /// Creates or replaces `key`. Returns the entry and whether it was created.
    pub async fn put(&self, owner: i64, key: &str, write: KvWrite) -> Result<(KvEntry, bool), KvError> {
        let txn = campus_db::begin_write(&self.db).await?;
        let result = self.put_in(&txn, owner, key, write).await?;
        txn.commit().await?;
        Ok(result)
    }

    async fn put_in(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        key: &str,
        w: KvWrite,
    ) -> Result<(KvEntry, bool), KvError> {
        // Microseconds, as every backend stores them, so the returned entry matches a later read.
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let (metadata, expires_at) = self.check_write(key, &w, now)?;
        let existing = self.find(conn, owner, key).await?;
        let alive = existing.as_ref().filter(|e| e.expires_at.is_none_or(|t| t > now));
        let was_alive = alive.is_some();
        match (w.precondition, alive) {
            (Precondition::Absent, Some(e)) => {
                return Err(KvError::PreconditionFailed {
                    current_version: Some(e.version),
                });
            }
            (Precondition::Version(_), None) => {
                return Err(KvError::PreconditionFailed {
                    current_version: None,
                });
            }
            (Precondition::Version(v), Some(e)) if e.version != v => {
                return Err(KvError::PreconditionFailed {
                    current_version: Some(e.version),
                });
            }
            _ => {}
        }
        match existing {
            Some(e) => {
                // The version guard makes a concurrent writer's change visible as a failure.
                let updated = kv_entries::Entity::update_many()
                    .col_expr(kv_entries::Column::Value, Expr::value(w.value.as_str()))
                    .col_expr(kv_entries::Column::Metadata, Expr::value(metadata.clone()))
                    .col_expr(kv_entries::Column::ExpiresAt, Expr::value(expires_at))
                    .col_expr(
                        kv_entries::Column::Version,
                        Expr::col(kv_entries::Column::Version).add(1),
                    )
                    .col_expr(kv_entries::Column::UpdatedAt, Expr::value(now))
                    .filter(kv_entries::Column::Id.eq(e.id))
                    .filter(kv_entries::Column::Version.eq(e.version))
                    .exec(conn)
                    .await?;
                if updated.rows_affected == 0 {
                    return Err(KvError::PreconditionFailed {
                        current_version: None,
                    });
                }
                // The row now holds exactly what was written; no need to read it back.
                let model = kv_entries::Model {
                    value: w.value,
                    metadata,
                    version: e.version + 1,
                    expires_at,
                    updated_at: now,
                    ..e
                };
                Ok((model.into(), !was_alive))
            }
            None => {
                let inserted = kv_entries::ActiveModel {
                    owner_id: Set(owner),
                    entry_key: Set(key.to_owned()),
                    value: Set(w.value),
                    metadata: Set(metadata),
                    version: Set(1),
                    expires_at: Set(expires_at),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(conn)
                .await;
                match inserted {
                    Ok(m) => Ok((m.into(), true)),
                    Err(e) if campus_db::constraint_violation(&e).is_some() => {
                        Err(KvError::PreconditionFailed {
                            current_version: None,
                        })
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Replaces the metadata (value and expiry unchanged); bumps the version.
    pub async fn set_metadata(
        &self,
        owner: i64,
        key: &str,
        metadata: Option<Value>,
        precondition: Precondition,
    ) -> Result<KvEntry, KvError> {
        let current = self.get(owner, key).await?;
        let write = KvWrite {
            value: current.value,
            metadata,
            expiry: current.expires_at.map_or(Expiry::Never, Expiry::At),
            precondition: match precondition {
                Precondition::None => Precondition::Version(current.version),
                p => p,
            },
        };
        Ok(self.put(owner, key, write).await?.0)
    }

    pub async fn delete(&self, owner: i64, key: &str, precondition: Precondition) -> Result<(), KvError> {
        let txn = campus_db::begin_write(&self.db).await?;
        self.delete_in(&txn, owner, key, precondition).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn delete_in(
        &self,
        conn: &impl ConnectionTrait,
        owner: i64,
        key: &str,
        precondition: Precondition,
    ) -> Result<(), KvError> {
        check_key(key).map_err(|e| KvError::Invalid(vec![e]))?;
        let now = Utc::now();
        let existing = self
            .find(conn, owner, key)
            .await?
            .filter(|e| e.expires_at.is_none_or(|t| t > now))
            .ok_or(KvError::NotFound)?;
        if let Precondition::Version(v) = precondition
            && v != existing.version
        {
            return Err(KvError::PreconditionFailed {
                current_version: Some(existing.version),
            });
        }
        kv_entries::Entity::delete_by_id(existing.id).exec(conn).await?;
        Ok(())
    }

    /// Applies up to [`MAX_BATCH`] operations in one transaction: all or none. On failure the
    /// error names the failing operation's index.
    pub async fn batch(
        &self,
        owner: i64,
        ops: Vec<BatchOp>,
    ) -> Result<Vec<Option<KvEntry>>, (usize, KvError)> {
        if ops.is_empty() || ops.len() > MAX_BATCH {
            return Err((
                0,
                KvError::Invalid(vec![FieldIssue::new(
                    "operations",
                    "invalid_length",
                    format!("give 1 to {MAX_BATCH} operations"),
                )]),
            ));
        }
        let txn = campus_db::begin_write(&self.db)
            .await
            .map_err(|e| (0, e.into()))?;
        let mut out = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            let result = match op {
                BatchOp::Put { key, write } => {
                    self.put_in(&txn, owner, &key, write).await.map(|(e, _)| Some(e))
                }
                BatchOp::Delete { key, precondition } => self
                    .delete_in(&txn, owner, &key, precondition)
                    .await
                    .map(|()| None),
            };
            out.push(result.map_err(|e| (i, e))?);
        }
        txn.commit().await.map_err(|e| (0, e.into()))?;
        Ok(out)
    }

    /// An administrator reads another user's keys; audited.
    pub async fn admin_list(
        &self,
        who: &Principal,
        owner: i64,
        prefix: &str,
        page: PageRequest,
        meta: &RequestMeta,
    ) -> Result<Page<KvKey>, KvError> {
        if who.role != Role::Admin {
            return Err(KvError::Forbidden);
        }
        let page = self.list(owner, prefix, page).await?;
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

    /// Deletes expired keys; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        let now = Utc::now();
        Ok(kv_entries::Entity::delete_many()
            .filter(kv_entries::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
