//! The overdue-dues alert: students whose oldest unpaid charge is older than
//! `alerts.dues_overdue_days` have their parents told, at most once a week (the alert marks
//! make N instances' sweeps send one).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use campus_db::entities::{ledger_entries, student_balances, students};

use super::Finance;
use super::error::FinanceError;
use super::money;

/// The most students one sweep looks at (the largest balances first).
const MAX_SWEPT: u64 = 10_000;

impl Finance {
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
            .all(&self.db)
            .await?;
        let mut told = 0;
        for owed in owing.into_iter().take(MAX_SWEPT as usize) {
            // Payments settle the oldest charges first: what is owed is the newest charges,
            // back to the one that covers the balance. Overdue if that one is old enough.
            let debits = ledger_entries::Entity::find()
                .filter(ledger_entries::Column::StudentId.eq(owed.student_id))
                .filter(ledger_entries::Column::AmountCents.gt(0))
                .order_by_desc(ledger_entries::Column::Id)
                .all(&self.db)
                .await?;
            let mut left = owed.balance_cents;
            let mut oldest_owed = None;
            for d in &debits {
                if left <= 0 {
                    break;
                }
                left -= d.amount_cents;
                oldest_owed = Some(d.created_at);
            }
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
