//! In-app notifications: written by other services inside their own transactions (an
//! enrollment and its notices commit together) and sent by staff to users or roles.

mod error;
mod model;
pub mod policy;
mod repo;
mod service;

pub use error::NotificationError;
pub use model::{MAX_RECIPIENTS, Notification, Recipients, kinds};
pub use repo::push;
pub use service::Notifications;
