//! Server-side sessions of the web pages. The cookie holds a random token; only its
//! SHA-256 is stored, so a copy of the table signs nobody in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string_len};

use super::columns::{binary_text, fk, index, utc};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut table = Table::create()
            .table("web_sessions")
            .col(string_len("id_hash", 64).primary_key())
            .col(big_integer("user_id"))
            .col(utc(b, "created_at"))
            .col(utc(b, "last_seen_at"))
            .col(utc(b, "expires_at"))
            .foreign_key(&mut fk(
                "fk_web_sessions_user",
                ("web_sessions", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut table);
        m.create_table(table).await?;
        index(m, "ix_web_sessions_user", "web_sessions", &["user_id"], false).await?;
        index(
            m,
            "ix_web_sessions_expires",
            "web_sessions",
            &["expires_at"],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("web_sessions").to_owned()).await
    }
}
