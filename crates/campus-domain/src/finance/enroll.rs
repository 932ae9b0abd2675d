//! Enrollment creates the enrollment, its charge (the course fee as of now) and the notices in
//! one transaction. Dropping never deletes the charge; with `finance.refund_on_drop = "full"` a
//! reversal entry cancels it.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;

use campus_config::RefundRule;
use campus_db::entities::{courses, enrollments, ledger_entries, students};

use super::error::FinanceError;
use super::idempotency::{Claim, IdempotencyKey, Outcome, Render};
use super::model::{Course, Enrollment, EnrollmentReceipt, EntryReceipt, LedgerEntry, kinds};
use super::policy::Access;
use super::repo::{self as ledger, NewEntry};
use super::{Finance, money};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::notifications::{self, kinds as notice};
use crate::retry::retry_transient;

impl Finance {
    /// Enrolls `student_id` in `course_id` and charges the fee.
    pub async fn enroll(
        &self,
        who: &Principal,
        student_id: i64,
        course_id: i64,
        key: Option<&IdempotencyKey>,
        render: Render<'_, EnrollmentReceipt>,
        meta: &RequestMeta,
    ) -> Result<Outcome<EnrollmentReceipt>, FinanceError> {
        let student = self.check(who, student_id, Access::Own).await?;
        retry_transient(|| async {
            let txn = match self.claim(who.user_id, key).await? {
                Claim::Fresh(txn) => txn,
                Claim::Replayed { status, body } => return Ok(Outcome::Replayed { status, body }),
            };
            let receipt = self.enroll_in(&txn, who, &student, course_id, meta).await?;
            self.complete(txn, who.user_id, key, render, receipt).await
        })
        .await
    }

    async fn enroll_in(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        student: &students::Model,
        course_id: i64,
        meta: &RequestMeta,
    ) -> Result<EnrollmentReceipt, FinanceError> {
        let course = courses::Entity::find_by_id(course_id)
            .filter(courses::Column::Active.eq(true))
            .one(txn)
            .await?
            .ok_or(FinanceError::NotFound("Course"))?;
        let before = ledger::lock(txn, student.id).await?;
        let exists = enrollments::Entity::find()
            .filter(enrollments::Column::StudentId.eq(student.id))
            .filter(enrollments::Column::CourseId.eq(course_id))
            .one(txn)
            .await?;
        if exists.is_some() {
            return Err(FinanceError::Conflict("Student already enrolled in this course"));
        }
        let now = Utc::now();
        let enrollment = enrollments::ActiveModel {
            student_id: Set(student.id),
            course_id: Set(course.id),
            fee_cents: Set(course.fee_cents),
            status: Set("ACTIVE".to_owned()),
            enrolled_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let (charge, balance) = ledger::post(
            txn,
            &self.settings.currency,
            before,
            NewEntry {
                student_id: student.id,
                kind: kinds::CHARGE,
                amount_cents: course.fee_cents,
                reference: Some(course.code.clone()),
                notes: Some(format!("Enrollment in {}", course.name)),
                recorded_by: Some(who.user_id),
                enrollment_id: Some(enrollment.id),
                ..NewEntry::default()
            },
        )
        .await?;
        if let Some(user_id) = student.user_id {
            notifications::push(
                txn,
                user_id,
                notice::ENROLLMENT,
                format!(
                    "You have successfully enrolled in {}. Course fee: ${}",
                    course.name,
                    money::format(course.fee_cents)
                ),
                Some(json!({"enrollment_id": enrollment.id, "course_id": course.id})),
            )
            .await?;
            notifications::push(
                txn,
                user_id,
                notice::FINANCE_ALERT,
                format!(
                    "Student {} enrolled in {}. New dues: ${}",
                    student.name,
                    course.name,
                    money::format(balance)
                ),
                Some(json!({"student_id": student.id, "balance_cents": balance})),
            )
            .await?;
        }
        let receipt = EnrollmentReceipt {
            enrollment: Enrollment::from(enrollment),
            course: Course::from(course),
            charge: LedgerEntry::from(charge),
            balance_cents: balance,
        };
        audit::record(
            txn,
            meta,
            AuditEntry::new("enrollment.created")
                .actor(Some(who.user_id))
                .target("student", student.id)
                .after(json!(receipt)),
        )
        .await?;
        Ok(receipt)
    }

    /// Drops an enrollment; the charge stays unless the refund rule says otherwise.
    pub async fn drop_enrollment(
        &self,
        who: &Principal,
        enrollment_id: i64,
        meta: &RequestMeta,
    ) -> Result<(Enrollment, Option<EntryReceipt>), FinanceError> {
        let found = enrollments::Entity::find_by_id(enrollment_id)
            .one(&self.db)
            .await?
            .ok_or(FinanceError::NotFound("Enrollment"))?;
        self.check(who, found.student_id, Access::Own).await?;
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let before = ledger::lock(&txn, found.student_id).await?;
            let model = enrollments::Entity::find_by_id(enrollment_id)
                .one(&txn)
                .await?
                .ok_or(FinanceError::NotFound("Enrollment"))?;
            if model.status == "DROPPED" {
                return Err(FinanceError::Conflict("The enrollment is already dropped"));
            }
            let mut a = model.into_active_model();
            a.status = Set("DROPPED".to_owned());
            a.updated_at = Set(Utc::now());
            let dropped = Enrollment::from(a.update(&txn).await?);
            let refund = match self.settings.refund_on_drop {
                RefundRule::None => None,
                RefundRule::Full => {
                    let charge = ledger_entries::Entity::find()
                        .filter(ledger_entries::Column::EnrollmentId.eq(enrollment_id))
                        .filter(ledger_entries::Column::Kind.eq(kinds::CHARGE))
                        .one(&txn)
                        .await?;
                    match charge {
                        Some(c) => Some(
                            self.reverse_in(&txn, who, c, before, "Enrollment dropped")
                                .await?,
                        ),
                        None => None,
                    }
                }
            };
            audit::record(
                &txn,
                meta,
                AuditEntry::new("enrollment.dropped")
                    .actor(Some(who.user_id))
                    .target("enrollment", enrollment_id)
                    .after(json!({"enrollment": dropped, "refund": refund})),
            )
            .await?;
            txn.commit().await?;
            Ok((dropped, refund))
        })
        .await
    }
}
