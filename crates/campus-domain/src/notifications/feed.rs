//! The reads behind realtime streams: which users have notifications newer than an id (one
//! query per instance, whoever is listening), and one user's notifications after an id.
//! The notifications table is the durable event log: a stream resumes from the id of the
//! last event it delivered (`Last-Event-ID`), within [`REPLAY_DAYS`].

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use campus_db::entities::notifications;

use super::model::Notification;

/// How far back a resuming stream is replayed.
pub const REPLAY_DAYS: i64 = 7;

/// Reads for realtime streams. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Feed {
    db: DatabaseConnection,
}

impl Feed {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The highest notification id, or 0.
    pub async fn newest_id(&self) -> Result<i64, DbErr> {
        let max: Option<Option<i64>> = notifications::Entity::find()
            .select_only()
            .column_as(notifications::Column::Id.max(), "max")
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// The highest notification id of `user_id`, or 0.
    pub async fn newest_id_of(&self, user_id: i64) -> Result<i64, DbErr> {
        let max: Option<Option<i64>> = notifications::Entity::find()
            .select_only()
            .column_as(notifications::Column::Id.max(), "max")
            .filter(notifications::Column::UserId.eq(user_id))
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// `(id, user_id)` of notifications with ids above `after`, oldest first, at most `limit`.
    pub async fn recipients_after(&self, after: i64, limit: u64) -> Result<Vec<(i64, i64)>, DbErr> {
        notifications::Entity::find()
            .select_only()
            .columns([notifications::Column::Id, notifications::Column::UserId])
            .filter(notifications::Column::Id.gt(after))
            .order_by_asc(notifications::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// `user_id`'s notifications with ids above `after` created since `since`, oldest
    /// first, at most `limit`.
    pub async fn of_user_after(
        &self,
        user_id: i64,
        after: i64,
        since: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Notification>, DbErr> {
        Ok(notifications::Entity::find()
            .filter(notifications::Column::UserId.eq(user_id))
            .filter(notifications::Column::Id.gt(after))
            .filter(notifications::Column::CreatedAt.gte(since))
            .order_by_asc(notifications::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Notification::from)
            .collect())
    }
}
