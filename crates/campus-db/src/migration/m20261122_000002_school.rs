//! School records: students, guardianships (parent ↔ student), grades and attendance.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, date, date_null, double, double_null, integer_null,
    string_len, string_len_null,
};

use super::columns::{fk, index, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("students")
                .col(big_pk_auto("id"))
                .col(big_integer_null("user_id").unique_key())
                .col(string_len("roll_number", 50).unique_key())
                .col(string_len("name", 200))
                .col(integer_null("class_level"))
                .col(string_len_null("section", 20))
                .col(date_null("date_of_birth"))
                .col(string_len_null("gender", 50))
                .col(string_len_null("address", 500))
                .col(string_len_null("contact_number", 30))
                .col(string_len_null("guardian_name", 200))
                .col(string_len_null("guardian_contact", 100))
                .col(string_len("status", 20).default("active"))
                .col(utc(b, "created_at"))
                .col(utc(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_students_user",
                    ("students", "user_id"),
                    ("users", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_students_class",
            "students",
            &["class_level", "section", "id"],
            false,
        )
        .await?;
        index(m, "idx_students_name", "students", &["name"], false).await?;
        index(m, "idx_students_status", "students", &["status", "id"], false).await?;

        m.create_table(
            Table::create()
                .table("guardianships")
                .col(big_pk_auto("id"))
                .col(big_integer("parent_user_id"))
                .col(big_integer("student_id"))
                .col(string_len_null("relationship", 50))
                .col(boolean("may_receive_notices").default(true))
                .col(utc(b, "created_at"))
                .foreign_key(&mut fk(
                    "fk_guardianships_parent",
                    ("guardianships", "parent_user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_guardianships_student",
                    ("guardianships", "student_id"),
                    ("students", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "uq_guardianships_pair",
            "guardianships",
            &["parent_user_id", "student_id"],
            true,
        )
        .await?;
        index(
            m,
            "idx_guardianships_student",
            "guardianships",
            &["student_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("grades")
                .col(big_pk_auto("id"))
                .col(big_integer("student_id"))
                .col(string_len("subject", 100))
                .col(double_null("score"))
                .col(string_len_null("letter", 2))
                .col(string_len_null("term", 50))
                .col(double("credits").default(1.0))
                .col(date("graded_at"))
                .col(big_integer_null("recorded_by"))
                .col(utc(b, "created_at"))
                .col(utc(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_grades_student",
                    ("grades", "student_id"),
                    ("students", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(m, "idx_grades_student", "grades", &["student_id", "id"], false).await?;
        index(
            m,
            "idx_grades_subject",
            "grades",
            &["subject", "student_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("attendance")
                .col(big_pk_auto("id"))
                .col(big_integer("student_id"))
                .col(date("date"))
                .col(string_len("status", 20))
                .col(string_len_null("note", 500))
                .col(big_integer_null("marked_by"))
                .col(utc(b, "created_at"))
                .col(utc_null(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_attendance_student",
                    ("attendance", "student_id"),
                    ("students", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "uq_attendance_student_date",
            "attendance",
            &["student_id", "date"],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["attendance", "grades", "guardianships", "students"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
