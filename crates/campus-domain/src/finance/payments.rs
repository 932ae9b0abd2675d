//! Payments (a student paying their own dues, or finance staff recording an external
//! payment) and reversals.

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::json;

use campus_db::entities::{ledger_entries, students};

use super::error::FinanceError;
use super::idempotency::{Claim, IdempotencyKey, Outcome, Render};
use super::model::{EntryReceipt, LedgerEntry, kinds};
use super::policy::{Access, is_finance_staff};
use super::repo::{self as ledger, NewEntry};
use super::{Finance, money};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::notifications::{self, kinds as notice};
use crate::retry::retry_transient;
use crate::validation::FieldIssue;

/// A payment. `amount_cents` is positive; parse it with [`money::parse_amount`].
#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    pub amount_cents: i64,
    /// MANUAL (default), BANK_TRANSFER, ONLINE, CASH, ... (letters, digits and `_`).
    pub method: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
    /// RECEIVED (default), PENDING or RECONCILED; only finance staff may set it.
    pub status: Option<String>,
}

pub(super) struct Checked {
    pub(super) method: String,
    pub(super) reference: Option<String>,
    pub(super) notes: Option<String>,
    pub(super) status: String,
}

pub(super) fn check(input: &PaymentInput, staff: bool) -> Result<Checked, FinanceError> {
    let mut issues = Vec::new();
    if !(1..=money::MAX_CENTS).contains(&input.amount_cents) {
        issues.push(FieldIssue::new(
            "amount",
            "out_of_range",
            "must be greater than 0",
        ));
    }
    let method = input
        .method
        .as_deref()
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "MANUAL".to_owned());
    if method.len() > 30 || !method.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        issues.push(FieldIssue::new(
            "payment_method",
            "invalid_format",
            "must be up to 30 letters, digits or _ (e.g. MANUAL, BANK_TRANSFER)",
        ));
    }
    let text = |issues: &mut Vec<FieldIssue>, field: &'static str, v: &Option<String>, max: usize| {
        let v = v
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if v.as_ref()
            .is_some_and(|v| v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n'))
        {
            issues.push(FieldIssue::new(
                field,
                "invalid_format",
                format!("must be at most {max} printable characters"),
            ));
        }
        v
    };
    let reference = text(&mut issues, "reference_number", &input.reference, 100);
    let notes = text(&mut issues, "notes", &input.notes, 2000);
    let status = input
        .status
        .as_deref()
        .map(|s| s.trim().to_ascii_uppercase())
        .unwrap_or_else(|| "RECEIVED".to_owned());
    if !matches!(status.as_str(), "RECEIVED" | "PENDING" | "RECONCILED") || (!staff && status != "RECEIVED") {
        issues.push(FieldIssue::new(
            "status",
            "invalid_choice",
            "must be RECEIVED, PENDING or RECONCILED (finance staff only)",
        ));
    }
    if issues.is_empty() {
        Ok(Checked {
            method,
            reference,
            notes,
            status,
        })
    } else {
        Err(FinanceError::Invalid(issues))
    }
}

impl Finance {
    /// A user paying their own dues (seed 002's student endpoint): their linked student record,
    /// held to a student's rules (no overpayment) whatever their role elsewhere.
    pub async fn pay_own_dues(
        &self,
        who: &Principal,
        input: PaymentInput,
        key: Option<&IdempotencyKey>,
        render: Render<'_, EntryReceipt>,
        meta: &RequestMeta,
    ) -> Result<Outcome<EntryReceipt>, FinanceError> {
        let (student_id, as_student) = self.own_student(who).await?;
        self.pay(&as_student, student_id, input, key, render, meta).await
    }

    /// A payment against `student_id`'s dues. A student paying their own may not pay more than
    /// they owe (seed 002); finance staff record external payments of any size (an excess is
    /// a credit on the ledger).
    pub async fn pay(
        &self,
        who: &Principal,
        student_id: i64,
        input: PaymentInput,
        key: Option<&IdempotencyKey>,
        render: Render<'_, EntryReceipt>,
        meta: &RequestMeta,
    ) -> Result<Outcome<EntryReceipt>, FinanceError> {
        let staff = is_finance_staff(who.role);
        if self.declares_own_payments(who) {
            // finance.self_service_payments = "pending": the surface must declare instead.
            return Err(FinanceError::Conflict(
                "Payments here are declared and confirmed by the finance office",
            ));
        }
        let student = self.check(who, student_id, Access::Own).await?;
        let checked = check(&input, staff)?;
        retry_transient(|| async {
            let txn = match self.claim(who.user_id, key).await? {
                Claim::Fresh(txn) => txn,
                Claim::Replayed { status, body } => return Ok(Outcome::Replayed { status, body }),
            };
            let receipt = self
                .pay_in(&txn, who, &student, input.amount_cents, &checked, staff, meta)
                .await?;
            self.complete(txn, who.user_id, key, render, receipt).await
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn pay_in(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        student: &students::Model,
        amount: i64,
        c: &Checked,
        staff: bool,
        meta: &RequestMeta,
    ) -> Result<EntryReceipt, FinanceError> {
        let before = ledger::lock(txn, student.id).await?;
        if !staff && amount > before {
            return Err(FinanceError::Overpayment {
                amount_cents: amount,
                dues_cents: before,
            });
        }
        let (entry, balance) = ledger::post(
            txn,
            &self.settings.currency,
            before,
            NewEntry {
                student_id: student.id,
                kind: kinds::PAYMENT,
                amount_cents: -amount,
                reference: c.reference.clone(),
                method: Some(c.method.clone()),
                status: Some(c.status.clone()),
                notes: c.notes.clone(),
                recorded_by: Some(who.user_id),
                ..NewEntry::default()
            },
        )
        .await?;
        if let Some(user_id) = student.user_id {
            let message = if staff {
                format!(
                    "Payment of ${} has been recorded. Remaining dues: ${}",
                    money::format(amount),
                    money::format(balance.max(0))
                )
            } else {
                format!(
                    "Payment of ${} received. Remaining dues: ${}",
                    money::format(amount),
                    money::format(balance)
                )
            };
            notifications::push(
                txn,
                user_id,
                notice::PAYMENT_RECEIVED,
                message,
                Some(json!({"entry_id": entry.id, "balance_cents": balance})),
            )
            .await?;
        }
        crate::mail::alerts::payment(
            txn,
            &self.alerts,
            student,
            &format!("{} {}", money::format(amount), self.settings.currency),
            &format!("{} {}", money::format(balance), self.settings.currency),
        )
        .await?;
        let receipt = EntryReceipt {
            entry: LedgerEntry::from(entry),
            balance_cents: balance,
        };
        audit::record(
            txn,
            meta,
            AuditEntry::new(if staff {
                "payment.recorded"
            } else {
                "payment.received"
            })
            .actor(Some(who.user_id))
            .target("student", student.id)
            .after(json!(receipt)),
        )
        .await?;
        Ok(receipt)
    }

    /// Reverses a ledger entry (finance staff) with a reason: a new entry of the opposite
    /// amount. An entry is reversed at most once; reversals are not reversed.
    pub async fn reverse(
        &self,
        who: &Principal,
        entry_id: i64,
        reason: String,
        key: Option<&IdempotencyKey>,
        render: Render<'_, EntryReceipt>,
        meta: &RequestMeta,
    ) -> Result<Outcome<EntryReceipt>, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let reason = reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(FinanceError::invalid(
                "reason",
                "invalid_length",
                "give a reason of 1 to 500 characters",
            ));
        }
        let found = ledger_entries::Entity::find_by_id(entry_id)
            .one(&self.db)
            .await?
            .ok_or(FinanceError::NotFound("Ledger entry"))?;
        retry_transient(|| async {
            let txn = match self.claim(who.user_id, key).await? {
                Claim::Fresh(txn) => txn,
                Claim::Replayed { status, body } => return Ok(Outcome::Replayed { status, body }),
            };
            let before = ledger::lock(&txn, found.student_id).await?;
            let receipt = self.reverse_in(&txn, who, found.clone(), before, &reason).await?;
            audit::record(
                &txn,
                meta,
                AuditEntry::new("ledger.reversed")
                    .actor(Some(who.user_id))
                    .target("ledger_entry", entry_id)
                    .after(json!({"reversal": receipt, "reason": reason})),
            )
            .await?;
            self.complete(txn, who.user_id, key, render, receipt).await
        })
        .await
    }

    pub(crate) async fn reverse_in(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        entry: ledger_entries::Model,
        before: i64,
        reason: &str,
    ) -> Result<EntryReceipt, FinanceError> {
        if entry.kind == kinds::REVERSAL {
            return Err(FinanceError::Conflict(
                "A reversal cannot be reversed; record a new entry instead",
            ));
        }
        let already = ledger_entries::Entity::find()
            .filter(ledger_entries::Column::ReversesEntryId.eq(entry.id))
            .one(txn)
            .await?;
        if already.is_some() {
            return Err(FinanceError::Conflict("This entry has already been reversed"));
        }
        let (reversal, balance) = ledger::post(
            txn,
            &self.settings.currency,
            before,
            NewEntry {
                student_id: entry.student_id,
                kind: kinds::REVERSAL,
                amount_cents: -entry.amount_cents,
                reference: entry.reference.clone(),
                method: entry.method.clone(),
                notes: Some(reason.to_owned()),
                recorded_by: Some(who.user_id),
                enrollment_id: entry.enrollment_id,
                reverses_entry_id: Some(entry.id),
                ..NewEntry::default()
            },
        )
        .await
        .map_err(|e| match e {
            FinanceError::Db(db) if campus_db::constraint_violation(&db).is_some() => {
                FinanceError::Conflict("This entry has already been reversed")
            }
            other => other,
        })?;
        Ok(EntryReceipt {
            entry: LedgerEntry::from(reversal),
            balance_cents: balance,
        })
    }
}
