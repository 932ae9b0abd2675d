//! Generated reports (report cards, transcripts, statements, receipts): one row per rendered
//! PDF with the data it certified, and report batches that any instance may claim.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string_len, string_len_null, text, text_null,
};

use super::columns::{binary_text, fk, index, utc, utc_null};

/// Text that may pass MySQL's 64 KiB `TEXT` (a transcript's data): `MEDIUMTEXT` there.
fn large_text(backend: sea_orm::DbBackend, name: &'static str) -> ColumnDef {
    match backend {
        sea_orm::DbBackend::MySql => ColumnDef::new(name)
            .custom(Alias::new("MEDIUMTEXT"))
            .not_null()
            .take(),
        _ => text(name),
    }
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut batches = Table::create()
            .table("report_batches")
            .col(big_pk_auto("id"))
            .col(string_len("kind", 20))
            .col(integer("class_level"))
            .col(string_len_null("term", 64))
            .col(string_len("status", 12))
            .col(large_text(b, "student_ids"))
            .col(integer("total"))
            .col(integer("done").default(0))
            .col(integer("failed").default(0))
            .col(integer("attempts").default(0))
            .col(text_null("last_error"))
            .col(big_integer_null("lease_until_ms"))
            .col(big_integer_null("created_by"))
            .col(utc(b, "created_at"))
            .col(utc_null(b, "finished_at"))
            .to_owned();
        binary_text(b, &mut batches);
        m.create_table(batches).await?;
        index(
            m,
            "ix_report_batches_status",
            "report_batches",
            &["status", "lease_until_ms"],
            false,
        )
        .await?;

        let mut reports = Table::create()
            .table("reports")
            .col(big_pk_auto("id"))
            .col(string_len("kind", 20))
            .col(big_integer("student_id"))
            .col(text("params"))
            .col(string_len("params_key", 64))
            .col(large_text(b, "data"))
            .col(string_len("data_hash", 64))
            .col(string_len("code", 32))
            .col(string_len("blob_key", 255))
            .col(big_integer("size_bytes"))
            .col(big_integer_null("batch_id"))
            .col(big_integer_null("created_by"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_reports_student",
                ("reports", "student_id"),
                ("students", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut reports);
        m.create_table(reports).await?;
        // The same request with the same data finds the stored report.
        index(
            m,
            "ix_reports_request",
            "reports",
            &["student_id", "params_key", "data_hash"],
            false,
        )
        .await?;
        index(m, "ux_reports_code", "reports", &["code"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("reports").to_owned()).await?;
        m.drop_table(Table::drop().table("report_batches").to_owned())
            .await
    }
}
