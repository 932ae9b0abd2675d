//! The ledger's one write path. Every entry is inserted and the student's running balance
//! updated in the caller's transaction, after the student row is locked (PostgreSQL/MySQL:
//! `SELECT ... FOR UPDATE`; SQLite: the write transaction is `BEGIN IMMEDIATE`), so concurrent
//! writers for one student queue and a balance check (overpayment) sees the latest balance.
//! There is no update or delete of entries anywhere in the code.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QuerySelect,
};

use campus_db::entities::{ledger_entries, student_balances, students};

use super::error::FinanceError;
use super::model::kinds;

/// An entry to append.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewEntry {
    pub student_id: i64,
    pub kind: &'static str,
    pub amount_cents: i64,
    pub reference: Option<String>,
    pub method: Option<String>,
    pub status: Option<String>,
    pub notes: Option<String>,
    pub recorded_by: Option<i64>,
    pub enrollment_id: Option<i64>,
    pub reverses_entry_id: Option<i64>,
}

/// Locks the student for this transaction and returns their balance; `NotFound("Student")`
/// if there is no such student.
pub(crate) async fn lock(txn: &DatabaseTransaction, student_id: i64) -> Result<i64, FinanceError> {
    let mut q = students::Entity::find_by_id(student_id)
        .select_only()
        .column(students::Column::Id);
    if txn.get_database_backend() != DbBackend::Sqlite {
        q = q.lock_exclusive();
    }
    q.into_tuple::<i64>()
        .one(txn)
        .await?
        .ok_or(FinanceError::NotFound("Student"))?;
    Ok(balance_of(txn, student_id).await?)
}

/// The running balance (0 for a student without entries).
pub(crate) async fn balance_of(conn: &impl ConnectionTrait, student_id: i64) -> Result<i64, sea_orm::DbErr> {
    Ok(student_balances::Entity::find_by_id(student_id)
        .one(conn)
        .await?
        .map_or(0, |b| b.balance_cents))
}

/// Appends `entry` and moves the balance from `before` (as returned by [`lock`]). Returns the
/// entry and the new balance.
pub(crate) async fn post(
    txn: &DatabaseTransaction,
    currency: &str,
    before: i64,
    entry: NewEntry,
) -> Result<(ledger_entries::Model, i64), FinanceError> {
    let now = Utc::now();
    let after = before
        .checked_add(entry.amount_cents)
        .ok_or_else(|| FinanceError::invalid("amount", "out_of_range", "the balance would overflow"))?;
    let is_payment = entry.kind == kinds::PAYMENT;
    let model = ledger_entries::ActiveModel {
        student_id: Set(entry.student_id),
        kind: Set(entry.kind.to_owned()),
        amount_cents: Set(entry.amount_cents),
        currency: Set(currency.to_owned()),
        reference: Set(entry.reference),
        method: Set(entry.method),
        status: Set(entry.status),
        notes: Set(entry.notes),
        recorded_by: Set(entry.recorded_by),
        enrollment_id: Set(entry.enrollment_id),
        reverses_entry_id: Set(entry.reverses_entry_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    move_balance(
        txn,
        entry.student_id,
        entry.amount_cents,
        is_payment.then_some(now),
        now,
    )
    .await?;
    Ok((model, after))
}

async fn move_balance(
    txn: &DatabaseTransaction,
    student_id: i64,
    delta: i64,
    paid_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), FinanceError> {
    let mut update = student_balances::Entity::update_many()
        .col_expr(
            student_balances::Column::BalanceCents,
            Expr::col(student_balances::Column::BalanceCents).add(delta),
        )
        .col_expr(student_balances::Column::UpdatedAt, Expr::value(now));
    if let Some(at) = paid_at {
        update = update.col_expr(student_balances::Column::LastPaymentAt, Expr::value(at));
    }
    let changed = update
        .filter(student_balances::Column::StudentId.eq(student_id))
        .exec(txn)
        .await?
        .rows_affected;
    if changed == 0 {
        student_balances::ActiveModel {
            student_id: Set(student_id),
            balance_cents: Set(delta),
            last_payment_at: Set(paid_at),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Students whose running balance differs from the sum of their ledger: (student, balance,
/// ledger sum). Empty when the books are consistent.
pub(crate) async fn inconsistencies(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(i64, i64, i64)>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Alias, Func};
    use std::collections::BTreeMap;
    let int_type = if conn.get_database_backend() == DbBackend::MySql {
        "SIGNED"
    } else {
        "BIGINT"
    };
    let total = Func::cast_as(
        Func::sum(Expr::col(ledger_entries::Column::AmountCents)),
        Alias::new(int_type),
    );
    let sums: Vec<(i64, i64)> = ledger_entries::Entity::find()
        .select_only()
        .column(ledger_entries::Column::StudentId)
        .column_as(Expr::expr(total), "total")
        .group_by(ledger_entries::Column::StudentId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut expected: BTreeMap<i64, i64> = sums.into_iter().collect();
    let mut out = Vec::new();
    for b in student_balances::Entity::find().all(conn).await? {
        let sum = expected.remove(&b.student_id).unwrap_or(0);
        if sum != b.balance_cents {
            out.push((b.student_id, b.balance_cents, sum));
        }
    }
    for (student, sum) in expected {
        if sum != 0 {
            out.push((student, 0, sum));
        }
    }
    Ok(out)
}
