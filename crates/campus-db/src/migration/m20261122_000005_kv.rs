//! The per-user key-value store (seed 004, issue 6): unique per (owner, key), a version that
//! increments on every write, optional expiry.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, string_len, text_null};

use super::columns::{binary_text, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        // Values may be 64 KiB of text and more; MySQL's TEXT holds only 64 KiB of bytes.
        let mut value = ColumnDef::new(Alias::new("value"));
        match b {
            DbBackend::MySql => value.custom(Alias::new("MEDIUMTEXT")),
            _ => value.text(),
        };
        value.not_null();
        let mut table = Table::create()
            .table("kv_entries")
            .col(big_pk_auto("id"))
            .col(big_integer("owner_id"))
            .col(string_len("entry_key", 512))
            .col(value)
            .col(text_null("metadata"))
            .col(big_integer("version"))
            .col(utc_null(b, "expires_at"))
            .col(utc(b, "created_at"))
            .col(utc(b, "updated_at"))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_kv_owner")
                    .from("kv_entries", "owner_id")
                    .to("users", "id")
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        binary_text(b, &mut table);
        m.create_table(table).await?;
        m.create_index(
            Index::create()
                .name("ux_kv_owner_key")
                .table("kv_entries")
                .col("owner_id")
                .col("entry_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_kv_expires")
                .table("kv_entries")
                .col("expires_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("kv_entries").to_owned()).await
    }
}
