//! Guardianships: which parent accounts are linked to which student.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use serde::Serialize;
use serde_json::json;

use campus_db::entities::guardianships;

use super::error::SchoolError;
use super::model::Checks;
use super::policy::{self, Access};
use super::repo;
use super::service::School;
use super::students::conflict;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::{Principal, Role};

/// A parent linked to a student.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guardian {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub relationship: Option<String>,
    pub may_receive_notices: bool,
}

impl School {
    pub async fn guardians(&self, who: &Principal, student_id: i64) -> Result<Vec<Guardian>, SchoolError> {
        policy::check_read(self.reads(), who, student_id, Access::ReadRecord).await?;
        let links = repo::guardians_of(&self.db, student_id).await?;
        Ok(links
            .into_iter()
            .map(|(link, u)| Guardian {
                user_id: u.id,
                name: u.name,
                email: u.email,
                relationship: link.relationship,
                may_receive_notices: link.may_receive_notices,
            })
            .collect())
    }

    /// Links a parent account to a student (staff only). Linking twice is a conflict.
    pub async fn link_guardian(
        &self,
        who: &Principal,
        student_id: i64,
        parent_user_id: i64,
        relationship: Option<String>,
        may_receive_notices: bool,
        meta: &RequestMeta,
    ) -> Result<(), SchoolError> {
        policy::check(&self.db, who, student_id, Access::Write).await?;
        let mut c = Checks::default();
        let relationship = c.text("relationship", relationship, 50);
        c.finish()?;
        match repo::account_role(&self.db, parent_user_id).await? {
            Some(role) if role == Role::Parent.as_str() => {}
            Some(_) => {
                return Err(SchoolError::invalid(
                    "user_id",
                    "invalid_choice",
                    "must be a user with the parent role",
                ));
            }
            None => return Err(SchoolError::invalid("user_id", "not_found", "no such user")),
        }
        if repo::is_guardian(&self.db, parent_user_id, student_id).await? {
            return Err(SchoolError::Conflict(
                "That parent is already linked to this student.",
            ));
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let link = guardianships::ActiveModel {
            parent_user_id: Set(parent_user_id),
            student_id: Set(student_id),
            relationship: Set(relationship),
            may_receive_notices: Set(may_receive_notices),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        repo::link_guardian(&txn, link).await.map_err(conflict)?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("guardian.linked")
                .actor(Some(who.user_id))
                .target("student", student_id)
                .after(json!({"parent_user_id": parent_user_id})),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn unlink_guardian(
        &self,
        who: &Principal,
        student_id: i64,
        parent_user_id: i64,
        meta: &RequestMeta,
    ) -> Result<(), SchoolError> {
        policy::check(&self.db, who, student_id, Access::Write).await?;
        let txn = campus_db::begin_write(&self.db).await?;
        if !repo::unlink_guardian(&txn, student_id, parent_user_id).await? {
            return Err(SchoolError::NotFound);
        }
        audit::record(
            &txn,
            meta,
            AuditEntry::new("guardian.unlinked")
                .actor(Some(who.user_id))
                .target("student", student_id)
                .before(json!({"parent_user_id": parent_user_id})),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
