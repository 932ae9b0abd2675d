//! Extracurricular activities: read like grades, written by staff.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ModelTrait};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::activities;

use super::error::SchoolError;
use super::model::Checks;
use super::policy::{self, Access};
use super::repo;
use super::service::School;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;

/// A recorded activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: i64,
    pub student_id: i64,
    pub activity_name: String,
    pub role_or_award: Option<String>,
    pub participation_date: Option<NaiveDate>,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<activities::Model> for Activity {
    fn from(m: activities::Model) -> Self {
        Self {
            id: m.id,
            student_id: m.student_id,
            activity_name: m.activity_name,
            role_or_award: m.role_or_award,
            participation_date: m.participation_date,
            recorded_by: m.recorded_by,
            created_at: m.created_at,
        }
    }
}

impl School {
    pub async fn activities(&self, who: &Principal, student_id: i64) -> Result<Vec<Activity>, SchoolError> {
        policy::check_read(self.reads(), who, student_id, Access::ReadProgress).await?;
        let rows = repo::activities_of(self.reads(), student_id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn add_activity(
        &self,
        who: &Principal,
        student_id: i64,
        activity_name: String,
        role_or_award: Option<String>,
        participation_date: Option<NaiveDate>,
        meta: &RequestMeta,
    ) -> Result<Activity, SchoolError> {
        policy::check(&self.db, who, student_id, Access::Write).await?;
        let mut c = Checks::default();
        let name = c.required("activity_name", Some(activity_name), 200);
        let role = c.text("role_or_award", role_or_award, 200);
        c.finish()?;
        let txn = campus_db::begin_write(&self.db).await?;
        let activity = Activity::from(
            activities::ActiveModel {
                student_id: Set(student_id),
                activity_name: Set(name),
                role_or_award: Set(role),
                participation_date: Set(participation_date),
                recorded_by: Set(Some(who.user_id)),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
        );
        audit::record(
            &txn,
            meta,
            AuditEntry::new("activity.created")
                .actor(Some(who.user_id))
                .target("activity", activity.id)
                .after(json!(activity)),
        )
        .await?;
        txn.commit().await?;
        Ok(activity)
    }

    pub async fn delete_activity(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<(), SchoolError> {
        let model = repo::activity(&self.db, id).await?.ok_or(SchoolError::NotFound)?;
        policy::check(&self.db, who, model.student_id, Access::Write).await?;
        let before = Activity::from(model.clone());
        let txn = campus_db::begin_write(&self.db).await?;
        model.delete(&txn).await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("activity.deleted")
                .actor(Some(who.user_id))
                .target("activity", id)
                .before(json!(before)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
