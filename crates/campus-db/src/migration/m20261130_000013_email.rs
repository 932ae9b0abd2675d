//! Email: the outbox a background worker delivers from over SMTP, per-user notification
//! preferences, the marks that make an alert go out once (a child's absence per day, overdue
//! dues per week), and single-use password reset tokens (stored as SHA-256).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string_len, string_len_null, text, text_null,
};

use super::columns::{binary_text, fk, index, utc};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut outbox = Table::create()
            .table("email_outbox")
            .col(big_pk_auto("id"))
            .col(string_len("message_id", 100))
            .col(big_integer_null("to_user_id"))
            .col(string_len("to_address", 254))
            .col(string_len("template", 40))
            .col(string_len("subject", 200))
            .col(text("body"))
            .col(text_null("params"))
            .col(string_len_null("attachment_key", 255))
            .col(string_len_null("attachment_name", 200))
            .col(string_len("status", 10))
            .col(integer("attempts").default(0))
            .col(big_integer("next_attempt_ms"))
            .col(big_integer_null("lease_until_ms"))
            .col(text_null("last_error"))
            .col(utc(b, "created_at"))
            .col(big_integer_null("sent_ms"))
            .to_owned();
        binary_text(b, &mut outbox);
        m.create_table(outbox).await?;
        index(
            m,
            "ux_email_outbox_message",
            "email_outbox",
            &["message_id"],
            true,
        )
        .await?;
        // The worker's scan: due messages by status and time.
        index(
            m,
            "ix_email_outbox_due",
            "email_outbox",
            &["status", "next_attempt_ms"],
            false,
        )
        .await?;

        let mut prefs = Table::create()
            .table("notification_preferences")
            .col(big_integer("user_id"))
            .col(string_len("topic", 30))
            .col(string_len("channel", 10))
            .primary_key(Index::create().col("user_id").col("topic"))
            .foreign_key(&mut fk(
                "fk_notification_preferences_user",
                ("notification_preferences", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut prefs);
        m.create_table(prefs).await?;

        let mut marks = Table::create()
            .table("alert_marks")
            .col(string_len("mark", 120).primary_key())
            .col(utc(b, "created_at"))
            .to_owned();
        binary_text(b, &mut marks);
        m.create_table(marks).await?;

        let mut resets = Table::create()
            .table("password_resets")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(string_len("token_hash", 64))
            .col(big_integer("expires_ms"))
            .col(big_integer_null("used_ms"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_password_resets_user",
                ("password_resets", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut resets);
        m.create_table(resets).await?;
        index(
            m,
            "ux_password_resets_token",
            "password_resets",
            &["token_hash"],
            true,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "password_resets",
            "alert_marks",
            "notification_preferences",
            "email_outbox",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
