//! Aging of what students owe: payments settle the oldest charges first, so what is still
//! owed belongs to the newest charges. The finance aging report, a statement's aging at its
//! end date, and the overdue-dues alert (parents told when the oldest unpaid charge is older
//! than `alerts.dues_overdue_days`, at most once a week — alert marks make N instances'
//! sweeps send one) all read the same split.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use campus_db::entities::{ledger_entries, student_balances, students};

use super::error::FinanceError;
use super::reports::DuesSort;
use super::{Finance, money};
use crate::identity::Principal;

/// The most students one overdue sweep looks at (the largest balances first).
const MAX_SWEPT: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingRow {
    pub student_id: i64,
    pub name: String,
    pub balance_cents: i64,
    pub days_0_30: i64,
    pub days_31_60: i64,
    pub days_61_90: i64,
    pub days_over_90: i64,
}

/// The charges `balance` is made of: `(charged at, part owed)`, newest first, taking each
/// debit (positive entries, newest first) until the balance is covered; then what is owed
/// beyond every recorded debit (nothing, with a consistent ledger).
fn owed_charges(balance: i64, debits: &[ledger_entries::Model]) -> (Vec<(DateTime<Utc>, i64)>, i64) {
    let mut parts = Vec::new();
    let mut left = balance;
    for e in debits {
        if left <= 0 {
            break;
        }
        let take = left.min(e.amount_cents);
        left -= take;
        parts.push((e.created_at, take));
    }
    (parts, left.max(0))
}

/// Splits what is owed into 0–30, 31–60, 61–90 and over 90 days by the age of the charges it
/// comes from.
pub(crate) fn age_balance(balance: i64, debits: &[ledger_entries::Model], now: DateTime<Utc>) -> [i64; 4] {
    let (parts, beyond) = owed_charges(balance, debits);
    let mut slots = [0i64; 4];
    for (at, take) in parts {
        let slot = match (now - at).num_days() {
            ..=30 => 0,
            31..=60 => 1,
            61..=90 => 2,
            _ => 3,
        };
        slots[slot] += take;
    }
    slots[3] += beyond;
    slots
}

impl Finance {
    /// A student's debits (positive entries) before `before` (or all), newest first.
    async fn debits_of(
        &self,
        student_id: i64,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<ledger_entries::Model>, FinanceError> {
        let mut q = ledger_entries::Entity::find()
            .filter(ledger_entries::Column::StudentId.eq(student_id))
            .filter(ledger_entries::Column::AmountCents.gt(0));
        if let Some(at) = before {
            let backend = sea_orm::ConnectionTrait::get_database_backend(&self.db);
            q = q.filter(ledger_entries::Column::CreatedAt.lt(campus_db::utc_param(backend, at)));
        }
        Ok(q.order_by_desc(ledger_entries::Column::Id)
            .limit(super::reads::MAX_STATEMENT_ENTRIES)
            .all(&self.db)
            .await?)
    }

    /// Outstanding balances by age of the charges they come from. Payments settle the oldest
    /// charges first, so what is still owed belongs to the newest charges.
    pub async fn aging(&self, who: &Principal, now: DateTime<Utc>) -> Result<Vec<AgingRow>, FinanceError> {
        let owing = self.outstanding(who, None, None, DuesSort::Amount).await?;
        // Every debit of every owing student in one query per 1,000 students, newest first.
        let mut debits_of: HashMap<i64, Vec<ledger_entries::Model>> = HashMap::new();
        let ids: Vec<i64> = owing.iter().map(|d| d.student_id).collect();
        for chunk in ids.chunks(1000) {
            for e in ledger_entries::Entity::find()
                .filter(ledger_entries::Column::StudentId.is_in(chunk.to_vec()))
                .filter(ledger_entries::Column::AmountCents.gt(0))
                .order_by_desc(ledger_entries::Column::Id)
                .all(&self.db)
                .await?
            {
                debits_of.entry(e.student_id).or_default().push(e);
            }
        }
        let mut out = Vec::with_capacity(owing.len());
        for d in owing {
            let debits = debits_of.remove(&d.student_id).unwrap_or_default();
            let mut row = AgingRow {
                student_id: d.student_id,
                name: d.name,
                balance_cents: d.balance_cents,
                days_0_30: 0,
                days_31_60: 0,
                days_61_90: 0,
                days_over_90: 0,
            };
            [row.days_0_30, row.days_31_60, row.days_61_90, row.days_over_90] =
                age_balance(d.balance_cents, &debits, now);
            out.push(row);
        }
        Ok(out)
    }

    /// What `student_id` owed at `at`, by age (see [`age_balance`]); no policy check (the
    /// caller has checked).
    pub(crate) async fn aging_at(
        &self,
        student_id: i64,
        balance: i64,
        at: DateTime<Utc>,
    ) -> Result<[i64; 4], FinanceError> {
        let debits = self.debits_of(student_id, Some(at)).await?;
        Ok(age_balance(balance, &debits, at))
    }

    /// Tells parents of dues overdue at `now`; returns how many students' parents were told.
    pub async fn alert_overdue_dues(&self, now: DateTime<Utc>) -> Result<usize, FinanceError> {
        let days = self.alerts.dues_overdue_days;
        if days == 0 {
            return Ok(0);
        }
        let limit = now - Duration::days(i64::from(days));
        let owing = student_balances::Entity::find()
            .filter(student_balances::Column::BalanceCents.gt(0))
            .order_by_desc(student_balances::Column::BalanceCents)
            .limit(MAX_SWEPT)
            .all(&self.db)
            .await?;
        let mut told = 0;
        for owed in owing {
            // Overdue when the oldest charge the balance is made of is old enough.
            let debits = self.debits_of(owed.student_id, None).await?;
            let oldest_owed = owed_charges(owed.balance_cents, &debits)
                .0
                .last()
                .map(|(at, _)| *at);
            if oldest_owed.is_none_or(|at| at > limit) {
                continue;
            }
            let Some(student) = students::Entity::find_by_id(owed.student_id)
                .one(&self.db)
                .await?
            else {
                continue;
            };
            let txn = campus_db::begin_write(&self.db).await?;
            let balance = format!("{} {}", money::format(owed.balance_cents), self.settings.currency);
            if crate::mail::alerts::dues_overdue(&txn, &student, &balance, now.date_naive()).await? {
                told += 1;
            }
            txn.commit().await?;
        }
        Ok(told)
    }
}
