//! The typed read layer: a SeaORM select, written once for every backend, runs on one of
//! SQLite's direct readers ([`SqliteReads`]) when the database is an SQLite file, and through
//! the pool otherwise.
//!
//! Why: sqlx runs each SQLite connection on its own thread and answers through channels, so a
//! read costs several thread wake-ups — more than the read itself (docs/PERFORMANCE.md, "SQLite
//! read path"). The direct reader runs the same SQL (SeaORM builds it for SQLite) on the
//! calling thread. Only reads outside a transaction take this path: a direct reader never
//! sees a transaction's uncommitted writes, and it sees every committed one (WAL, a read
//! transaction per statement). A row type opts in with [`DirectRow`], which reads the columns
//! in the entity's column order (`Entity::find()` selects them in that order; each
//! implementation's test compares both paths).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::{Type, Value as SqlValue};
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, EntityTrait, QuerySelect, QueryTrait, Select, Statement, Value,
};

use crate::SqliteReads;
use crate::entities::{activities, attendance, grades, guardianships, student_balances, students};

/// A row the direct reader builds from the columns of `Entity::find()`, in column order.
pub trait DirectRow: Sized {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// Where reads outside a transaction go: the direct SQLite reader when there is one, else
/// the pool. Cheap to copy; services make one per call.
#[derive(Debug, Clone, Copy)]
pub struct Reads<'a> {
    db: &'a DatabaseConnection,
    direct: Option<&'a SqliteReads>,
}

impl<'a> Reads<'a> {
    pub fn new(db: &'a DatabaseConnection, direct: Option<&'a SqliteReads>) -> Self {
        Self { db, direct }
    }

    /// Every row `select` finds.
    pub async fn all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: DirectRow + Send + Sync,
    {
        match self.direct {
            Some(direct) => direct.all(&select.build(DbBackend::Sqlite)),
            None => select.all(self.db).await,
        }
    }

    /// The first row `select` finds.
    pub async fn one<E>(&self, select: Select<E>) -> Result<Option<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: DirectRow + Send + Sync,
    {
        match self.direct {
            // No `LIMIT 1`: the first row is read and the statement reset (see `up_to`).
            Some(direct) => Ok(direct
                .up_to(&select.build(DbBackend::Sqlite), 1)?
                .into_iter()
                .next()),
            None => select.one(self.db).await,
        }
    }

    /// The first `limit` rows `select` finds (a page).
    pub async fn all_up_to<E>(&self, select: Select<E>, limit: u64) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: DirectRow + Send + Sync,
    {
        match self.direct {
            Some(direct) => direct.up_to(
                &select.build(DbBackend::Sqlite),
                usize::try_from(limit).unwrap_or(usize::MAX),
            ),
            None => select.limit(limit).all(self.db).await,
        }
    }

    /// Whether reads go to the direct SQLite reader.
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }
}

impl SqliteReads {
    /// Runs a SELECT built for SQLite and reads each row as `M`.
    pub fn all<M: DirectRow>(&self, statement: &Statement) -> Result<Vec<M>, DbErr> {
        self.up_to(statement, usize::MAX)
    }

    /// Like [`all`](Self::all), reading at most `limit` rows. Pages are cut here rather than
    /// with a bound `LIMIT ?`: SQLite treats a bound LIMIT as a constant of the plan, so every
    /// new binding (and the cache's clearing of bindings) expires the statement and the next
    /// run parses and plans it again — which the profile showed on every `GET balance`
    /// (docs/PERFORMANCE.md). Stepping stops after `limit` rows, as LIMIT would.
    pub fn up_to<M: DirectRow>(&self, statement: &Statement, limit: usize) -> Result<Vec<M>, DbErr> {
        let params = statement
            .values
            .as_ref()
            .map(|v| v.0.iter().map(param).collect::<Result<Vec<_>, _>>())
            .transpose()?
            .unwrap_or_default();
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&statement.sql).map_err(read_err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), M::from_row)
            .map_err(read_err)?;
        rows.take(limit).collect::<Result<Vec<_>, _>>().map_err(read_err)
    }
}

fn read_err(e: rusqlite::Error) -> DbErr {
    DbErr::Custom(format!("sqlite read: {e}"))
}

/// A query parameter as sqlx-sqlite binds it (so text comparisons of dates and instants match
/// what was written).
fn param(value: &Value) -> Result<SqlValue, DbErr> {
    fn int(v: Option<i64>) -> SqlValue {
        v.map_or(SqlValue::Null, SqlValue::Integer)
    }
    Ok(match value {
        Value::Bool(v) => int(v.map(i64::from)),
        Value::TinyInt(v) => int(v.map(i64::from)),
        Value::SmallInt(v) => int(v.map(i64::from)),
        Value::Int(v) => int(v.map(i64::from)),
        Value::BigInt(v) => int(*v),
        Value::TinyUnsigned(v) => int(v.map(i64::from)),
        Value::SmallUnsigned(v) => int(v.map(i64::from)),
        Value::Unsigned(v) => int(v.map(i64::from)),
        Value::BigUnsigned(v) => match v {
            Some(n) => SqlValue::Integer(
                i64::try_from(*n).map_err(|_| DbErr::Custom("sqlite read: parameter out of range".into()))?,
            ),
            None => SqlValue::Null,
        },
        Value::Float(v) => v.map_or(SqlValue::Null, |f| SqlValue::Real(f64::from(f))),
        Value::Double(v) => v.map_or(SqlValue::Null, SqlValue::Real),
        Value::String(v) => v
            .as_ref()
            .map_or(SqlValue::Null, |s| SqlValue::Text(s.to_string())),
        Value::Char(v) => v.map_or(SqlValue::Null, |c| SqlValue::Text(c.to_string())),
        Value::Bytes(v) => v.as_ref().map_or(SqlValue::Null, |b| SqlValue::Blob(b.to_vec())),
        Value::ChronoDate(v) => v.map_or(SqlValue::Null, |d| SqlValue::Text(d.format("%F").to_string())),
        Value::ChronoDateTimeUtc(v) => v.map_or(SqlValue::Null, |t| {
            SqlValue::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        other => {
            return Err(DbErr::Custom(format!(
                "sqlite read: no direct binding for parameter {other:?}"
            )));
        }
    })
}

/// An instant as the SQLite driver stores it: RFC 3339 text (older rows may have a space
/// instead of `T`).
pub(crate) fn parse_instant(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
}

/// Column `i` as an instant, read without copying the text.
pub(crate) fn instant(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    parse_instant(row.get_ref(i)?.as_str()?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

fn maybe_instant(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => instant(row, i).map(Some),
    }
}

fn date(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let text = row.get_ref(i)?.as_str()?;
    NaiveDate::parse_from_str(text, "%F")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

fn maybe_date(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match row.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => date(row, i).map(Some),
    }
}

impl DirectRow for students::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            user_id: r.get(1)?,
            roll_number: r.get(2)?,
            name: r.get(3)?,
            class_level: r.get(4)?,
            section: r.get(5)?,
            date_of_birth: maybe_date(r, 6)?,
            gender: r.get(7)?,
            address: r.get(8)?,
            contact_number: r.get(9)?,
            guardian_name: r.get(10)?,
            guardian_contact: r.get(11)?,
            status: r.get(12)?,
            created_at: instant(r, 13)?,
            updated_at: instant(r, 14)?,
        })
    }
}

impl DirectRow for grades::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            student_id: r.get(1)?,
            subject: r.get(2)?,
            score: r.get(3)?,
            letter: r.get(4)?,
            term: r.get(5)?,
            credits: r.get(6)?,
            graded_at: date(r, 7)?,
            recorded_by: r.get(8)?,
            created_at: instant(r, 9)?,
            updated_at: instant(r, 10)?,
        })
    }
}

impl DirectRow for student_balances::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            student_id: r.get(0)?,
            balance_cents: r.get(1)?,
            last_payment_at: maybe_instant(r, 2)?,
            updated_at: instant(r, 3)?,
        })
    }
}

impl DirectRow for guardianships::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            parent_user_id: r.get(1)?,
            student_id: r.get(2)?,
            relationship: r.get(3)?,
            may_receive_notices: r.get(4)?,
            created_at: instant(r, 5)?,
        })
    }
}

impl DirectRow for attendance::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            student_id: r.get(1)?,
            date: date(r, 2)?,
            status: r.get(3)?,
            note: r.get(4)?,
            marked_by: r.get(5)?,
            created_at: instant(r, 6)?,
            updated_at: maybe_instant(r, 7)?,
        })
    }
}

impl DirectRow for activities::Model {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            student_id: r.get(1)?,
            activity_name: r.get(2)?,
            role_or_award: r.get(3)?,
            participation_date: maybe_date(r, 4)?,
            recorded_by: r.get(5)?,
            created_at: instant(r, 6)?,
        })
    }
}
