//! Extracurricular activities, lookup values (seed 000's `/kv/<column>`) and editable text
//! documents (seed 000's `/kvdoc/<key>`). On MySQL/MariaDB it first converts the earlier tables
//! to `utf8mb4_bin`, so text compares case-sensitively on every backend (see
//! `columns::binary_text`, which every table created from here on uses).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, date_null, string_len, string_len_null, text,
};

use sea_orm::ConnectionTrait;

use super::columns::{binary_text, utc};

/// Tables created before text collation was made explicit.
const EARLIER_TABLES: [&str; 11] = [
    "users",
    "refresh_tokens",
    "revoked_tokens",
    "emergency_contacts",
    "audit_log",
    "rate_limits",
    "login_failures",
    "students",
    "guardianships",
    "grades",
    "attendance",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        if b == sea_orm::DbBackend::MySql {
            for table in EARLIER_TABLES {
                m.get_connection()
                    .execute_unprepared(&format!(
                        "ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                    ))
                    .await?;
            }
        }
        let mut activities = Table::create()
            .table("activities")
            .col(big_pk_auto("id"))
            .col(big_integer("student_id"))
            .col(string_len("activity_name", 200))
            .col(string_len_null("role_or_award", 200))
            .col(date_null("participation_date"))
            .col(big_integer_null("recorded_by"))
            .col(utc(b, "created_at"))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_activities_student")
                    .from("activities", "student_id")
                    .to("students", "id")
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        binary_text(b, &mut activities);
        m.create_table(activities).await?;
        m.create_index(
            Index::create()
                .name("idx_activities_student")
                .table("activities")
                .col("student_id")
                .col("id")
                .to_owned(),
        )
        .await?;

        let mut lookups = Table::create()
            .table("lookups")
            .col(big_pk_auto("id"))
            .col(string_len("column_name", 50))
            .col(string_len("value", 200))
            .col(utc(b, "created_at"))
            .to_owned();
        binary_text(b, &mut lookups);
        m.create_table(lookups).await?;
        m.create_index(
            Index::create()
                .name("uq_lookups_column_value")
                .table("lookups")
                .col("column_name")
                .col("value")
                .unique()
                .to_owned(),
        )
        .await?;

        let mut documents = Table::create()
            .table("documents")
            .col(big_pk_auto("id"))
            .col(string_len("doc_key", 200).unique_key())
            .col(text("body"))
            .col(big_integer_null("updated_by"))
            .col(utc(b, "updated_at"))
            .to_owned();
        binary_text(b, &mut documents);
        m.create_table(documents).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["documents", "lookups", "activities"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
