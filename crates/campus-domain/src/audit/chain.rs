//! The tamper-evident chain over the audit trail. Entries are written unsealed, inside the
//! transactions of the changes they describe (no lock on the hot path). A sealer — every
//! instance's timer, and `campus audit verify` first — takes the chain head's row lock, gives
//! each unsealed entry the next `seal_seq`, `prev_hash` = the head's hash and `hash` =
//! SHA-256(prev_hash, the entry's fields), and moves the head. Changing, deleting or inserting
//! a sealed entry breaks the chain at that place; `verify` walks it and names the first broken
//! link. Anyone with write access to the database could recompute the whole chain, so the head
//! (`GET /api/v1/admin/audit/head`) is meant to be copied somewhere else (a notary, a ticket,
//! a printed report) now and then: a later head that does not extend it proves a rewrite.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::{audit_chain, audit_log};

use super::error::AuditError;
use super::service::Audit;
use crate::identity::Principal;
use crate::identity::roles::{Admins, RoleSet};

/// The hash the first sealed entry follows.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Entries one sealing transaction takes.
const SEAL_BATCH: u64 = 1_000;
/// Entries one verification read takes.
const VERIFY_PAGE: u64 = 2_000;

/// The chain's head: what to copy elsewhere to notarise the trail so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainHead {
    pub seal_seq: i64,
    pub hash: String,
    pub sealed_at: chrono::DateTime<Utc>,
    /// Entries written but not sealed yet (the sealer runs every minute).
    pub unsealed: u64,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every sealed entry links to the one before, up to the head.
    Intact { sealed: i64, head: String },
    /// The first place the chain does not hold.
    Broken {
        seal_seq: i64,
        entry_id: Option<i64>,
        reason: String,
    },
}

/// SHA-256 of the previous hash and the entry's fields, in a fixed order and spelling (read
/// back from the database, so the same on every backend and every read).
pub fn link_hash(prev: &str, e: &audit_log::Model) -> String {
    let canonical = json!([
        prev,
        e.id,
        e.actor_id,
        e.action,
        e.target_type,
        e.target_id,
        e.request_id,
        e.ip,
        e.user_agent,
        e.before,
        e.after,
        e.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    ]);
    crate::digest::sha256_hex(canonical.to_string().as_bytes())
}

impl Audit {
    /// Seals what is unsealed, in id order; returns how many entries were sealed.
    pub async fn seal(&self) -> Result<u64, AuditError> {
        let mut total = 0;
        loop {
            let sealed = self.seal_batch().await?;
            total += sealed;
            if sealed < SEAL_BATCH {
                return Ok(total);
            }
        }
    }

    async fn seal_batch(&self) -> Result<u64, AuditError> {
        let txn = campus_db::begin_write(&self.db).await?;
        let mut head_query = audit_chain::Entity::find_by_id(1);
        if txn.get_database_backend() != DbBackend::Sqlite {
            // One sealer at a time on PostgreSQL/MySQL; SQLite's write lock already is one.
            head_query = head_query.lock_exclusive();
        }
        let Some(head) = head_query.one(&txn).await? else {
            return Err(AuditError::Db(sea_orm::DbErr::RecordNotFound(
                "audit_chain head".into(),
            )));
        };
        let entries = audit_log::Entity::find()
            .filter(audit_log::Column::SealSeq.is_null())
            .order_by_asc(audit_log::Column::Id)
            .limit(SEAL_BATCH)
            .all(&txn)
            .await?;
        let (mut seq, mut hash) = (head.seal_seq, head.hash.clone());
        for e in &entries {
            let next = link_hash(&hash, e);
            seq += 1;
            audit_log::Entity::update_many()
                .col_expr(audit_log::Column::SealSeq, Expr::value(seq))
                .col_expr(audit_log::Column::PrevHash, Expr::value(hash.clone()))
                .col_expr(audit_log::Column::Hash, Expr::value(next.clone()))
                .filter(audit_log::Column::Id.eq(e.id))
                .exec(&txn)
                .await?;
            hash = next;
        }
        if !entries.is_empty() {
            audit_chain::Entity::update_many()
                .col_expr(audit_chain::Column::SealSeq, Expr::value(seq))
                .col_expr(audit_chain::Column::Hash, Expr::value(hash))
                .col_expr(
                    audit_chain::Column::UpdatedAt,
                    Expr::value(campus_db::utc_param(txn.get_database_backend(), Utc::now())),
                )
                .filter(audit_chain::Column::Id.eq(1))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(entries.len() as u64)
    }

    /// The chain's head, for administrators to notarise.
    pub async fn head(&self, who: &Principal) -> Result<ChainHead, AuditError> {
        if !Admins::contains(who.role) {
            return Err(AuditError::Forbidden);
        }
        self.chain_head().await
    }

    pub(crate) async fn chain_head(&self) -> Result<ChainHead, AuditError> {
        let head = audit_chain::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| AuditError::Db(sea_orm::DbErr::RecordNotFound("audit_chain head".into())))?;
        let unsealed = sea_orm::PaginatorTrait::count(
            audit_log::Entity::find().filter(audit_log::Column::SealSeq.is_null()),
            &self.db,
        )
        .await?;
        Ok(ChainHead {
            seal_seq: head.seal_seq,
            hash: head.hash,
            sealed_at: head.updated_at,
            unsealed,
        })
    }

    /// Walks the sealed entries in chain order and checks every link and the head.
    pub async fn verify(&self) -> Result<Verdict, AuditError> {
        let head = self.chain_head().await?;
        let (mut expected_seq, mut prev) = (0i64, GENESIS.to_owned());
        loop {
            // Up to the head read first: entries another instance seals meanwhile are not
            // taken for a chain running past its head.
            let page = audit_log::Entity::find()
                .filter(audit_log::Column::SealSeq.gt(expected_seq))
                .filter(audit_log::Column::SealSeq.lte(head.seal_seq))
                .order_by_asc(audit_log::Column::SealSeq)
                .limit(VERIFY_PAGE)
                .all(&self.db)
                .await?;
            for e in &page {
                let seq = e.seal_seq.unwrap_or_default();
                let broken = |reason: &str| Verdict::Broken {
                    seal_seq: expected_seq + 1,
                    entry_id: Some(e.id),
                    reason: reason.to_owned(),
                };
                if seq != expected_seq + 1 {
                    return Ok(broken(&format!(
                        "entry {} follows {} (an entry is missing)",
                        seq, expected_seq
                    )));
                }
                if e.prev_hash.as_deref() != Some(prev.as_str()) {
                    return Ok(broken("its previous hash is not the previous entry's hash"));
                }
                let hash = link_hash(&prev, e);
                if e.hash.as_deref() != Some(hash.as_str()) {
                    return Ok(broken(
                        "its content does not match its hash (the entry was changed)",
                    ));
                }
                expected_seq = seq;
                prev = hash;
            }
            if (page.len() as u64) < VERIFY_PAGE {
                break;
            }
        }
        if expected_seq != head.seal_seq || prev != head.hash {
            return Ok(Verdict::Broken {
                seal_seq: expected_seq + 1,
                entry_id: None,
                reason: format!(
                    "the chain ends at {expected_seq} but the head says {} (sealed entries were removed)",
                    head.seal_seq
                ),
            });
        }
        Ok(Verdict::Intact {
            sealed: expected_seq,
            head: prev,
        })
    }
}
