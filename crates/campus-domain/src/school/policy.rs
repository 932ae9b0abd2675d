//! Who may see and change which school record.
//!
//! | role | students | grades, GPA, attendance |
//! |---|---|---|
//! | admin | read, write, delete | read, write |
//! | teacher | read, write | read, write |
//! | finance | read | – |
//! | parent | their linked children, read | their linked children, read |
//! | student | their own record, read | their own, read |
//! | user | – | – |
//!
//! A parent or student asking for a record they may not see gets `NotFound`, so existence
//! does not leak; a role with no access at all gets `Forbidden`.

use campus_db::Reads;
use campus_db::entities::students;
use sea_orm::ConnectionTrait;

use super::error::SchoolError;
use super::repo;
use crate::identity::roles::{Admins, Families, RecordKeepers, RoleSet, SchoolStaff};
use crate::identity::{Principal, Role};

/// What is being done to a student's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The student record itself.
    ReadRecord,
    /// Grades, GPA, attendance.
    ReadProgress,
    /// Create or change records, grades, attendance.
    Write,
    /// Delete a student.
    Delete,
}

/// Whether `who` may do `access` on any student at all (before looking at which one).
pub fn role_allows(role: Role, access: Access) -> bool {
    match access {
        Access::Delete => Admins::contains(role),
        Access::Write => RecordKeepers::contains(role),
        Access::ReadRecord => SchoolStaff::contains(role) || Families::contains(role),
        Access::ReadProgress => RecordKeepers::contains(role) || Families::contains(role),
    }
}

/// Checks that `who` may do `access` on student `student_id`, which must exist.
pub async fn check(
    conn: &impl ConnectionTrait,
    who: &Principal,
    student_id: i64,
    access: Access,
) -> Result<(), SchoolError> {
    if !role_allows(who.role, access) {
        return Err(SchoolError::Forbidden);
    }
    let student = repo::student(conn, student_id)
        .await?
        .ok_or(SchoolError::NotFound)?;
    let allowed = match sees(who, &student) {
        Some(allowed) => allowed,
        None => repo::is_guardian(conn, who.user_id, student_id).await?,
    };
    if allowed {
        Ok(())
    } else {
        Err(SchoolError::NotFound)
    }
}

/// [`check`] outside a transaction, on the read path (direct on SQLite); returns the record.
pub async fn check_read(
    reads: Reads<'_>,
    who: &Principal,
    student_id: i64,
    access: Access,
) -> Result<students::Model, SchoolError> {
    if !role_allows(who.role, access) {
        return Err(SchoolError::Forbidden);
    }
    let student = super::seen::student(reads, student_id)
        .await?
        .ok_or(SchoolError::NotFound)?;
    let allowed = match sees(who, &student) {
        Some(allowed) => allowed,
        None => super::seen::guardian_link(reads, who.user_id, student_id).await?,
    };
    if allowed {
        Ok(student)
    } else {
        Err(SchoolError::NotFound)
    }
}

/// Whether `who` sees `student` by role alone; `None` for a parent, whose link decides.
fn sees(who: &Principal, student: &students::Model) -> Option<bool> {
    match who.role {
        _ if SchoolStaff::contains(who.role) => Some(true),
        Role::Student => Some(student.user_id == Some(who.user_id)),
        Role::Parent => None,
        _ => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_matches_the_issue() {
        use Access::*;
        let table = [
            (Role::Admin, [true, true, true, true]),
            (Role::Teacher, [true, true, true, false]),
            (Role::Finance, [true, false, false, false]),
            (Role::Parent, [true, true, false, false]),
            (Role::Student, [true, true, false, false]),
            (Role::User, [false, false, false, false]),
        ];
        for (role, expected) in table {
            let got = [ReadRecord, ReadProgress, Write, Delete].map(|a| role_allows(role, a));
            assert_eq!(got, expected, "{role}");
        }
    }
}
