//! Reads of a student's money: balance, ledger pages, statements, enrollments.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use campus_db::entities::{courses, enrollments, ledger_entries, student_balances};

use super::Finance;
use super::error::FinanceError;
use super::model::{Balance, Course, Enrollment, LedgerEntry, Statement};
use super::policy::Access;
use crate::identity::Principal;
use crate::pagination::{Page, PageRequest};

/// Most entries one statement lists.
pub const MAX_STATEMENT_ENTRIES: u64 = 10_000;

impl Finance {
    pub async fn balance(&self, who: &Principal, student_id: i64) -> Result<Balance, FinanceError> {
        // Finance staff may read every balance, so for them a balance row alone proves the
        // student exists (foreign key): one query. Others, and a student without entries yet,
        // go through the access check first.
        let staff = super::policy::is_finance_staff(who.role);
        if !staff {
            self.check(who, student_id, Access::Read).await?;
        }
        let row = self
            .reads()
            .one(student_balances::Entity::find_by_id(student_id))
            .await?;
        if staff && row.is_none() {
            self.check(who, student_id, Access::Read).await?;
        }
        Ok(Balance {
            student_id,
            balance_cents: row.as_ref().map_or(0, |b| b.balance_cents),
            currency: self.settings.currency.clone(),
            last_payment_at: row.and_then(|b| b.last_payment_at),
        })
    }

    /// Entries oldest first, cursor-paginated.
    pub async fn ledger(
        &self,
        who: &Principal,
        student_id: i64,
        page: PageRequest,
    ) -> Result<Page<LedgerEntry>, FinanceError> {
        self.check(who, student_id, Access::Read).await?;
        let mut q = ledger_entries::Entity::find().filter(ledger_entries::Column::StudentId.eq(student_id));
        if let Some(after) = page.after_id {
            q = q.filter(ledger_entries::Column::Id.gt(after));
        }
        let rows = q
            .order_by_asc(ledger_entries::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(LedgerEntry::from))
    }

    /// Opening balance at `from`, the entries in `[from, to)`, closing balance.
    pub async fn statement(
        &self,
        who: &Principal,
        student_id: i64,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Statement, FinanceError> {
        self.check(who, student_id, Access::Read).await?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(FinanceError::invalid(
                "from",
                "out_of_range",
                "must not be after `to`",
            ));
        }
        let opening = match from {
            Some(f) => sum_before(&self.db, student_id, f).await?,
            None => 0,
        };
        let backend = self.db.get_database_backend();
        let mut q = ledger_entries::Entity::find().filter(ledger_entries::Column::StudentId.eq(student_id));
        if let Some(f) = from {
            q = q.filter(ledger_entries::Column::CreatedAt.gte(campus_db::utc_param(backend, f)));
        }
        if let Some(t) = to {
            q = q.filter(ledger_entries::Column::CreatedAt.lt(campus_db::utc_param(backend, t)));
        }
        let rows = q
            .order_by_asc(ledger_entries::Column::Id)
            .limit(MAX_STATEMENT_ENTRIES + 1)
            .all(&self.db)
            .await?;
        if rows.len() as u64 > MAX_STATEMENT_ENTRIES {
            return Err(FinanceError::invalid(
                "from",
                "too_many_entries",
                format!("the period has more than {MAX_STATEMENT_ENTRIES} entries; choose a shorter one"),
            ));
        }
        let entries: Vec<LedgerEntry> = rows.into_iter().map(Into::into).collect();
        let closing = entries
            .iter()
            .fold(opening, |acc, e| acc.saturating_add(e.amount_cents));
        Ok(Statement {
            student_id,
            currency: self.settings.currency.clone(),
            from,
            to,
            opening_balance_cents: opening,
            entries,
            closing_balance_cents: closing,
        })
    }

    /// A student's enrollments with their courses, oldest first.
    pub async fn enrollments(
        &self,
        who: &Principal,
        student_id: i64,
    ) -> Result<Vec<(Enrollment, Course)>, FinanceError> {
        self.check(who, student_id, Access::Read).await?;
        let q = enrollments::Entity::find()
            .filter(enrollments::Column::StudentId.eq(student_id))
            .order_by_asc(enrollments::Column::Id);
        Ok(with_courses(&self.db, q).await?)
    }

    /// One ledger entry and the student's balance right after it (for a receipt).
    pub async fn entry_with_balance(
        &self,
        who: &Principal,
        entry_id: i64,
    ) -> Result<(LedgerEntry, i64), FinanceError> {
        let entry = ledger_entries::Entity::find_by_id(entry_id)
            .one(&self.db)
            .await?
            .ok_or(FinanceError::NotFound("Ledger entry"))?;
        self.check(who, entry.student_id, Access::Read)
            .await
            .map_err(|e| match e {
                // Somebody else's entry: as if it did not exist.
                FinanceError::NotFound(_) => FinanceError::NotFound("Ledger entry"),
                other => other,
            })?;
        let amounts: Vec<i64> = ledger_entries::Entity::find()
            .select_only()
            .column(ledger_entries::Column::AmountCents)
            .filter(ledger_entries::Column::StudentId.eq(entry.student_id))
            .filter(ledger_entries::Column::Id.lte(entry.id))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok((entry.into(), amounts.into_iter().fold(0i64, i64::saturating_add)))
    }

    /// A student's payments, newest first.
    pub async fn payments(&self, who: &Principal, student_id: i64) -> Result<Vec<LedgerEntry>, FinanceError> {
        self.check(who, student_id, Access::Read).await?;
        let rows = ledger_entries::Entity::find()
            .filter(ledger_entries::Column::StudentId.eq(student_id))
            .filter(ledger_entries::Column::Kind.eq(super::model::kinds::PAYMENT))
            .order_by_desc(ledger_entries::Column::Id)
            .limit(MAX_STATEMENT_ENTRIES)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// The sum of a student's entries before `at`, added up here (exact i64, no SQL numeric
/// casts that differ per backend).
async fn sum_before(
    conn: &impl ConnectionTrait,
    student_id: i64,
    at: DateTime<Utc>,
) -> Result<i64, sea_orm::DbErr> {
    let amounts: Vec<i64> = ledger_entries::Entity::find()
        .select_only()
        .column(ledger_entries::Column::AmountCents)
        .filter(ledger_entries::Column::StudentId.eq(student_id))
        .filter(ledger_entries::Column::CreatedAt.lt(campus_db::utc_param(conn.get_database_backend(), at)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(amounts.into_iter().fold(0i64, i64::saturating_add))
}

/// Enrollments with their course, in one extra query.
pub(crate) async fn with_courses(
    conn: &impl ConnectionTrait,
    q: sea_orm::Select<enrollments::Entity>,
) -> Result<Vec<(Enrollment, Course)>, sea_orm::DbErr> {
    let rows = q.all(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|e| e.course_id).collect();
    let courses: std::collections::HashMap<i64, courses::Model> = courses::Entity::find()
        .filter(courses::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|e| {
            let c = courses.get(&e.course_id)?.clone();
            Some((Enrollment::from(e), Course::from(c)))
        })
        .collect())
}
