//! Caregivers: a MemoPark user invites an emergency contact to link a Campus account that
//! may follow their parking read-only and is alerted when a retrieval runs long or an
//! event is abandoned. The invitation token is stored only as its SHA-256.
//! `parking_events.overdue_alerted_at` marks an overdue retrieval already alerted, so N
//! instances sweeping at once alert once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, big_pk_auto, boolean, string_len};

use super::columns::{binary_text, fk, index, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut links = Table::create()
            .table("caregiver_links")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(big_integer_null("contact_id"))
            .col(string_len("invited_email", 255))
            .col(string_len("token_hash", 64).unique_key())
            .col(big_integer_null("caregiver_id"))
            .col(string_len("status", 10))
            .col(boolean("allow_alerts").default(false))
            .col(utc(b, "created_at"))
            .col(utc_null(b, "accepted_at"))
            .col(utc_null(b, "revoked_at"))
            .foreign_key(&mut fk(
                "fk_caregiver_user",
                ("caregiver_links", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_caregiver_contact",
                ("caregiver_links", "contact_id"),
                ("emergency_contacts", "id"),
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "fk_caregiver_account",
                ("caregiver_links", "caregiver_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut links);
        m.create_table(links).await?;
        index(
            m,
            "ix_caregiver_links_user",
            "caregiver_links",
            &["user_id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_caregiver_links_caregiver",
            "caregiver_links",
            &["caregiver_id", "status"],
            false,
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("parking_events")
                .add_column(utc_null(b, "overdue_alerted_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("parking_events")
                .drop_column("overdue_alerted_at")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("caregiver_links").to_owned())
            .await
    }
}
