//! Notification queries. Each takes any connection, so other services write notifications
//! inside their own transactions.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use campus_db::entities::{notifications, users};

use crate::identity::Role;
use crate::pagination::PageRequest;

/// Writes one notification with `conn` (usually the caller's transaction).
pub async fn push(
    conn: &impl ConnectionTrait,
    user_id: i64,
    kind: &str,
    message: String,
    data: Option<Value>,
) -> Result<notifications::Model, DbErr> {
    notifications::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        message: Set(message),
        data: Set(data.map(|d| d.to_string())),
        read_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// A user's notifications before the cursor, newest first, `limit + 1` rows.
pub async fn page_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    unread_only: bool,
    page: PageRequest,
) -> Result<Vec<notifications::Model>, DbErr> {
    let mut q = notifications::Entity::find().filter(notifications::Column::UserId.eq(user_id));
    if unread_only {
        q = q.filter(notifications::Column::ReadAt.is_null());
    }
    if let Some(before) = page.after_id {
        q = q.filter(notifications::Column::Id.lt(before));
    }
    q.order_by_desc(notifications::Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await
}

/// A user's newest `limit` notifications.
pub async fn newest_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    limit: u64,
) -> Result<Vec<notifications::Model>, DbErr> {
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user_id))
        .order_by_desc(notifications::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Notification `id` if it is `user_id`'s.
pub async fn find_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<Option<notifications::Model>, DbErr> {
    notifications::Entity::find_by_id(id)
        .filter(notifications::Column::UserId.eq(user_id))
        .one(conn)
        .await
}

/// Marks one notification read now.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    model: notifications::Model,
) -> Result<notifications::Model, DbErr> {
    let mut a: notifications::ActiveModel = model.into();
    a.read_at = Set(Some(Utc::now()));
    a.update(conn).await
}

/// Marks every unread notification of a user read; returns how many changed.
pub async fn mark_all_read(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    let result = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// How many notifications of a user are unread.
pub async fn unread_count(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .count(conn)
        .await
}

/// Whether user `id` exists.
pub async fn user_exists(conn: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    Ok(users::Entity::find_by_id(id).one(conn).await?.is_some())
}

/// How many of `ids` are users.
pub async fn count_users(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<u64, DbErr> {
    users::Entity::find()
        .filter(users::Column::Id.is_in(ids.to_vec()))
        .count(conn)
        .await
}

/// The ids of every active user of `role`.
pub async fn active_users_of(conn: &impl ConnectionTrait, role: Role) -> Result<Vec<i64>, DbErr> {
    users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::IsActive.eq(true))
        .into_tuple()
        .all(conn)
        .await
}
