//! In-app notifications: written by other services inside their own transactions (an
//! enrollment and its notices commit together) and sent by staff to users or roles.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::{Value, json};

use campus_db::entities::{notifications, users};

use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::roles::{RoleSet, SchoolStaff};
use crate::identity::{Principal, Role};
use crate::pagination::{Page, PageRequest};
use crate::validation::FieldIssue;

/// Notification kinds the services use (seed 002's names).
pub mod kinds {
    pub const ENROLLMENT: &str = "ENROLLMENT";
    pub const FINANCE_ALERT: &str = "FINANCE_ALERT";
    pub const PAYMENT_RECEIVED: &str = "PAYMENT_RECEIVED";
    pub const CONTACT_REQUEST: &str = "CONTACT_REQUEST";
    pub const GENERAL: &str = "GENERAL";
}

/// Most recipients of one send.
pub const MAX_RECIPIENTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    /// ENROLLMENT, FINANCE_ALERT, PAYMENT_RECEIVED, CONTACT_REQUEST, GENERAL, ...
    pub kind: String,
    pub message: String,
    pub data: Option<Value>,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<notifications::Model> for Notification {
    fn from(m: notifications::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            kind: m.kind,
            message: m.message,
            data: m.data.and_then(|d| serde_json::from_str(&d).ok()),
            read: m.read_at.is_some(),
            read_at: m.read_at,
            created_at: m.created_at,
        }
    }
}

/// Who a staff notification goes to.
#[derive(Debug, Clone)]
pub enum Recipients {
    Users(Vec<i64>),
    Role(Role),
}

#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbErr),
}

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

/// The notifications service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifications {
    db: DatabaseConnection,
}

impl Notifications {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// A user's notifications, newest first.
    pub async fn list(
        &self,
        user_id: i64,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<Notification>, DbErr> {
        let mut q = notifications::Entity::find().filter(notifications::Column::UserId.eq(user_id));
        if unread_only {
            q = q.filter(notifications::Column::ReadAt.is_null());
        }
        if let Some(before) = page.after_id {
            q = q.filter(notifications::Column::Id.lt(before));
        }
        let rows = q
            .order_by_desc(notifications::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Notification::from))
    }

    /// Seed 003's `GET /api/notifications/{user_id}`: that user, or an administrator.
    pub async fn list_for(
        &self,
        who: &Principal,
        user_id: i64,
    ) -> Result<Vec<Notification>, NotificationError> {
        if who.user_id != user_id && who.role != Role::Admin {
            return Err(NotificationError::Forbidden);
        }
        if users::Entity::find_by_id(user_id).one(&self.db).await?.is_none() {
            return Err(NotificationError::NotFound);
        }
        let rows = notifications::Entity::find()
            .filter(notifications::Column::UserId.eq(user_id))
            .order_by_desc(notifications::Column::Id)
            .limit(1000)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn mark_read(&self, user_id: i64, id: i64) -> Result<Notification, NotificationError> {
        let model = notifications::Entity::find_by_id(id)
            .filter(notifications::Column::UserId.eq(user_id))
            .one(&self.db)
            .await?
            .ok_or(NotificationError::NotFound)?;
        if model.read_at.is_some() {
            return Ok(model.into());
        }
        let mut a: notifications::ActiveModel = model.into();
        a.read_at = Set(Some(Utc::now()));
        Ok(a.update(&self.db).await?.into())
    }

    /// Marks every unread notification of the user read; returns how many changed.
    pub async fn mark_all_read(&self, user_id: i64) -> Result<u64, DbErr> {
        let result = notifications::Entity::update_many()
            .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
            .filter(notifications::Column::UserId.eq(user_id))
            .filter(notifications::Column::ReadAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    /// Staff (admin, teacher, finance) send a message to users or to every active user of a
    /// role, in one transaction.
    pub async fn send(
        &self,
        who: &Principal,
        to: Recipients,
        kind: Option<String>,
        message: String,
        meta: &RequestMeta,
    ) -> Result<Vec<Notification>, NotificationError> {
        if !SchoolStaff::contains(who.role) {
            return Err(NotificationError::Forbidden);
        }
        let message = message.trim().to_owned();
        let mut issues = Vec::new();
        if message.is_empty() || message.chars().count() > 2000 {
            issues.push(FieldIssue::new(
                "message",
                "invalid_length",
                "must be 1 to 2000 characters",
            ));
        }
        let kind = kind
            .map(|k| k.trim().to_ascii_uppercase())
            .unwrap_or_else(|| kinds::GENERAL.to_owned());
        if kind.is_empty() || kind.len() > 30 || !kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            issues.push(FieldIssue::new(
                "kind",
                "invalid_format",
                "must be 1 to 30 letters A-Z or _",
            ));
        }
        let ids: Vec<i64> = match &to {
            Recipients::Users(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            Recipients::Role(role) => {
                users::Entity::find()
                    .select_only()
                    .column(users::Column::Id)
                    .filter(users::Column::Role.eq(role.as_str()))
                    .filter(users::Column::IsActive.eq(true))
                    .into_tuple()
                    .all(&self.db)
                    .await?
            }
        };
        if matches!(to, Recipients::Users(_)) && (ids.is_empty() || ids.len() > MAX_RECIPIENTS) {
            issues.push(FieldIssue::new(
                "user_ids",
                "invalid_length",
                format!("give 1 to {MAX_RECIPIENTS} users"),
            ));
        }
        if !issues.is_empty() {
            return Err(NotificationError::Invalid(issues));
        }
        if let Recipients::Users(_) = to {
            let found = users::Entity::find()
                .filter(users::Column::Id.is_in(ids.clone()))
                .count(&self.db)
                .await?;
            if found != ids.len() as u64 {
                return Err(NotificationError::NotFound);
            }
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(Notification::from(
                push(&txn, *id, &kind, message.clone(), None).await?,
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
