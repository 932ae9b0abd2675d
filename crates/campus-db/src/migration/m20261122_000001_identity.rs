//! Identity: users, refresh tokens, revoked access tokens, emergency contacts, the audit log,
//! rate-limit buckets and login-failure tracking.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, date_null, integer, integer_null, json_null,
    string_len, string_len_null,
};

use super::columns::{utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len_null("username", 150).unique_key())
                .col(string_len_null("email", 254).unique_key())
                .col(string_len("name", 200))
                .col(string_len("role", 20))
                .col(string_len("password_hash", 255))
                .col(date_null("date_of_birth"))
                .col(integer_null("age"))
                .col(string_len_null("gender", 50))
                .col(string_len("language", 10).default("en"))
                .col(string_len("text_size", 10).default("medium"))
                .col(string_len("icon_size", 10).default("default"))
                .col(boolean("high_contrast_mode").default(false))
                .col(boolean("is_active").default(true))
                .col(utc_null(b, "tokens_valid_after"))
                .col(utc(b, "created_at"))
                .col(utc(b, "updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_role")
                .table("users")
                .col("role")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_updated_at")
                .table("users")
                .col("updated_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("family_id", 36))
                .col(string_len("token_hash", 64).unique_key())
                .col(utc(b, "expires_at"))
                .col(utc_null(b, "used_at"))
                .col(utc_null(b, "revoked_at"))
                .col(utc(b, "created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_tokens_user")
                        .from("refresh_tokens", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table("refresh_tokens")
                .col("family_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_user")
                .table("refresh_tokens")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("revoked_tokens")
                .col(string_len("jti", 36).primary_key())
                .col(big_integer("user_id"))
                .col(utc(b, "expires_at"))
                .col(utc(b, "revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_revoked_tokens_revoked_at")
                .table("revoked_tokens")
                .col("revoked_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("emergency_contacts")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("name", 100))
                .col(string_len_null("relation", 50))
                .col(string_len_null("email", 254))
                .col(string_len_null("phone", 30))
                .col(boolean("allow_alerts").default(false))
                .col(boolean("is_primary").default(false))
                .col(utc(b, "created_at"))
                .col(utc(b, "updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_emergency_contacts_user")
                        .from("emergency_contacts", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_emergency_contacts_user")
                .table("emergency_contacts")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        // Append-only: no foreign key, so the trail outlives the rows it describes.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(big_integer_null("actor_id"))
                .col(string_len("action", 64))
                .col(string_len_null("target_type", 64))
                .col(string_len_null("target_id", 64))
                .col(string_len_null("request_id", 128))
                .col(string_len_null("ip", 64))
                .col(string_len_null("user_agent", 512))
                .col(json_null("before"))
                .col(json_null("after"))
                .col(utc(b, "created_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_audit_actor", &["actor_id", "id"][..]),
            ("idx_audit_action", &["action", "id"][..]),
            ("idx_audit_target", &["target_type", "target_id", "id"][..]),
            ("idx_audit_created", &["created_at"][..]),
        ] {
            let mut index = Index::create().name(name).table("audit_log").to_owned();
            for col in cols {
                index.col(*col);
            }
            m.create_index(index).await?;
        }

        m.create_table(
            Table::create()
                .table("rate_limits")
                .col(string_len("bucket", 255).primary_key())
                .col(integer("hits"))
                .col(utc(b, "expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_rate_limits_expires")
                .table("rate_limits")
                .col("expires_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("login_failures")
                .col(string_len("identifier", 255).primary_key())
                .col(integer("failures"))
                .col(utc_null(b, "locked_until"))
                .col(utc(b, "last_failure_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "login_failures",
            "rate_limits",
            "audit_log",
            "emergency_contacts",
            "revoked_tokens",
            "refresh_tokens",
            "users",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
