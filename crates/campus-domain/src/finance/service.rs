//! The finance service: its handle, and the operations that find whose money a request is
//! about. The operations themselves are grouped by subject beside it (courses, enroll,
//! payments, reads, reports).

use campus_config::FinanceSettings;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use campus_db::entities::students;

use super::error::FinanceError;
use super::policy::is_finance_staff;
use super::repo;
use crate::identity::{Principal, Role};

/// The finance service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Finance {
    pub(crate) db: DatabaseConnection,
    pub(crate) settings: FinanceSettings,
    /// Which changes parents are told of (`[alerts]`).
    pub(crate) alerts: campus_config::AlertSettings,
    /// SQLite's direct read path (see `campus_db::Reads`); `None` elsewhere.
    pub(crate) direct: Option<std::sync::Arc<campus_db::SqliteReads>>,
}

impl Finance {
    pub fn new(db: DatabaseConnection, settings: &FinanceSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
            alerts: campus_config::AlertSettings::default(),
            direct: None,
        }
    }

    /// Serves reads outside transactions from `direct` (SQLite's direct read path).
    #[must_use]
    pub fn with_reads(mut self, direct: Option<std::sync::Arc<campus_db::SqliteReads>>) -> Self {
        self.direct = direct;
        self
    }

    /// Where this service's reads outside a transaction go.
    pub(crate) fn reads(&self) -> campus_db::Reads<'_> {
        campus_db::Reads::new(&self.db, self.direct.as_deref())
    }

    /// Uses the school's guardian alert rules (the defaults otherwise).
    #[must_use]
    pub fn with_alerts(mut self, alerts: &campus_config::AlertSettings) -> Self {
        self.alerts = alerts.clone();
        self
    }

    pub fn currency(&self) -> &str {
        &self.settings.currency
    }

    /// The caller's own student record, and the caller as its student: someone acting on
    /// their own dues is held to a student's rules whatever their role elsewhere.
    pub(super) async fn own_student(&self, who: &Principal) -> Result<(i64, Principal), FinanceError> {
        let student = self.student_of_user(who, false).await?;
        let as_student = Principal {
            role: Role::Student,
            ..who.clone()
        };
        Ok((student.id, as_student))
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

    /// Deletes stored `Idempotency-Key` answers older than `finance.idempotency_retention_hours`
    /// before `now`; returns how many. Run by each instance's purge timer (idempotent).
    pub async fn purge_idempotency_keys(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, sea_orm::DbErr> {
        let hours = i64::try_from(self.settings.idempotency_retention_hours).unwrap_or(i64::MAX / 3600);
        let cutoff = now - chrono::Duration::hours(hours.min(1_000_000));
        super::idempotency::purge_before(&self.db, cutoff).await
    }

    /// Students whose running balance differs from their ledger sum: `(student, balance,
    /// ledger sum)`. Empty means the books agree (`campus finance verify`).
    pub async fn verify(&self) -> Result<Vec<(i64, i64, i64)>, FinanceError> {
        Ok(repo::inconsistencies(&self.db).await?)
    }
}
