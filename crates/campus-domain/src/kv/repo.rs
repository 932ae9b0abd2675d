//! Key-value queries. Each takes any connection, so it runs inside a transaction too; times
//! are passed in, so expiry follows the service's clock.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use campus_db::entities::kv_entries::{self, Column, Entity, Model};
use campus_db::entities::kv_usage;

use super::model::UsageDelta;

use crate::pagination::PageRequest;

/// Not expired at `now`.
fn live(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::ExpiresAt.is_null())
        .add(Column::ExpiresAt.gt(now))
}

/// The row of `owner`'s `key`, expired or not, locked for the rest of the write transaction
/// on PostgreSQL and MySQL (SQLite's write transactions already run one at a time), so a
/// concurrent writer of the same key waits and then sees this one's outcome.
pub async fn find_for_write(
    conn: &impl ConnectionTrait,
    owner: i64,
    key: &str,
) -> Result<Option<Model>, DbErr> {
    let mut q = Entity::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::EntryKey.eq(key));
    if conn.get_database_backend() != DbBackend::Sqlite {
        q = q.lock_exclusive();
    }
    q.one(conn).await
}

/// The row of `owner`'s `key` if it has not expired at `now`.
pub async fn find_live(
    conn: &impl ConnectionTrait,
    owner: i64,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::EntryKey.eq(key))
        .filter(live(now))
        .one(conn)
        .await
}

/// `owner`'s live keys starting with `prefix` after the cursor, in creation order,
/// `limit + 1` rows.
pub async fn list(
    conn: &impl ConnectionTrait,
    owner: i64,
    prefix: &str,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().filter(Column::OwnerId.eq(owner)).filter(live(now));
    if !prefix.is_empty() {
        q = q.filter(Column::EntryKey.like(crate::search::like_prefix(prefix)));
    }
    if let Some(after) = page.after_id {
        q = q.filter(Column::Id.gt(after));
    }
    q.order_by_asc(Column::Id).limit(page.limit + 1).all(conn).await
}

/// What a write stores.
#[derive(Debug)]
pub struct Stored<'a> {
    pub value: &'a str,
    pub metadata: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// Replaces `row`'s value if it is still at `row.version`, bumping the version. `false` when a
/// concurrent writer changed or deleted it first.
pub async fn update_versioned(
    conn: &impl ConnectionTrait,
    row: &Model,
    s: &Stored<'_>,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::Value, Expr::value(s.value))
        .col_expr(Column::Metadata, Expr::value(s.metadata))
        .col_expr(Column::ExpiresAt, Expr::value(s.expires_at))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(s.at))
        .filter(Column::Id.eq(row.id))
        .filter(Column::Version.eq(row.version))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Inserts `owner`'s `key` at version 1.
pub async fn insert(
    conn: &impl ConnectionTrait,
    owner: i64,
    key: &str,
    s: &Stored<'_>,
) -> Result<Model, DbErr> {
    kv_entries::ActiveModel {
        owner_id: Set(owner),
        entry_key: Set(key.to_owned()),
        value: Set(s.value.to_owned()),
        metadata: Set(s.metadata.map(str::to_owned)),
        version: Set(1),
        expires_at: Set(s.expires_at),
        created_at: Set(s.at),
        updated_at: Set(s.at),
        ..Default::default()
    }
    .insert(conn)
    .await
}

pub async fn delete(conn: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Up to `limit` rows expired at `now`.
pub async fn expired(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ExpiresAt.lte(now))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Deletes `row` if it is still the expired version read; `false` when a writer (or another
/// instance's purge) got there first.
pub async fn delete_expired(
    conn: &impl ConnectionTrait,
    row: &Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::Id.eq(row.id))
        .filter(Column::Version.eq(row.version))
        .filter(Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Adds `delta` to `owner`'s usage and returns the new totals. The write holds the usage row
/// until the transaction ends, so concurrent writers of one user are counted one at a time.
pub async fn add_usage(
    conn: &impl ConnectionTrait,
    owner: i64,
    delta: UsageDelta,
) -> Result<kv_usage::Model, DbErr> {
    use kv_usage::Column as U;
    kv_usage::Entity::insert(kv_usage::ActiveModel {
        owner_id: Set(owner),
        key_count: Set(Ord::max(delta.keys, 0)),
        byte_count: Set(Ord::max(delta.bytes, 0)),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(U::OwnerId)
            .value(
                U::KeyCount,
                Expr::col((kv_usage::Entity, U::KeyCount)).add(delta.keys),
            )
            .value(
                U::ByteCount,
                Expr::col((kv_usage::Entity, U::ByteCount)).add(delta.bytes),
            )
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    kv_usage::Entity::find_by_id(owner)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("kv_usage".to_owned()))
}
