//! `Idempotency-Key` for money-moving requests. The key row is inserted in the same write
//! transaction as the money it guards and holds the first response, so:
//! - a retry after success finds the committed row and gets the stored response;
//! - a concurrent duplicate blocks on the unique index (PostgreSQL, MySQL) or on the write
//!   lock (SQLite) until the first commits, then finds the row: exactly one effect;
//! - if the first attempt fails, nothing was stored and a retry runs afresh.
//!
//! Keys are per user. The same key with a different request (another hash or endpoint) is
//! refused.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use campus_db::entities::idempotency_keys;

use super::Finance;
use super::error::FinanceError;

/// A client's key for one request.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The header value (1..=255 visible ASCII characters; the edge checks).
    pub key: String,
    /// The operation, including the surface (`v1.payment`, `002.pay`), since each renders its
    /// own response.
    pub scope: &'static str,
    /// SHA-256 hex of the request body and path.
    pub request_hash: String,
}

/// What a guarded operation produced.
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    /// It ran now.
    Done(T),
    /// It ran before under this key; this is the response stored then.
    Replayed { status: u16, body: String },
}

/// How the surface renders a fresh result for storage: status and body.
pub type Render<'a, T> = &'a (dyn Fn(&T) -> (u16, String) + Send + Sync);

async fn stored(
    conn: &impl ConnectionTrait,
    user_id: i64,
    key: &IdempotencyKey,
) -> Result<Option<(u16, String)>, FinanceError> {
    let Some(row) = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::UserId.eq(user_id))
        .filter(idempotency_keys::Column::IdemKey.eq(key.key.as_str()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.scope != key.scope || row.request_hash != key.request_hash {
        return Err(FinanceError::KeyReused);
    }
    Ok(Some((
        u16::try_from(row.status_code).unwrap_or(200),
        row.response_body,
    )))
}

/// The start of a guarded operation.
pub(crate) enum Claim {
    /// Run the operation in this transaction, then [`Finance::complete`].
    Fresh(campus_db::WriteTxn),
    /// The key was used before; answer this.
    Replayed { status: u16, body: String },
}

impl Finance {
    /// Opens the write transaction of a guarded operation and claims `key` in it.
    pub(crate) async fn claim(
        &self,
        user_id: i64,
        key: Option<&IdempotencyKey>,
    ) -> Result<Claim, FinanceError> {
        let txn = campus_db::begin_write(&self.db).await?;
        let Some(k) = key else {
            return Ok(Claim::Fresh(txn));
        };
        if let Some((status, body)) = stored(&txn, user_id, k).await? {
            return Ok(Claim::Replayed { status, body });
        }
        let claimed = idempotency_keys::ActiveModel {
            user_id: Set(user_id),
            idem_key: Set(k.key.clone()),
            scope: Set(k.scope.to_owned()),
            request_hash: Set(k.request_hash.clone()),
            status_code: Set(0),
            response_body: Set(String::new()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        match claimed {
            Ok(_) => Ok(Claim::Fresh(txn)),
            Err(e) if campus_db::constraint_violation(&e) == Some(campus_db::ConstraintKind::Unique) => {
                // A concurrent duplicate committed first.
                drop(txn);
                match stored(&self.db, user_id, k).await? {
                    Some((status, body)) => Ok(Claim::Replayed { status, body }),
                    None => Err(FinanceError::Db(e)),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the response under `key` (if any) and commits.
    pub(crate) async fn complete<T>(
        &self,
        txn: campus_db::WriteTxn,
        user_id: i64,
        key: Option<&IdempotencyKey>,
        render: Render<'_, T>,
        result: T,
    ) -> Result<Outcome<T>, FinanceError> {
        if let Some(k) = key {
            let (status, body) = render(&result);
            idempotency_keys::Entity::update_many()
                .col_expr(
                    idempotency_keys::Column::StatusCode,
                    sea_orm::sea_query::Expr::value(i32::from(status)),
                )
                .col_expr(
                    idempotency_keys::Column::ResponseBody,
                    sea_orm::sea_query::Expr::value(body),
                )
                .filter(idempotency_keys::Column::UserId.eq(user_id))
                .filter(idempotency_keys::Column::IdemKey.eq(k.key.as_str()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(Outcome::Done(result))
    }
}

/// Deletes stored answers created before `cutoff`; returns how many.
pub(crate) async fn purge_before(
    conn: &impl ConnectionTrait,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(cutoff))
        .exec(conn)
        .await?
        .rows_affected)
}
