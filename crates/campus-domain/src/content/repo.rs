//! Content queries. Each takes any connection, so it runs inside a transaction too. Marks
//! columns are an allowlist and values are bound parameters: request text never becomes SQL.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, QueryFilter, QueryOrder,
};

use campus_db::entities::{documents, grades, lookups, students};

use super::model::{DocumentKey, MarkColumn, MarkRow, format_number};

/// The values added to a lookup column, oldest first.
pub async fn added_lookups(db: &impl ConnectionTrait, column: MarkColumn) -> Result<Vec<String>, DbErr> {
    Ok(lookups::Entity::find()
        .filter(lookups::Column::ColumnName.eq(column.seed_name()))
        .order_by_asc(lookups::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.value)
        .collect())
}

/// Adds a value to a lookup column unless it is there already (a concurrent add of the same
/// value is fine: it is there now).
pub async fn add_lookup(db: &impl ConnectionTrait, column: MarkColumn, value: &str) -> Result<(), DbErr> {
    let exists = lookups::Entity::find()
        .filter(lookups::Column::ColumnName.eq(column.seed_name()))
        .filter(lookups::Column::Value.eq(value))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let row = lookups::ActiveModel {
        column_name: Set(column.seed_name().to_owned()),
        value: Set(value.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match lookups::Entity::insert(row).exec_without_returning(db).await {
        Err(e) if campus_db::constraint_violation(&e) != Some(campus_db::ConstraintKind::Unique) => Err(e),
        _ => Ok(()),
    }
}

/// The text of the document at `key`, if any.
pub async fn document_text(db: &impl ConnectionTrait, key: &DocumentKey) -> Result<Option<String>, DbErr> {
    Ok(documents::Entity::find()
        .filter(documents::Column::DocKey.eq(key.as_str()))
        .one(db)
        .await?
        .map(|r| r.body))
}

/// Writes the document at `key`, creating it if needed.
pub async fn save_document(
    db: &impl ConnectionTrait,
    key: &DocumentKey,
    text: &str,
    by: i64,
) -> Result<(), DbErr> {
    let now = Utc::now();
    match documents::Entity::find()
        .filter(documents::Column::DocKey.eq(key.as_str()))
        .one(db)
        .await?
    {
        Some(row) => {
            let mut a = row.into_active_model();
            a.body = Set(text.to_owned());
            a.updated_by = Set(Some(by));
            a.updated_at = Set(now);
            a.update(db).await?;
        }
        None => {
            documents::ActiveModel {
                doc_key: Set(key.as_str().to_owned()),
                body: Set(text.to_owned()),
                updated_by: Set(Some(by)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Most rows one marks query returns.
pub const MAX_ROWS: u64 = 5_000;

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

async fn run(db: &impl ConnectionTrait, q: SelectStatement) -> Result<Vec<MarkRow>, DbErr> {
    let stmt = db.get_database_backend().build(&q);
    MarkRow::find_by_statement(stmt).all(db).await
}

/// Rows matching every `(column, value)` pair.
pub async fn marks(
    db: &impl ConnectionTrait,
    filters: &[(MarkColumn, String)],
) -> Result<Vec<MarkRow>, DbErr> {
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
pub async fn distinct_values(db: &impl ConnectionTrait, column: MarkColumn) -> Result<Vec<String>, DbErr> {
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
    let rows = db.query_all(&q).await?;
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
