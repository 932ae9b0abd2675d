//! Lookup values: the values a student-data column takes in the records, followed by extra
//! allowed values added by staff (seed 000's `/kv/<column>`).

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use campus_db::entities::lookups;

use crate::school::SchoolError;
use crate::school::marks::{self, MarkColumn};

/// Data values then added values, de-duplicated, first occurrence first.
pub async fn values(db: &DatabaseConnection, column: MarkColumn) -> Result<Vec<String>, SchoolError> {
    let mut out = marks::distinct_values(db, column).await?;
    let extra = lookups::Entity::find()
        .filter(lookups::Column::ColumnName.eq(column.seed_name()))
        .order_by_asc(lookups::Column::Id)
        .all(db)
        .await?;
    for row in extra {
        if !out.contains(&row.value) {
            out.push(row.value);
        }
    }
    Ok(out)
}

/// Adds values (trimmed; empty ones skipped; duplicates ignored) and returns the merged list.
pub async fn add(
    db: &DatabaseConnection,
    column: MarkColumn,
    new: &[String],
) -> Result<Vec<String>, SchoolError> {
    if new.len() > 100 {
        return Err(SchoolError::invalid(
            "values",
            "out_of_range",
            "at most 100 values at once",
        ));
    }
    for raw in new {
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        if value.chars().count() > 200 || value.chars().any(char::is_control) {
            return Err(SchoolError::invalid(
                "values",
                "invalid_format",
                "each value must be at most 200 characters without control characters",
            ));
        }
        let exists = lookups::Entity::find()
            .filter(lookups::Column::ColumnName.eq(column.seed_name()))
            .filter(lookups::Column::Value.eq(value))
            .one(db)
            .await?
            .is_some();
        if !exists {
            let row = lookups::ActiveModel {
                column_name: Set(column.seed_name().to_owned()),
                value: Set(value.to_owned()),
                created_at: Set(Utc::now()),
                ..Default::default()
            };
            if let Err(e) = lookups::Entity::insert(row).exec_without_returning(db).await {
                // A concurrent add of the same value is fine: it is there now.
                if campus_db::constraint_violation(&e) != Some(campus_db::ConstraintKind::Unique) {
                    return Err(e.into());
                }
            }
        }
    }
    values(db, column).await
}
