//! Whose keys a caller reaches. Every user has their own namespace: the key-value operations
//! act on the caller's keys only, whatever their role; an administrator may list another
//! user's keys (audited), never read or change their values.

use super::error::KvError;
use crate::identity::Principal;
use crate::identity::roles::{Admins, RoleSet};

/// The namespace `who`'s operations act on.
pub fn owner(who: &Principal) -> i64 {
    who.user_id
}

/// `who` may list another user's keys.
pub fn check_list_other(who: &Principal) -> Result<(), KvError> {
    if Admins::contains(who.role) {
        Ok(())
    } else {
        Err(KvError::Forbidden)
    }
}
