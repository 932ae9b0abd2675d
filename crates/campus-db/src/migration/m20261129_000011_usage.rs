//! Usage tracking (seed 000's activity log): who used the app, doing what, from when to when.
//! Instants are integer Unix milliseconds (UTC) so one portable statement can add up the
//! overlap of entries with local days on all three databases. `users.timezone` is the
//! reader's own zone for summaries.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string_len, string_len_null, text_null,
};

use super::columns::{binary_text, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut entries = Table::create()
            .table("usage_entries")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(string_len("action", 200))
            .col(text_null("details"))
            .col(string_len("source", 10))
            .col(big_integer("started_ms"))
            .col(big_integer("last_seen_ms"))
            .col(big_integer_null("ended_ms"))
            .col(string_len_null("end_reason", 10))
            .col(integer("heartbeats").default(0))
            .foreign_key(&mut fk(
                "fk_usage_user",
                ("usage_entries", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut entries);
        m.create_table(entries).await?;
        // Covers the summaries' range scans (start within a bucket, end read from the index).
        index(
            m,
            "ix_usage_user_start",
            "usage_entries",
            &["user_id", "started_ms", "ended_ms"],
            false,
        )
        .await?;
        // The idle sweep: open entries by last sign of life.
        index(
            m,
            "ix_usage_open",
            "usage_entries",
            &["ended_ms", "last_seen_ms"],
            false,
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(string_len_null("timezone", 64))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").drop_column("timezone").to_owned())
            .await?;
        m.drop_table(Table::drop().table("usage_entries").to_owned())
            .await
    }
}
