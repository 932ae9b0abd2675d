//! Finance reports (finance staff): outstanding dues, unpaid buckets, pass/fail by threshold,
//! aging and daily transactions. Amounts are minor units; surfaces convert.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use campus_db::entities::{enrollments, ledger_entries, student_balances, students, users};

use super::Finance;
pub use super::aging::AgingRow;
use super::error::FinanceError;
use super::model::{Course, Enrollment, LedgerEntry};
use super::policy::is_finance_staff;
use crate::identity::Principal;

/// One student's position.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentDues {
    pub student_id: i64,
    pub user_id: Option<i64>,
    pub roll_number: String,
    pub name: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub balance_cents: i64,
    /// Sum of enrollment fee snapshots.
    pub total_fees_cents: i64,
    pub total_enrollments: u64,
    pub last_payment_at: Option<DateTime<Utc>>,
}

/// Sort orders of the dues list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuesSort {
    /// Largest dues first (default).
    Amount,
    /// By name, then roll number.
    Name,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Buckets {
    pub critical: Vec<StudentDues>,
    pub moderate: Vec<StudentDues>,
    pub low: Vec<StudentDues>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyRow {
    pub date: NaiveDate,
    pub kind: String,
    pub count: u64,
    pub total_cents: i64,
}

/// A student's enrollments (with courses) and most recent payments, for reports.
#[derive(Debug, Clone, Default)]
pub struct StudentDetail {
    pub enrollments: Vec<(Enrollment, Course)>,
    /// Newest first.
    pub payments: Vec<LedgerEntry>,
}

/// Longest period of the daily report.
pub const MAX_DAILY_DAYS: i64 = 366;

impl Finance {
    fn staff_only(&self, who: &Principal) -> Result<(), FinanceError> {
        if is_finance_staff(who.role) {
            Ok(())
        } else {
            Err(FinanceError::Forbidden)
        }
    }

    /// Every student (with `only_owing`, those with dues > 0), with fees and enrollments.
    async fn positions(&self, only_owing: bool) -> Result<Vec<StudentDues>, FinanceError> {
        let mut q = student_balances::Entity::find();
        if only_owing {
            q = q.filter(student_balances::Column::BalanceCents.gt(0));
        }
        let balances: HashMap<i64, student_balances::Model> = q
            .all(&self.db)
            .await?
            .into_iter()
            .map(|b| (b.student_id, b))
            .collect();
        let students = if only_owing {
            // Bounded IN lists: SQLite and PostgreSQL cap the parameters of one statement.
            let mut owing: Vec<i64> = balances.keys().copied().collect();
            owing.sort_unstable();
            let mut rows = Vec::with_capacity(owing.len());
            for chunk in owing.chunks(1000) {
                rows.extend(
                    students::Entity::find()
                        .filter(students::Column::Id.is_in(chunk.to_vec()))
                        .order_by_asc(students::Column::Id)
                        .all(&self.db)
                        .await?,
                );
            }
            rows
        } else {
            students::Entity::find()
                .order_by_asc(students::Column::Id)
                .all(&self.db)
                .await?
        };
        let mut fees: HashMap<i64, (i64, u64)> = HashMap::new();
        // Only the listed students' enrollments, 1,000 students per query.
        let ids: Vec<i64> = students.iter().map(|s| s.id).collect();
        for chunk in ids.chunks(1000) {
            let rows: Vec<(i64, i64)> = enrollments::Entity::find()
                .select_only()
                .column(enrollments::Column::StudentId)
                .column(enrollments::Column::FeeCents)
                .filter(enrollments::Column::StudentId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (sid, fee) in rows {
                let f = fees.entry(sid).or_default();
                f.0 = f.0.saturating_add(fee);
                f.1 += 1;
            }
        }
        let user_ids: Vec<i64> = students.iter().filter_map(|s| s.user_id).collect();
        let mut accounts: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
        for chunk in user_ids.chunks(1000) {
            let found: Vec<(i64, Option<String>, Option<String>)> = users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .column(users::Column::Username)
                .column(users::Column::Email)
                .filter(users::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            accounts.extend(found.into_iter().map(|(id, u, e)| (id, (u, e))));
        }
        Ok(students
            .into_iter()
            .map(|s| {
                let b = balances.get(&s.id);
                let (total_fees_cents, total_enrollments) = fees.get(&s.id).copied().unwrap_or_default();
                let (username, email) = s
                    .user_id
                    .and_then(|u| accounts.get(&u).cloned())
                    .unwrap_or_default();
                StudentDues {
                    student_id: s.id,
                    user_id: s.user_id,
                    roll_number: s.roll_number,
                    name: s.name,
                    username,
                    email,
                    balance_cents: b.map_or(0, |b| b.balance_cents),
                    total_fees_cents,
                    total_enrollments,
                    last_payment_at: b.and_then(|b| b.last_payment_at),
                }
            })
            .collect())
    }

    /// Students owing more than 0, optionally within `[min, max]` cents.
    pub async fn outstanding(
        &self,
        who: &Principal,
        min_cents: Option<i64>,
        max_cents: Option<i64>,
        sort: DuesSort,
    ) -> Result<Vec<StudentDues>, FinanceError> {
        self.staff_only(who)?;
        let mut rows: Vec<StudentDues> = self
            .positions(true)
            .await?
            .into_iter()
            .filter(|d| min_cents.is_none_or(|m| d.balance_cents >= m))
            .filter(|d| max_cents.is_none_or(|m| d.balance_cents <= m))
            .collect();
        match sort {
            DuesSort::Amount => rows.sort_by(|a, b| {
                b.balance_cents
                    .cmp(&a.balance_cents)
                    .then(a.student_id.cmp(&b.student_id))
            }),
            DuesSort::Name => rows.sort_by(|a, b| {
                let key = |d: &StudentDues| d.username.clone().unwrap_or_else(|| d.name.clone());
                key(a).cmp(&key(b)).then(a.roll_number.cmp(&b.roll_number))
            }),
        }
        Ok(rows)
    }

    /// Owing students in buckets by the configured thresholds (major units): critical above
    /// `critical_above`, moderate from `moderate_from` to it, low below.
    pub async fn buckets(&self, who: &Principal) -> Result<(Vec<StudentDues>, Buckets), FinanceError> {
        let all = self.outstanding(who, None, None, DuesSort::Amount).await?;
        let critical = self.settings.critical_above.saturating_mul(100);
        let moderate = self.settings.moderate_from.saturating_mul(100);
        let pick = |f: &dyn Fn(i64) -> bool| {
            all.iter()
                .filter(|d| f(d.balance_cents))
                .cloned()
                .collect::<Vec<_>>()
        };
        let buckets = Buckets {
            critical: pick(&|b| b > critical),
            moderate: pick(&|b| (moderate..=critical).contains(&b)),
            low: pick(&|b| b < moderate),
        };
        Ok((all, buckets))
    }

    /// Every student, PASS when their balance is at most `threshold_cents`.
    pub async fn pass_fail(
        &self,
        who: &Principal,
        threshold_cents: i64,
    ) -> Result<(Vec<StudentDues>, Vec<StudentDues>), FinanceError> {
        self.staff_only(who)?;
        Ok(self
            .positions(false)
            .await?
            .into_iter()
            .partition(|d| d.balance_cents <= threshold_cents))
    }

    /// Enrollments (with courses) and payments (newest first, at most `payments` each) of many
    /// students, for reports: a few queries, not a few per student. Finance staff only.
    pub async fn report_details(
        &self,
        who: &Principal,
        student_ids: &[i64],
        payments: usize,
    ) -> Result<HashMap<i64, StudentDetail>, FinanceError> {
        self.staff_only(who)?;
        let mut out: HashMap<i64, StudentDetail> = HashMap::new();
        for chunk in student_ids.chunks(1000) {
            let q = enrollments::Entity::find()
                .filter(enrollments::Column::StudentId.is_in(chunk.to_vec()))
                .order_by_asc(enrollments::Column::Id);
            for (e, c) in super::reads::with_courses(&self.db, q).await? {
                out.entry(e.student_id).or_default().enrollments.push((e, c));
            }
            for p in ledger_entries::Entity::find()
                .filter(ledger_entries::Column::StudentId.is_in(chunk.to_vec()))
                .filter(ledger_entries::Column::Kind.eq(super::model::kinds::PAYMENT))
                .order_by_desc(ledger_entries::Column::Id)
                .all(&self.db)
                .await?
            {
                let list = &mut out.entry(p.student_id).or_default().payments;
                if list.len() < payments {
                    list.push(p.into());
                }
            }
        }
        Ok(out)
    }

    /// Count and total per day and entry kind in `[from, to)` (UTC days, at most a year).
    pub async fn daily(
        &self,
        who: &Principal,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRow>, FinanceError> {
        self.staff_only(who)?;
        if to <= from || (to - from).num_days() > MAX_DAILY_DAYS {
            return Err(FinanceError::invalid(
                "to",
                "out_of_range",
                format!("must be after `from`, at most {MAX_DAILY_DAYS} days later"),
            ));
        }
        let start = from.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = to.and_time(chrono::NaiveTime::MIN).and_utc();
        let rows: Vec<(String, i64, DateTime<Utc>)> = ledger_entries::Entity::find()
            .select_only()
            .column(ledger_entries::Column::Kind)
            .column(ledger_entries::Column::AmountCents)
            .column(ledger_entries::Column::CreatedAt)
            .filter(
                ledger_entries::Column::CreatedAt
                    .gte(campus_db::utc_param(self.db.get_database_backend(), start)),
            )
            .filter(
                ledger_entries::Column::CreatedAt
                    .lt(campus_db::utc_param(self.db.get_database_backend(), end)),
            )
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut days: BTreeMap<(NaiveDate, String), (u64, i64)> = BTreeMap::new();
        for (kind, amount, at) in rows {
            let slot = days.entry((at.date_naive(), kind)).or_default();
            slot.0 += 1;
            slot.1 = slot.1.saturating_add(amount);
        }
        Ok(days
            .into_iter()
            .map(|((date, kind), (count, total_cents))| DailyRow {
                date,
                kind,
                count,
                total_cents,
            })
            .collect())
    }
}
