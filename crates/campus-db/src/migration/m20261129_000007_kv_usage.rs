//! Key-value usage per user (keys and bytes), kept in step with `kv_entries` by every write
//! in the same transaction, so quotas are checked without counting a user's keys.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

use super::columns::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table("kv_usage")
            .col(big_integer("owner_id").primary_key())
            .col(big_integer("key_count"))
            .col(big_integer("byte_count"))
            .foreign_key(&mut fk(
                "fk_kv_usage_owner",
                ("kv_usage", "owner_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        m.create_table(table).await?;
        // Usage of the keys stored before this migration, in bytes of UTF-8 as the service
        // counts them (each dialect names its byte-length function differently).
        let bytes = |col: &str| match m.get_database_backend() {
            DbBackend::Sqlite => format!("length(CAST({col} AS BLOB))"),
            DbBackend::Postgres => format!("octet_length({col})"),
            _ => format!("LENGTH({col})"),
        };
        let sql = format!(
            "INSERT INTO kv_usage (owner_id, key_count, byte_count) \
             SELECT owner_id, COUNT(*), COALESCE(SUM({} + {} + COALESCE({}, 0)), 0) \
             FROM kv_entries GROUP BY owner_id",
            bytes("entry_key"),
            bytes("value"),
            bytes("metadata"),
        );
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("kv_usage").to_owned()).await
    }
}
