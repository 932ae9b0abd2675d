//! Who may send and read notifications: staff send; a user reads their own, an administrator
//! anyone's.

use super::error::NotificationError;
use crate::identity::Principal;
use crate::identity::roles::{Admins, RoleSet, SchoolStaff};

/// Admin, teacher and finance staff send notifications.
pub fn check_send(who: &Principal) -> Result<(), NotificationError> {
    if SchoolStaff::contains(who.role) {
        Ok(())
    } else {
        Err(NotificationError::Forbidden)
    }
}

/// `who` may read `user_id`'s notifications.
pub fn check_read_of(who: &Principal, user_id: i64) -> Result<(), NotificationError> {
    if who.user_id == user_id || Admins::contains(who.role) {
        Ok(())
    } else {
        Err(NotificationError::Forbidden)
    }
}
