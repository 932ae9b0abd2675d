//! Who may touch whose money.
//!
//! | role | balance, ledger, statement, enrollments | enroll, pay | record, reverse, contact, reports |
//! |---|---|---|---|
//! | admin, finance | every student | every student | yes |
//! | student | their own record | their own | – |
//! | parent | their linked children | – | – |
//! | teacher, user | – | – | – |
//!
//! Records the caller may not know about are `NotFound`, so existence does not leak.

use campus_db::entities::students;

use super::error::FinanceError;
use super::service::Finance;
use crate::identity::roles::{Families, FinanceStaff, RoleSet};
use crate::identity::{Principal, Role};

/// What a caller wants to do with a student's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Balance, ledger, statement, enrollments.
    Read,
    /// Enroll themself, pay their own dues.
    Own,
    /// Finance staff: record, reverse, contact, reports.
    Staff,
}

pub(crate) fn is_finance_staff(role: Role) -> bool {
    FinanceStaff::contains(role)
}

impl Finance {
    /// Checks `who` may do `access` on `student_id`'s money. Students reach their own record,
    /// parents their children's (read only), finance staff everyone's; teachers nothing.
    /// Records the caller may not know about are `NotFound`.
    /// Runs outside any transaction, on the read path (direct on SQLite).
    pub(crate) async fn check(
        &self,
        who: &Principal,
        student_id: i64,
        access: Access,
    ) -> Result<students::Model, FinanceError> {
        let role_ok = match access {
            Access::Staff => is_finance_staff(who.role),
            Access::Own => is_finance_staff(who.role) || who.role == Role::Student,
            Access::Read => is_finance_staff(who.role) || Families::contains(who.role),
        };
        if !role_ok {
            return Err(FinanceError::Forbidden);
        }
        let reads = self.reads();
        let student = crate::school::seen::student(reads, student_id)
            .await?
            .ok_or(FinanceError::NotFound("Student"))?;
        let visible = match who.role {
            _ if is_finance_staff(who.role) => true,
            Role::Student => student.user_id == Some(who.user_id),
            Role::Parent => crate::school::seen::guardian_link(reads, who.user_id, student_id).await?,
            _ => false,
        };
        if visible {
            Ok(student)
        } else {
            Err(FinanceError::NotFound("Student"))
        }
    }
}
