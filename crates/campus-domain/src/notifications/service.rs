//! The notifications service: a user's own notifications, read marks, and staff messages to
//! users or to every active user of a role.

use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;

use super::error::NotificationError;
use super::model::{MAX_RECIPIENTS, Notification, Recipients, kind, message};
use super::{policy, repo};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::pagination::{Page, PageRequest};
use crate::validation::FieldIssue;

/// Most notifications seed 003's per-user list returns.
const LIST_FOR_LIMIT: u64 = 1000;

/// The notifications service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifications {
    db: DatabaseConnection,
}

impl Notifications {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The caller's notifications, newest first.
    pub async fn list(
        &self,
        who: &Principal,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<Notification>, DbErr> {
        let rows = repo::page_of(&self.db, who.user_id, unread_only, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Notification::from))
    }

    /// Seed 003's `GET /api/notifications/{user_id}`: that user, or an administrator.
    pub async fn list_for(
        &self,
        who: &Principal,
        user_id: i64,
    ) -> Result<Vec<Notification>, NotificationError> {
        policy::check_read_of(who, user_id)?;
        if !repo::user_exists(&self.db, user_id).await? {
            return Err(NotificationError::NotFound);
        }
        let rows = repo::newest_of(&self.db, user_id, LIST_FOR_LIMIT).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Marks one of the caller's notifications read (again is fine).
    pub async fn mark_read(&self, who: &Principal, id: i64) -> Result<Notification, NotificationError> {
        let model = repo::find_of(&self.db, who.user_id, id)
            .await?
            .ok_or(NotificationError::NotFound)?;
        if model.read_at.is_some() {
            return Ok(model.into());
        }
        Ok(repo::mark_read(&self.db, model).await?.into())
    }

    /// How many of the caller's notifications are unread (the portal's badge).
    pub async fn unread_count(&self, who: &Principal) -> Result<u64, DbErr> {
        repo::unread_count(&self.db, who.user_id).await
    }

    /// Marks every unread notification of the caller read; returns how many changed.
    pub async fn mark_all_read(&self, who: &Principal) -> Result<u64, DbErr> {
        repo::mark_all_read(&self.db, who.user_id).await
    }

    /// Staff (admin, teacher, finance) send a message to users or to every active user of a
    /// role, in one transaction.
    pub async fn send(
        &self,
        who: &Principal,
        to: Recipients,
        kind_text: Option<String>,
        message_text: String,
        meta: &RequestMeta,
    ) -> Result<Vec<Notification>, NotificationError> {
        policy::check_send(who)?;
        let mut issues = Vec::new();
        let message = message(&message_text).map_err(|e| issues.push(e)).ok();
        let kind = kind(kind_text).map_err(|e| issues.push(e)).ok();
        let ids: Vec<i64> = match &to {
            Recipients::Users(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            Recipients::Role(role) => repo::active_users_of(&self.db, *role).await?,
        };
        if matches!(to, Recipients::Users(_)) && (ids.is_empty() || ids.len() > MAX_RECIPIENTS) {
            issues.push(FieldIssue::new(
                "user_ids",
                "invalid_length",
                format!("give 1 to {MAX_RECIPIENTS} users"),
            ));
        }
        let (Some(message), Some(kind), true) = (message, kind, issues.is_empty()) else {
            return Err(NotificationError::Invalid(issues));
        };
        if matches!(to, Recipients::Users(_)) && repo::count_users(&self.db, &ids).await? != ids.len() as u64
        {
            return Err(NotificationError::NotFound);
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(Notification::from(
                super::push(&txn, *id, &kind, message.clone(), None).await?,
            ));
        }
        audit::record(
            &txn,
            meta,
            AuditEntry::new("notification.sent")
                .actor(Some(who.user_id))
                .after(json!({"recipients": ids.len(), "kind": kind})),
        )
        .await?;
        txn.commit().await?;
        Ok(out)
    }
}
