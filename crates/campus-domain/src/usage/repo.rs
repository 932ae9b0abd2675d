//! Usage queries; each takes any connection so it runs inside the caller's transaction.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use campus_db::entities::usage_entries::{self, Column};

use super::model::{EndReason, NewEntry};

/// Closes `user_id`'s open entries (only those named `action`, if given) at `at_ms` — never
/// before an entry's start. Returns the entries as closed. Logout and every surface's
/// sign-out call this in their own transaction.
pub async fn close_open(
    conn: &impl ConnectionTrait,
    user_id: i64,
    at_ms: i64,
    reason: EndReason,
    action: Option<&str>,
) -> Result<Vec<usage_entries::Model>, DbErr> {
    let mut open = usage_entries::Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::EndedMs.is_null());
    if let Some(action) = action {
        open = open.filter(Column::Action.eq(action));
    }
    let rows = open.order_by_asc(Column::Id).all(conn).await?;
    let mut closed = Vec::with_capacity(rows.len());
    for row in rows {
        let end = std::cmp::max(at_ms, row.started_ms);
        // Guarded by `ended_ms IS NULL`: a concurrent close (the idle sweep on another
        // instance) wins, and this one leaves the row as that one closed it.
        let done = usage_entries::Entity::update_many()
            .col_expr(Column::EndedMs, Expr::value(end))
            .col_expr(Column::EndReason, Expr::value(reason.as_str()))
            .filter(Column::Id.eq(row.id))
            .filter(Column::EndedMs.is_null())
            .exec(conn)
            .await?;
        if done.rows_affected == 1 {
            closed.push(usage_entries::Model {
                ended_ms: Some(end),
                end_reason: Some(reason.as_str().to_owned()),
                ..row
            });
        }
    }
    Ok(closed)
}

pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    user_id: i64,
    entry: NewEntry,
    now_ms: i64,
) -> Result<usage_entries::Model, DbErr> {
    usage_entries::ActiveModel {
        user_id: Set(user_id),
        action: Set(entry.action),
        details: Set(entry.details),
        source: Set(entry.source.as_str().to_owned()),
        started_ms: Set(now_ms),
        last_seen_ms: Set(now_ms),
        ended_ms: Set(None),
        end_reason: Set(None),
        heartbeats: Set(0),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// The user's open entry (the newest, should there ever be two).
pub(super) async fn open_entry(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<usage_entries::Model>, DbErr> {
    usage_entries::Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::EndedMs.is_null())
        .order_by_desc(Column::Id)
        .one(conn)
        .await
}

/// Records a heartbeat on an open entry; false if it closed meanwhile.
pub(super) async fn heartbeat(conn: &impl ConnectionTrait, id: i64, now_ms: i64) -> Result<bool, DbErr> {
    let done = usage_entries::Entity::update_many()
        .col_expr(Column::LastSeenMs, Expr::value(now_ms))
        .col_expr(Column::Heartbeats, Expr::col(Column::Heartbeats).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::EndedMs.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Closes every open entry last seen before `cutoff_ms` at its last sign of life plus
/// `grace_ms`. One guarded statement: instances sweeping at once close each entry once.
pub(super) async fn close_idle(
    conn: &impl ConnectionTrait,
    cutoff_ms: i64,
    grace_ms: i64,
    with_heartbeats_only: bool,
) -> Result<u64, DbErr> {
    let mut idle = usage_entries::Entity::update_many()
        .col_expr(Column::EndedMs, Expr::col(Column::LastSeenMs).add(grace_ms))
        .col_expr(Column::EndReason, Expr::value(EndReason::Idle.as_str()))
        .filter(Column::EndedMs.is_null())
        .filter(Column::LastSeenMs.lt(cutoff_ms));
    if with_heartbeats_only {
        idle = idle.filter(Column::Heartbeats.gt(0));
    }
    Ok(idle.exec(conn).await?.rows_affected)
}

/// Entries matching the filter in id order, after `after_id`, at most `limit`.
pub(super) async fn list(
    conn: &impl ConnectionTrait,
    user_ids: Option<&[i64]>,
    range_ms: (Option<i64>, Option<i64>),
    action: Option<&str>,
    after_id: Option<i64>,
    limit: u64,
) -> Result<Vec<usage_entries::Model>, DbErr> {
    let mut q = usage_entries::Entity::find();
    if let Some(ids) = user_ids {
        q = q.filter(Column::UserId.is_in(ids.iter().copied()));
    }
    if let Some(from) = range_ms.0 {
        q = q.filter(Column::StartedMs.gte(from));
    }
    if let Some(to) = range_ms.1 {
        q = q.filter(Column::StartedMs.lt(to));
    }
    if let Some(action) = action {
        q = q.filter(Column::Action.eq(action));
    }
    if let Some(after) = after_id {
        q = q.filter(Column::Id.gt(after));
    }
    q.order_by_asc(Column::Id).limit(limit).all(conn).await
}

/// A user's entries in start order, at most `limit` of the newest.
pub(super) async fn log(
    conn: &impl ConnectionTrait,
    user_id: i64,
    limit: u64,
) -> Result<Vec<usage_entries::Model>, DbErr> {
    let mut rows = usage_entries::Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::StartedMs)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.reverse();
    Ok(rows)
}
