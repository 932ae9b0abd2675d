//! MemoPark (seed 001): parking events with their landmarks and one cognitive score each.
//! Photos are keys into the blob store (with the content type found in their bytes), never
//! URLs: links are signed afresh on every read. Landmarks and the score go with their event.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, double, double_null, string_len, string_len_null,
    text_null,
};

use super::columns::{binary_text, fk, index, utc, utc_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let mut events = Table::create()
            .table("parking_events")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(double("latitude"))
            .col(double("longitude"))
            .col(string_len_null("location_name", 255))
            .col(text_null("address"))
            .col(string_len("parking_type", 20))
            .col(string_len_null("level_floor", 20))
            .col(string_len_null("parking_slot", 20))
            .col(text_null("notes"))
            .col(string_len_null("photo_key", 1024))
            .col(string_len_null("photo_content_type", 50))
            .col(string_len_null("given_photo_url", 2048))
            .col(utc(b, "started_at"))
            .col(utc_null(b, "navigation_started_at"))
            .col(big_integer_null("estimated_time"))
            .col(utc_null(b, "ended_at"))
            .col(big_integer_null("final_screen_time"))
            .col(big_integer_null("final_map_view_count"))
            .col(string_len("status", 20))
            .col(utc(b, "created_at"))
            .col(utc(b, "updated_at"))
            .foreign_key(&mut fk(
                "fk_parking_user",
                ("parking_events", "user_id"),
                ("users", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut events);
        m.create_table(events).await?;
        index(
            m,
            "ix_parking_user_started",
            "parking_events",
            &["user_id", "started_at"],
            false,
        )
        .await?;

        let mut landmarks = Table::create()
            .table("parking_landmarks")
            .col(big_pk_auto("id"))
            .col(big_integer("event_id"))
            .col(double_null("latitude"))
            .col(double_null("longitude"))
            .col(string_len_null("location_name", 255))
            .col(double_null("distance_from_parking"))
            .col(string_len_null("photo_key", 1024))
            .col(string_len_null("photo_content_type", 50))
            .col(boolean("is_achieved").default(false))
            .col(utc(b, "created_at"))
            .col(utc(b, "updated_at"))
            .foreign_key(&mut fk(
                "fk_landmark_event",
                ("parking_landmarks", "event_id"),
                ("parking_events", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        binary_text(b, &mut landmarks);
        m.create_table(landmarks).await?;
        index(
            m,
            "ix_landmarks_event",
            "parking_landmarks",
            &["event_id", "id"],
            false,
        )
        .await?;

        let scores = Table::create()
            .table("parking_scores")
            .col(big_pk_auto("id"))
            .col(big_integer("event_id").unique_key())
            .col(double("time_factor"))
            .col(double("landmark_factor"))
            .col(double("path_performance"))
            .col(double("task_score"))
            .col(big_integer("assistance_points"))
            .col(big_integer("no_of_landmarks"))
            .col(big_integer("landmarks_recalled"))
            .col(big_integer("peek_penalty"))
            .col(big_integer("assist_penalty"))
            .col(utc(b, "created_at"))
            .foreign_key(&mut fk(
                "fk_score_event",
                ("parking_scores", "event_id"),
                ("parking_events", "id"),
                ForeignKeyAction::Cascade,
            ))
            .to_owned();
        m.create_table(scores).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["parking_scores", "parking_landmarks", "parking_events"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
