//! In-app notifications: written by other services inside their own transactions (an
//! enrollment and its notices commit together) and sent by staff to users or roles.

mod error;
mod feed;
mod model;
pub mod policy;
pub(crate) mod repo;
mod service;

pub use error::NotificationError;
pub use feed::{Feed, REPLAY_DAYS};
pub use model::{MAX_RECIPIENTS, Notification, Recipients, kinds};
pub use service::Notifications;

/// Adds an in-app notification and, if the user's preference for its topic says so, queues
/// it by email (same connection, so inside the caller's transaction).
pub async fn push(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: i64,
    kind: &str,
    message: String,
    data: Option<serde_json::Value>,
) -> Result<campus_db::entities::notifications::Model, sea_orm::DbErr> {
    crate::mail::alerts::email_notification(conn, user_id, kind, &message, None).await?;
    repo::push(conn, user_id, kind, message, data).await
}
