//! Finance: courses, enrollments with their charges, an append-only ledger with a running
//! balance per student, idempotent payments, reversals, contact actions and reports.
//! docs/FINANCE.md explains the model.

mod courses;
mod enroll;
mod error;
mod idempotency;
mod ledger;
pub mod model;
pub mod money;
mod payments;
mod queries;
pub mod reports;

use campus_config::FinanceSettings;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use campus_db::entities::students;

pub use courses::{CourseInput, CoursePatch};
pub use error::FinanceError;
pub use idempotency::{IdempotencyKey, Outcome};
pub use model::{Balance, Course, Enrollment, EnrollmentReceipt, EntryReceipt, LedgerEntry, Statement};
pub use payments::PaymentInput;

use crate::identity::roles::{FinanceStaff, RoleSet};
use crate::identity::{Principal, Role};

/// The finance service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Finance {
    pub(crate) db: DatabaseConnection,
    pub(crate) settings: FinanceSettings,
}

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
    pub fn new(db: DatabaseConnection, settings: &FinanceSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
        }
    }

    pub fn currency(&self) -> &str {
        &self.settings.currency
    }

    /// Checks `who` may do `access` on `student_id`'s money. Students reach their own record,
    /// parents their children's (read only), finance staff everyone's; teachers nothing.
    /// Records the caller may not know about are `NotFound`.
    pub(crate) async fn check(
        &self,
        conn: &impl ConnectionTrait,
        who: &Principal,
        student_id: i64,
        access: Access,
    ) -> Result<students::Model, FinanceError> {
        let role_ok = match access {
            Access::Staff => is_finance_staff(who.role),
            Access::Own => is_finance_staff(who.role) || who.role == Role::Student,
            Access::Read => is_finance_staff(who.role) || matches!(who.role, Role::Student | Role::Parent),
        };
        if !role_ok {
            return Err(FinanceError::Forbidden);
        }
        let student = students::Entity::find_by_id(student_id)
            .one(conn)
            .await?
            .ok_or(FinanceError::NotFound("Student"))?;
        let visible = match who.role {
            _ if is_finance_staff(who.role) => true,
            Role::Student => student.user_id == Some(who.user_id),
            Role::Parent => crate::school::policy::is_guardian(conn, who.user_id, student_id).await?,
            _ => false,
        };
        if visible {
            Ok(student)
        } else {
            Err(FinanceError::NotFound("Student"))
        }
    }

    /// The student record of a user (seed 002: "the student is the user"). With `create`, a
    /// user of the student role who has none gets one, numbered like any other.
    pub async fn student_of_user(
        &self,
        who: &Principal,
        create: bool,
    ) -> Result<students::Model, FinanceError> {
        if let Some(s) = students::Entity::find()
            .filter(students::Column::UserId.eq(who.user_id))
            .one(&self.db)
            .await?
        {
            return Ok(s);
        }
        if !create || who.role != Role::Student {
            return Err(FinanceError::NotFound("Student"));
        }
        let user = crate::identity::repo::find(&self.db, who.user_id)
            .await?
            .ok_or(FinanceError::NotFound("Student"))?;
        let name = user
            .username
            .clone()
            .or(user.email.clone())
            .unwrap_or(user.name.clone());
        let name = if user.name.trim().is_empty() {
            name
        } else {
            user.name.clone()
        };
        let now = chrono::Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        let inserted = sea_orm::ActiveModelTrait::insert(
            students::ActiveModel {
                user_id: sea_orm::ActiveValue::Set(Some(who.user_id)),
                roll_number: sea_orm::ActiveValue::Set(format!("U{:06}", who.user_id)),
                name: sea_orm::ActiveValue::Set(name),
                status: sea_orm::ActiveValue::Set("active".to_owned()),
                created_at: sea_orm::ActiveValue::Set(now),
                updated_at: sea_orm::ActiveValue::Set(now),
                ..Default::default()
            },
            &txn,
        )
        .await;
        match inserted {
            Ok(s) => {
                txn.commit().await?;
                Ok(s)
            }
            Err(e) if campus_db::constraint_violation(&e).is_some() => {
                // Created concurrently by another request of the same user.
                drop(txn);
                students::Entity::find()
                    .filter(students::Column::UserId.eq(who.user_id))
                    .one(&self.db)
                    .await?
                    .ok_or(FinanceError::Db(e))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The student record of account `user_id`, for finance staff acting on it (seed 002 names
    /// students by their user id). Staff accounts hold no money (`StaffAccount`); a
    /// student-role account without a record gets one.
    pub async fn student_of_account(
        &self,
        who: &Principal,
        user_id: i64,
    ) -> Result<students::Model, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let user = crate::identity::repo::find(&self.db, user_id)
            .await?
            .ok_or(FinanceError::NotFound("Student"))?;
        let role = Role::parse(&user.role).unwrap_or(Role::User);
        if is_finance_staff(role) {
            return Err(FinanceError::StaffAccount);
        }
        self.student_of_user(&Principal::acting_as(user_id, role), true)
            .await
    }

    /// Students whose running balance differs from their ledger sum: `(student, balance,
    /// ledger sum)`. Empty means the books agree (`campus finance verify`).
    pub async fn verify(&self) -> Result<Vec<(i64, i64, i64)>, FinanceError> {
        Ok(ledger::inconsistencies(&self.db).await?)
    }
}
