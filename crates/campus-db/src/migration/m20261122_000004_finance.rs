//! Finance: courses, enrollments, the append-only ledger with a running balance per student,
//! idempotency keys, contact actions (dunning log) and notifications.
//!
//! Ledger rows reference students with RESTRICT: a student with money history cannot be
//! deleted (the API answers 409 before the database has to).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, integer, string_len, string_len_null, text,
    text_null,
};

use super::columns::{binary_text, fk, index, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut courses = Table::create()
            .table("courses")
            .col(big_pk_auto("id"))
            .col(string_len("code", 50).unique_key())
            .col(string_len("name", 150))
            .col(integer("credits"))
            .col(big_integer("fee_cents"))
            .col(text_null("description"))
            .col(boolean("active").default(true))
            .col(utc(b, "created_at"))
            .col(utc(b, "updated_at"))
            .to_owned();
        binary_text(b, &mut courses);
        m.create_table(courses).await?;

        let mut enrollments = Table::create()
            .table("enrollments")
            .col(big_pk_auto("id"))
            .col(big_integer("student_id"))
            .col(big_integer("course_id"))
            .col(big_integer("fee_cents"))
            .col(string_len("status", 20).default("ACTIVE"))
            .col(utc(b, "enrolled_at"))
            .col(utc(b, "updated_at"))
            .foreign_key(&mut fk(
                "fk_enrollments_student",
                ("enrollments", "student_id"),
                ("students", "id"),
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "fk_enrollments_course",
                ("enrollments", "course_id"),
                ("courses", "id"),
                ForeignKeyAction::Restrict,
            ))
            .to_owned();
        binary_text(b, &mut enrollments);
        m.create_table(enrollments).await?;
        index(
            m,
            "ux_enrollments_student_course",
            "enrollments",
            &["student_id", "course_id"],
            true,
        )
        .await?;
        index(m, "ix_enrollments_course", "enrollments", &["course_id"], false).await?;

        let mut ledger = Table::create()
            .table("ledger_entries")
            .col(big_pk_auto("id"))
            .col(big_integer("student_id"))
            .col(string_len("kind", 20))
            .col(big_integer("amount_cents"))
            .col(string_len("currency", 3))
            .col(string_len_null("reference", 100))
            .col(string_len_null("method", 30))
            .col(string_len_null("status", 20))
            .col(text_null("notes"))
            .col(big_integer_null("recorded_by"))
            .col(big_integer_null("enrollment_id"))
            .col(big_integer_null("reverses_entry_id").unique_key())
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_ledger_student",
                ("ledger_entries", "student_id"),
                ("students", "id"),
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "fk_ledger_recorded_by",
                ("ledger_entries", "recorded_by"),
                ("users", "id"),
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "fk_ledger_enrollment",
                ("ledger_entries", "enrollment_id"),
                ("enrollments", "id"),
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "fk_ledger_reverses",
                ("ledger_entries", "reverses_entry_id"),
                ("ledger_entries", "id"),
                ForeignKeyAction::Restrict,
            ))
            .to_owned();
        binary_text(b, &mut ledger);
        m.create_table(ledger).await?;
        index(
            m,
            "ix_ledger_student",
            "ledger_entries",
            &["student_id", "id"],
            false,
        )
        .await?;
        index(m, "ix_ledger_created", "ledger_entries", &["created_at"], false).await?;

        m.create_table(
            Table::create()
                .table("student_balances")
                .col(big_integer("student_id").primary_key())
                .col(big_integer("balance_cents").default(0))
                .col(utc_null(b, "last_payment_at"))
                .col(utc(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_balances_student",
                    ("student_balances", "student_id"),
                    ("students", "id"),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_balances_amount",
            "student_balances",
            &["balance_cents"],
            false,
        )
        .await?;

        let mut keys = Table::create()
            .table("idempotency_keys")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(string_len("idem_key", 255))
            .col(string_len("scope", 100))
            .col(string_len("request_hash", 64))
            .col(integer("status_code"))
            .col(text("response_body"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_idempotency_user",
                ("idempotency_keys", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut keys);
        m.create_table(keys).await?;
        index(
            m,
            "ux_idempotency_user_key",
            "idempotency_keys",
            &["user_id", "idem_key"],
            true,
        )
        .await?;

        let mut contacts = Table::create()
            .table("contact_actions")
            .col(big_pk_auto("id"))
            .col(big_integer("student_id"))
            .col(string_len("method", 30))
            .col(text("notes"))
            .col(big_integer_null("performed_by"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_contacts_student",
                ("contact_actions", "student_id"),
                ("students", "id"),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_contacts_user",
                ("contact_actions", "performed_by"),
                ("users", "id"),
                ForeignKeyAction::SetNull,
            ))
            .to_owned();
        binary_text(b, &mut contacts);
        m.create_table(contacts).await?;
        index(
            m,
            "ix_contacts_student",
            "contact_actions",
            &["student_id"],
            false,
        )
        .await?;

        let mut notifications = Table::create()
            .table("notifications")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(string_len("kind", 30))
            .col(text("message"))
            .col(text_null("data"))
            .col(utc_null(b, "read_at"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_notifications_user",
                ("notifications", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut notifications);
        m.create_table(notifications).await?;
        index(
            m,
            "ix_notifications_user",
            "notifications",
            &["user_id", "id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "notifications",
            "contact_actions",
            "idempotency_keys",
            "student_balances",
            "ledger_entries",
            "enrollments",
            "courses",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
