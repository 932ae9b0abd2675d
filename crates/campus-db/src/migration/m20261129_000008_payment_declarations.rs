//! Payment declarations: with `finance.self_service_payments = "pending"`, a student's own
//! payment is a claim that finance staff confirm (which posts the ledger entry) or reject.
//! Declarations are not money: the ledger stays append-only and holds only confirmed
//! payments.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, string_len, string_len_null, text_null,
};

use super::columns::{binary_text, fk, index, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut table = Table::create()
            .table("payment_declarations")
            .col(big_pk_auto("id"))
            .col(big_integer("student_id"))
            .col(big_integer("amount_cents"))
            .col(string_len("currency", 3))
            .col(string_len("method", 30))
            .col(string_len_null("reference", 100))
            .col(text_null("notes"))
            .col(big_integer_null("declared_by"))
            .col(string_len("status", 10))
            .col(big_integer_null("decided_by"))
            .col(utc_null(b, "decided_at"))
            .col(text_null("decision_note"))
            .col(big_integer_null("ledger_entry_id"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_declaration_student",
                ("payment_declarations", "student_id"),
                ("students", "id"),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_declaration_declared_by",
                ("payment_declarations", "declared_by"),
                ("users", "id"),
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "fk_declaration_decided_by",
                ("payment_declarations", "decided_by"),
                ("users", "id"),
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "fk_declaration_entry",
                ("payment_declarations", "ledger_entry_id"),
                ("ledger_entries", "id"),
                ForeignKeyAction::Restrict,
            ))
            .to_owned();
        binary_text(b, &mut table);
        m.create_table(table).await?;
        index(
            m,
            "ix_declarations_status",
            "payment_declarations",
            &["status", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_declarations_student",
            "payment_declarations",
            &["student_id", "id"],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("payment_declarations").to_owned())
            .await
    }
}
