//! Contact actions: finance staff log that they contacted a student about their dues, and the
//! student is told.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use campus_db::entities::contact_actions;

use super::error::FinanceError;
use super::policy::Access;
use super::repo as ledger;
use super::{Finance, money};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::notifications::{self, kinds as notice};

impl Finance {
    /// The contact log of a student, newest first (finance staff; at most `limit` entries).
    pub async fn contacts(
        &self,
        who: &Principal,
        student_id: i64,
        limit: u64,
    ) -> Result<Vec<contact_actions::Model>, FinanceError> {
        self.check(who, student_id, Access::Staff).await?;
        Ok(contact_actions::Entity::find()
            .filter(contact_actions::Column::StudentId.eq(student_id))
            .order_by_desc(contact_actions::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Logs that finance staff contacted a student about their dues, and tells the student.
    pub async fn contact(
        &self,
        who: &Principal,
        student_id: i64,
        method: Option<String>,
        notes: Option<String>,
        meta: &RequestMeta,
    ) -> Result<contact_actions::Model, FinanceError> {
        let student = self.check(who, student_id, Access::Staff).await?;
        let method = method
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "EMAIL".to_owned());
        if method.len() > 30 || !method.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(FinanceError::invalid(
                "contact_method",
                "invalid_format",
                "must be up to 30 letters, digits or _",
            ));
        }
        let notes = notes.unwrap_or_default().trim().to_owned();
        if notes.chars().count() > 2000 {
            return Err(FinanceError::invalid(
                "notes",
                "too_long",
                "must be at most 2000 characters",
            ));
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let dues = ledger::balance_of(&txn, student_id).await?;
        let action = contact_actions::ActiveModel {
            student_id: Set(student_id),
            method: Set(method.clone()),
            notes: Set(notes.clone()),
            performed_by: Set(Some(who.user_id)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(user_id) = student.user_id {
            notifications::push(
                &txn,
                user_id,
                notice::CONTACT_REQUEST,
                format!(
                    "Finance department has contacted you regarding your outstanding dues of ${}",
                    money::format(dues.max(0))
                ),
                Some(json!({"contact_id": action.id})),
            )
            .await?;
        }
        audit::record(
            &txn,
            meta,
            AuditEntry::new("finance.contacted")
                .actor(Some(who.user_id))
                .target("student", student_id)
                .after(json!({"method": method, "notes": notes})),
        )
        .await?;
        txn.commit().await?;
        Ok(action)
    }
}
