//! A tamper-evident audit trail: each entry, once sealed, carries its place in one chain
//! (`seal_seq`), the previous entry's hash and its own (SHA-256 over the previous hash and
//! the entry). `audit_chain` holds the head; sealers lock it, so N instances keep one chain.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, string_len, string_len_null};

use super::columns::{index, utc};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The hash the first sealed entry follows.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table("audit_log")
                .add_column(big_integer_null("seal_seq"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("audit_log")
                .add_column(string_len_null("prev_hash", 64))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("audit_log")
                .add_column(string_len_null("hash", 64))
                .to_owned(),
        )
        .await?;
        index(m, "ux_audit_log_seal_seq", "audit_log", &["seal_seq"], true).await?;
        m.create_table(
            Table::create()
                .table("audit_chain")
                .col(integer("id").primary_key())
                .col(big_integer("seal_seq"))
                .col(string_len("hash", 64))
                .col(utc(b, "updated_at"))
                .to_owned(),
        )
        .await?;
        let now = chrono::Utc::now();
        let insert = Query::insert()
            .into_table("audit_chain")
            .columns(["id", "seal_seq", "hash", "updated_at"])
            .values_panic([
                1.into(),
                0i64.into(),
                GENESIS.into(),
                match b {
                    sea_orm::DbBackend::MySql => now.naive_utc().into(),
                    _ => now.into(),
                },
            ])
            .to_owned();
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_chain").to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ux_audit_log_seal_seq")
                .table("audit_log")
                .to_owned(),
        )
        .await?;
        for column in ["hash", "prev_hash", "seal_seq"] {
            m.alter_table(Table::alter().table("audit_log").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
