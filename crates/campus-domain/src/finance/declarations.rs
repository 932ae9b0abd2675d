//! Payment declarations. With `finance.self_service_payments = "pending"` a student's own
//! payment is not money yet: it is a declaration ("I paid $250 by bank transfer, reference
//! X") that finance staff confirm — which posts the payment to the ledger, RECONCILED — or
//! reject with a note. Pending declarations do not reduce the balance. The ledger stays
//! append-only: only the declaration's status changes, once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::json;

use campus_config::SelfServicePayments;
use campus_db::entities::payment_declarations::{self, Column, Entity, Model};
use campus_db::entities::students;

use super::error::FinanceError;
use super::idempotency::{Claim, IdempotencyKey, Outcome, Render};
use super::payments::{Checked, check};
use super::policy::{Access, is_finance_staff};
use super::repo as ledger;
use super::{Finance, PaymentInput, money};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::notifications::{self, kinds as notice};
use crate::pagination::{Page, PageRequest};
use crate::retry::retry_transient;

/// A declaration's states.
pub mod states {
    pub const PENDING: &str = "PENDING";
    pub const CONFIRMED: &str = "CONFIRMED";
    pub const REJECTED: &str = "REJECTED";
}

/// A payment a student declared, and what finance staff made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declaration {
    pub id: i64,
    pub student_id: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub method: String,
    pub reference: Option<String>,
    pub notes: Option<String>,
    /// PENDING, CONFIRMED or REJECTED.
    pub status: String,
    pub declared_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The payment posted when it was confirmed.
    pub ledger_entry_id: Option<i64>,
}

impl From<Model> for Declaration {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            student_id: m.student_id,
            amount_cents: m.amount_cents,
            currency: m.currency,
            method: m.method,
            reference: m.reference,
            notes: m.notes,
            status: m.status,
            declared_at: m.created_at,
            decided_at: m.decided_at,
            decision_note: m.decision_note,
            ledger_entry_id: m.ledger_entry_id,
        }
    }
}

/// What finance staff decide.
#[derive(Debug, Clone)]
pub enum Decision {
    /// The money arrived: post it.
    Confirm,
    /// It did not; the note tells the student why.
    Reject { note: String },
}

impl Finance {
    /// Whether `who`'s own payments are declarations (the school reconciles them) rather
    /// than ledger entries.
    pub fn declares_own_payments(&self, who: &Principal) -> bool {
        self.settings.self_service_payments == SelfServicePayments::Pending && !is_finance_staff(who.role)
    }

    /// Declares a payment towards `student_id`'s dues (a student, their own). Not more than
    /// they owe, as for a payment; `Idempotency-Key` supported.
    pub async fn declare(
        &self,
        who: &Principal,
        student_id: i64,
        input: PaymentInput,
        key: Option<&IdempotencyKey>,
        render: Render<'_, Declaration>,
        meta: &RequestMeta,
    ) -> Result<Outcome<Declaration>, FinanceError> {
        let student = self.check(who, student_id, Access::Own).await?;
        let checked = check(&input, false)?;
        retry_transient(|| async {
            let txn = match self.claim(who.user_id, key).await? {
                Claim::Fresh(txn) => txn,
                Claim::Replayed { status, body } => return Ok(Outcome::Replayed { status, body }),
            };
            let dues = ledger::lock(&txn, student.id).await?;
            if input.amount_cents > dues {
                return Err(FinanceError::Overpayment {
                    amount_cents: input.amount_cents,
                    dues_cents: dues,
                });
            }
            let row = payment_declarations::ActiveModel {
                student_id: Set(student.id),
                amount_cents: Set(input.amount_cents),
                currency: Set(self.settings.currency.clone()),
                method: Set(checked.method.clone()),
                reference: Set(checked.reference.clone()),
                notes: Set(checked.notes.clone()),
                declared_by: Set(Some(who.user_id)),
                status: Set(states::PENDING.to_owned()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let declaration = Declaration::from(row);
            audit::record(
                &txn,
                meta,
                AuditEntry::new("payment.declared")
                    .actor(Some(who.user_id))
                    .target("student", student.id)
                    .after(json!(declaration)),
            )
            .await?;
            self.complete(txn, who.user_id, key, render, declaration).await
        })
        .await
    }

    /// A user declaring a payment towards their own dues (their linked student record).
    pub async fn declare_own(
        &self,
        who: &Principal,
        input: PaymentInput,
        key: Option<&IdempotencyKey>,
        render: Render<'_, Declaration>,
        meta: &RequestMeta,
    ) -> Result<Outcome<Declaration>, FinanceError> {
        let (student_id, as_student) = self.own_student(who).await?;
        self.declare(&as_student, student_id, input, key, render, meta)
            .await
    }

    /// Declarations, oldest first: finance staff see every student's (optionally one
    /// student's, optionally of one status); a student or parent sees those of a student
    /// they may read.
    pub async fn declarations(
        &self,
        who: &Principal,
        student_id: Option<i64>,
        status: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Declaration>, FinanceError> {
        match student_id {
            Some(id) => {
                self.check(who, id, Access::Read).await?;
            }
            None if is_finance_staff(who.role) => {}
            None => return Err(FinanceError::Forbidden),
        }
        let status = status.map(str::to_ascii_uppercase);
        if let Some(s) = &status
            && ![states::PENDING, states::CONFIRMED, states::REJECTED].contains(&s.as_str())
        {
            return Err(FinanceError::invalid(
                "status",
                "invalid_choice",
                "must be PENDING, CONFIRMED or REJECTED",
            ));
        }
        let mut q = Entity::find();
        if let Some(id) = student_id {
            q = q.filter(Column::StudentId.eq(id));
        }
        if let Some(s) = status {
            q = q.filter(Column::Status.eq(s));
        }
        if let Some(after) = page.after_id {
            q = q.filter(Column::Id.gt(after));
        }
        let rows = q
            .order_by_asc(Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Declaration::from))
    }

    /// Finance staff decide a pending declaration, once: confirming posts the payment
    /// (RECONCILED, recorded by the decider) in the same transaction; rejecting tells the
    /// student why. A second decision is 409, so a retried confirm never pays twice.
    pub async fn decide(
        &self,
        who: &Principal,
        id: i64,
        decision: Decision,
        meta: &RequestMeta,
    ) -> Result<Declaration, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let note = match &decision {
            Decision::Reject { note } => {
                let note = note.trim();
                if note.is_empty() || note.chars().count() > 500 {
                    return Err(FinanceError::invalid(
                        "note",
                        "invalid_length",
                        "give 1 to 500 characters",
                    ));
                }
                Some(note.to_owned())
            }
            Decision::Confirm => None,
        };
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let row = Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(FinanceError::NotFound("Declaration"))?;
            let status = if note.is_some() {
                states::REJECTED
            } else {
                states::CONFIRMED
            };
            let now = Utc::now();
            // The status moves from PENDING once; whoever loses a race finds it decided.
            let claimed = Entity::update_many()
                .col_expr(Column::Status, Expr::value(status))
                .col_expr(Column::DecidedBy, Expr::value(who.user_id))
                .col_expr(Column::DecidedAt, Expr::value(now))
                .col_expr(Column::DecisionNote, Expr::value(note.clone()))
                .filter(Column::Id.eq(id))
                .filter(Column::Status.eq(states::PENDING))
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 0 {
                return Err(FinanceError::Conflict("The declaration was already decided"));
            }
            let student = students::Entity::find_by_id(row.student_id)
                .one(&txn)
                .await?
                .ok_or(FinanceError::NotFound("Student"))?;
            let mut decided = Model {
                status: status.to_owned(),
                decided_by: Some(who.user_id),
                decided_at: Some(now),
                decision_note: note.clone(),
                ..row
            };
            if note.is_none() {
                let checked = Checked {
                    method: decided.method.clone(),
                    reference: decided.reference.clone(),
                    notes: decided.notes.clone(),
                    status: "RECONCILED".to_owned(),
                };
                let receipt = self
                    .pay_in(&txn, who, &student, decided.amount_cents, &checked, true, meta)
                    .await?;
                Entity::update_many()
                    .col_expr(Column::LedgerEntryId, Expr::value(receipt.entry.id))
                    .filter(Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
                decided.ledger_entry_id = Some(receipt.entry.id);
            } else if let Some(user_id) = student.user_id {
                notifications::push(
                    &txn,
                    user_id,
                    notice::GENERAL,
                    format!(
                        "Your declared payment of ${} was not confirmed: {}",
                        money::format(decided.amount_cents),
                        note.as_deref().unwrap_or_default()
                    ),
                    Some(json!({"declaration_id": id})),
                )
                .await?;
            }
            let declaration = Declaration::from(decided);
            audit::record(
                &txn,
                meta,
                AuditEntry::new(if note.is_none() {
                    "payment.declaration_confirmed"
                } else {
                    "payment.declaration_rejected"
                })
                .actor(Some(who.user_id))
                .target("student", student.id)
                .after(json!(declaration)),
            )
            .await?;
            txn.commit().await?;
            Ok(declaration)
        })
        .await
    }
}
