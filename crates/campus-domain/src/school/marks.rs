//! The marks view of seed 000: one row per grade with its student, as
//! `(roll, name, subject, class, marks)`. Columns are an allowlist; values are bound
//! parameters, so request text never becomes SQL.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, Order, Query, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult};
use serde::Serialize;

use campus_db::entities::{grades, students};

use super::error::SchoolError;

/// Most rows one marks query returns.
pub const MAX_ROWS: u64 = 5_000;

/// A column of the marks view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkColumn {
    Roll,
    Name,
    Subject,
    Class,
    Marks,
}

impl MarkColumn {
    /// Seed 000's spelling, in its order.
    pub const SEED_NAMES: [&'static str; 5] = ["roll", "name", "subject", "class", "marks"];

    /// Seed 000 names or the canonical ones (`roll_number`, `class_level`, `score`),
    /// case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "roll" | "roll_number" => Some(Self::Roll),
            "name" => Some(Self::Name),
            "subject" => Some(Self::Subject),
            "class" | "class_level" => Some(Self::Class),
            "marks" | "score" => Some(Self::Marks),
            _ => None,
        }
    }

    pub fn seed_name(self) -> &'static str {
        match self {
            Self::Roll => "roll",
            Self::Name => "name",
            Self::Subject => "subject",
            Self::Class => "class",
            Self::Marks => "marks",
        }
    }
}

/// One row of the marks view.
#[derive(Debug, Clone, PartialEq, Serialize, FromQueryResult)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRow {
    pub roll: String,
    pub name: String,
    pub subject: String,
    pub class: Option<i32>,
    pub marks: Option<f64>,
}

fn base() -> SelectStatement {
    Query::select()
        .expr_as(
            Expr::col((students::Entity, students::Column::RollNumber)),
            Alias::new("roll"),
        )
        .expr_as(
            Expr::col((students::Entity, students::Column::Name)),
            Alias::new("name"),
        )
        .expr_as(
            Expr::col((grades::Entity, grades::Column::Subject)),
            Alias::new("subject"),
        )
        .expr_as(
            Expr::col((students::Entity, students::Column::ClassLevel)),
            Alias::new("class"),
        )
        .expr_as(
            Expr::col((grades::Entity, grades::Column::Score)),
            Alias::new("marks"),
        )
        .from(grades::Entity)
        .inner_join(
            students::Entity,
            Expr::col((students::Entity, students::Column::Id))
                .equals((grades::Entity, grades::Column::StudentId)),
        )
        .and_where(Expr::col((grades::Entity, grades::Column::Score)).is_not_null())
        .order_by((grades::Entity, grades::Column::Id), Order::Asc)
        .limit(MAX_ROWS)
        .to_owned()
}

/// Adds `column = value` to a query. A value that cannot be of the column's type matches
/// nothing (as SQL equality would).
fn where_eq(mut q: SelectStatement, column: MarkColumn, value: &str) -> Option<SelectStatement> {
    let cond = match column {
        MarkColumn::Roll => Expr::col((students::Entity, students::Column::RollNumber)).eq(value),
        MarkColumn::Name => Expr::col((students::Entity, students::Column::Name)).eq(value),
        MarkColumn::Subject => Expr::col((grades::Entity, grades::Column::Subject)).eq(value),
        MarkColumn::Class => Expr::col((students::Entity, students::Column::ClassLevel))
            .eq(value.trim().parse::<i32>().ok()?),
        MarkColumn::Marks => {
            Expr::col((grades::Entity, grades::Column::Score)).eq(value.trim().parse::<f64>().ok()?)
        }
    };
    q.and_where(cond);
    Some(q)
}

async fn run(db: &DatabaseConnection, q: SelectStatement) -> Result<Vec<MarkRow>, SchoolError> {
    let stmt = db.get_database_backend().build(&q);
    Ok(MarkRow::find_by_statement(stmt).all(db).await?)
}

/// Rows where `column` equals `value`.
pub async fn by_column(
    db: &DatabaseConnection,
    column: MarkColumn,
    value: &str,
) -> Result<Vec<MarkRow>, SchoolError> {
    match where_eq(base(), column, value) {
        Some(q) => run(db, q).await,
        None => Ok(Vec::new()),
    }
}

/// Rows matching every `(column, value)` pair.
pub async fn by_columns(
    db: &DatabaseConnection,
    filters: &[(MarkColumn, String)],
) -> Result<Vec<MarkRow>, SchoolError> {
    let mut q = base();
    for (column, value) in filters {
        match where_eq(q, *column, value) {
            Some(next) => q = next,
            None => return Ok(Vec::new()),
        }
    }
    run(db, q).await
}

/// Most distinct values one column lists.
pub const MAX_DISTINCT: u64 = 1_000;

/// Distinct values of a column in the marks view, in first-seen order, as text.
pub async fn distinct_values(
    db: &DatabaseConnection,
    column: MarkColumn,
) -> Result<Vec<String>, SchoolError> {
    let col = match column {
        MarkColumn::Roll => Expr::col((students::Entity, students::Column::RollNumber)),
        MarkColumn::Name => Expr::col((students::Entity, students::Column::Name)),
        MarkColumn::Subject => Expr::col((grades::Entity, grades::Column::Subject)),
        MarkColumn::Class => Expr::col((students::Entity, students::Column::ClassLevel)),
        MarkColumn::Marks => Expr::col((grades::Entity, grades::Column::Score)),
    };
    let q = Query::select()
        .expr_as(col.clone(), Alias::new("v"))
        .from(grades::Entity)
        .inner_join(
            students::Entity,
            Expr::col((students::Entity, students::Column::Id))
                .equals((grades::Entity, grades::Column::StudentId)),
        )
        .and_where(Expr::col((grades::Entity, grades::Column::Score)).is_not_null())
        .and_where(col.clone().is_not_null())
        .group_by_col(match column {
            MarkColumn::Roll => (students::Entity, students::Column::RollNumber).into_column_ref(),
            MarkColumn::Name => (students::Entity, students::Column::Name).into_column_ref(),
            MarkColumn::Subject => (grades::Entity, grades::Column::Subject).into_column_ref(),
            MarkColumn::Class => (students::Entity, students::Column::ClassLevel).into_column_ref(),
            MarkColumn::Marks => (grades::Entity, grades::Column::Score).into_column_ref(),
        })
        .order_by_expr(Expr::col((grades::Entity, grades::Column::Id)).min(), Order::Asc)
        .limit(MAX_DISTINCT)
        .to_owned();
    let rows = sea_orm::ConnectionTrait::query_all(db, &q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let text = match column {
            MarkColumn::Class => row.try_get::<i32>("", "v")?.to_string(),
            MarkColumn::Marks => format_number(row.try_get::<f64>("", "v")?),
            _ => row.try_get::<String>("", "v")?,
        };
        out.push(text);
    }
    Ok(out)
}

/// `88` for 88.0, `88.5` otherwise.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}
