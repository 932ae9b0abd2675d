//! The per-user key-value store (seed 004): unique per (owner, key), a version that
//! increments on every write, optional expiry.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, string_len, text_null};

use super::columns::{binary_text, fk, index, utc, utc_null};

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
            .foreign_key(&mut fk(
                "fk_kv_owner",
                ("kv_entries", "owner_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut table);
        m.create_table(table).await?;
        index(
            m,
            "ux_kv_owner_key",
            "kv_entries",
            &["owner_id", "entry_key"],
            true,
        )
        .await?;
        index(m, "ix_kv_expires", "kv_entries", &["expires_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("kv_entries").to_owned()).await
    }
}
