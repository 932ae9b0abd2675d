//! Whose usage a caller may see and record.
//!
//! | role | read | start, heartbeat, stop |
//! |---|---|---|
//! | anyone | their own | their own |
//! | admin, teacher | everyone's (audited when it is someone else's) | everyone's |
//! | parent | their linked children's | – |
//! | finance, student, user | – | – |
//!
//! Someone else's usage without a right to it is `Forbidden` (seed 000's 403); an unknown
//! user is `NotFound`, told only to staff, who could list users anyway.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use campus_db::entities::{guardianships, students, users};

use super::error::UsageError;
use crate::identity::roles::{RecordKeepers, RoleSet};
use crate::identity::{Principal, Role};

/// How the caller reaches the target's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Own,
    /// Staff reading someone else's: audited.
    Staff,
    Guardian,
}

/// Whether `who` may record usage for `user_id` (their own, or staff for anyone).
pub async fn check_write(
    conn: &impl ConnectionTrait,
    who: &Principal,
    user_id: i64,
) -> Result<Reach, UsageError> {
    if who.user_id == user_id {
        return Ok(Reach::Own);
    }
    if !RecordKeepers::contains(who.role) {
        return Err(UsageError::Forbidden);
    }
    user_exists(conn, user_id).await?;
    Ok(Reach::Staff)
}

/// Whether `who` may read `user_id`'s usage.
pub async fn check_read(
    conn: &impl ConnectionTrait,
    who: &Principal,
    user_id: i64,
) -> Result<Reach, UsageError> {
    if who.user_id == user_id {
        return Ok(Reach::Own);
    }
    if RecordKeepers::contains(who.role) {
        user_exists(conn, user_id).await?;
        return Ok(Reach::Staff);
    }
    if who.role == Role::Parent && is_guardian_of_user(conn, who.user_id, user_id).await? {
        return Ok(Reach::Guardian);
    }
    Err(UsageError::Forbidden)
}

async fn user_exists(conn: &impl ConnectionTrait, user_id: i64) -> Result<(), UsageError> {
    let n = users::Entity::find_by_id(user_id).count(conn).await?;
    if n == 0 {
        Err(UsageError::NotFound("user"))
    } else {
        Ok(())
    }
}

/// Whether `parent` is a guardian of the student whose account is `user_id`.
async fn is_guardian_of_user(
    conn: &impl ConnectionTrait,
    parent: i64,
    user_id: i64,
) -> Result<bool, UsageError> {
    let student_ids = students::Entity::find()
        .filter(students::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id);
    let n = guardianships::Entity::find()
        .filter(guardianships::Column::ParentUserId.eq(parent))
        .filter(guardianships::Column::StudentId.is_in(student_ids))
        .count(conn)
        .await?;
    Ok(n > 0)
}
