//! The trail's queries. There is no update or delete here, or anywhere in code.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use campus_db::entities::audit_log::{self, Column, Entity};

use super::model::{AuditEntry, AuditFilter, AuditRecord};
use crate::RequestMeta;
use crate::pagination::{Page, PageRequest};

fn clip(text: Option<&String>, max: usize) -> Option<String> {
    text.map(|t| t.chars().take(max).collect())
}

/// Appends `entry`. Runs on `conn`, so it commits or rolls back with the change it describes.
pub async fn record(conn: &impl ConnectionTrait, meta: &RequestMeta, entry: AuditEntry) -> Result<(), DbErr> {
    let row = audit_log::ActiveModel {
        actor_id: Set(entry.actor_id),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.map(str::to_owned)),
        target_id: Set(entry.target_id),
        request_id: Set(clip(meta.request_id.as_ref(), 128)),
        ip: Set(clip(meta.ip.as_ref(), 64)),
        user_agent: Set(clip(meta.user_agent.as_ref(), 512)),
        before: Set(entry.before),
        after: Set(entry.after),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Newest first, cursor-paginated.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRecord>, DbErr> {
    let mut query = Entity::find();
    if let Some(id) = filter.actor_id {
        query = query.filter(Column::ActorId.eq(id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(kind) = &filter.target_type {
        query = query.filter(Column::TargetType.eq(kind.as_str()));
    }
    if let Some(id) = &filter.target_id {
        query = query.filter(Column::TargetId.eq(id.as_str()));
    }
    // Bounds go to MySQL as naive UTC: a TIMESTAMP-typed parameter past January 2038 would
    // compare wrongly there (tests/http/far_future.rs).
    let backend = conn.get_database_backend();
    if let Some(from) = filter.from {
        query = query.filter(Column::CreatedAt.gte(campus_db::utc_param(backend, from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(Column::CreatedAt.lt(campus_db::utc_param(backend, to)));
    }
    if let Some(after) = page.after_id {
        query = query.filter(Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await?;
    let page = Page::from_rows(rows, page, |r| r.id);
    Ok(page.map(|m| AuditRecord {
        id: m.id,
        actor_id: m.actor_id,
        action: m.action,
        target_type: m.target_type,
        target_id: m.target_id,
        request_id: m.request_id,
        ip: m.ip,
        user_agent: m.user_agent,
        before: m.before,
        after: m.after,
        created_at: m.created_at,
    }))
}
