//! The mail service: preferences, the outbox for administrators, and what the delivery worker
//! (in the server, which owns the SMTP transport and the templates) calls: claim due messages,
//! record the outcome with backoff, and gather daily digests.

use std::sync::Arc;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use campus_config::EmailSettings;
use campus_db::entities::email_outbox;

use super::error::MailError;
use super::model::{Channel, OutboxMessage, Outgoing, Preference, Topic, status, templates};
use super::repo;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::identity::roles::{Admins, RoleSet};

/// Most outbox rows one admin listing returns.
pub const MAX_LISTED: u64 = 500;

/// The mail service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Mail {
    db: DatabaseConnection,
    settings: Arc<EmailSettings>,
    tz: Tz,
}

impl Mail {
    /// `tz` is the school's zone (digests go out at `email.digest_hour` there).
    pub fn new(db: DatabaseConnection, settings: &EmailSettings, tz: Tz) -> Self {
        Self {
            db,
            settings: Arc::new(settings.clone()),
            tz,
        }
    }

    pub fn settings(&self) -> &EmailSettings {
        &self.settings
    }

    /// The caller's channel for every topic.
    pub async fn preferences(&self, who: &Principal) -> Result<Vec<Preference>, MailError> {
        Ok(repo::channels_of(&self.db, who.user_id)
            .await?
            .into_iter()
            .map(|(topic, channel)| Preference { topic, channel })
            .collect())
    }

    /// Changes some of the caller's channels (given as topic and channel text).
    pub async fn set_preferences(
        &self,
        who: &Principal,
        changes: &[(String, String)],
        meta: &RequestMeta,
    ) -> Result<Vec<Preference>, MailError> {
        let mut parsed = Vec::with_capacity(changes.len());
        let mut issues = Vec::new();
        for (topic, channel) in changes {
            match (Topic::parse(topic), Channel::parse(channel)) {
                (Ok(t), Ok(c)) => parsed.push((t, c)),
                (t, c) => issues.extend(t.err().into_iter().chain(c.err())),
            }
        }
        if !issues.is_empty() {
            return Err(MailError::Invalid(issues));
        }
        let txn = campus_db::begin_write(&self.db).await?;
        for (topic, channel) in &parsed {
            repo::set_channel(&txn, who.user_id, *topic, *channel).await?;
        }
        audit::record(
            &txn,
            meta,
            AuditEntry::new("notification_preferences.changed")
                .actor(Some(who.user_id))
                .target("user", who.user_id)
                .after(json!(
                    parsed
                        .iter()
                        .map(|(t, c)| (t.as_str(), c.as_str()))
                        .collect::<Vec<_>>()
                )),
        )
        .await?;
        txn.commit().await?;
        self.preferences(who).await
    }

    /// Outbox messages with a status (`dead` by default), newest first. Administrators.
    pub async fn outbox(
        &self,
        who: &Principal,
        state: Option<&str>,
    ) -> Result<Vec<OutboxMessage>, MailError> {
        if !Admins::contains(who.role) {
            return Err(MailError::Forbidden);
        }
        let state = state.unwrap_or(status::DEAD);
        Ok(email_outbox::Entity::find()
            .filter(email_outbox::Column::Status.eq(state))
            .order_by_desc(email_outbox::Column::Id)
            .limit(MAX_LISTED)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                let mut m = OutboxMessage::from(m);
                // A reset link is a key to that account: administrators do not see it.
                if m.template == templates::PASSWORD_RESET {
                    m.params = m.params.map(|_| json!({"link": "[hidden]"}));
                }
                m
            })
            .collect())
    }

    /// Puts a dead message back in the queue. Administrators.
    pub async fn retry(
        &self,
        who: &Principal,
        id: i64,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Result<(), MailError> {
        if !Admins::contains(who.role) {
            return Err(MailError::Forbidden);
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let found = email_outbox::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .filter(|m| m.status == status::DEAD)
            .ok_or(MailError::NotFound("Dead message"))?;
        let mut a: email_outbox::ActiveModel = found.into();
        a.status = sea_orm::ActiveValue::Set(status::QUEUED.to_owned());
        a.attempts = sea_orm::ActiveValue::Set(0);
        a.next_attempt_ms = sea_orm::ActiveValue::Set(now.timestamp_millis());
        sea_orm::ActiveModelTrait::update(a, &txn).await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("email.retried")
                .actor(Some(who.user_id))
                .target("email", id),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Claims the next due message for the delivery worker, under a lease of three SMTP
    /// timeouts (one conversation).
    pub async fn claim_next(&self, now: DateTime<Utc>) -> Result<Option<OutboxMessage>, MailError> {
        let lease_ms = i64::try_from(self.settings.timeout_secs.saturating_mul(3_000)).unwrap_or(60_000);
        Ok(repo::claim_due(&self.db, now.timestamp_millis(), lease_ms, 1)
            .await?
            .into_iter()
            .next()
            .map(Into::into))
    }

    /// Records a delivery; `false` if the claim had been lost to another instance.
    pub async fn delivered(&self, m: &OutboxMessage, now: DateTime<Utc>) -> Result<bool, MailError> {
        Ok(repo::mark_sent(
            &self.db,
            m.id,
            m.lease_until_ms.unwrap_or_default(),
            now.timestamp_millis(),
        )
        .await?)
    }

    /// Records a failed attempt (the claim counted it): retried after 1 min, 2 min, 4 min,
    /// ... (at most 6 h); dead after `email.max_attempts`, or at once when `permanent`.
    pub async fn failed(
        &self,
        m: &OutboxMessage,
        error: &str,
        permanent: bool,
        now: DateTime<Utc>,
    ) -> Result<(), MailError> {
        let (id, lease, tried) = (m.id, m.lease_until_ms.unwrap_or_default(), m.attempts.max(1));
        let retry_at = (!permanent && tried < self.settings.max_attempts).then(|| {
            let backoff_secs = 30i64.saturating_mul(1 << tried.clamp(0, 10)).min(6 * 3600);
            now.timestamp_millis() + backoff_secs * 1000
        });
        Ok(repo::mark_failed(&self.db, id, lease, error, retry_at).await?)
    }

    /// At `email.digest_hour` (school time) or later, turns each user's held messages into
    /// one digest message, once per user and day (guarded, so N instances make one each).
    pub async fn gather_digests(&self, now: DateTime<Utc>) -> Result<usize, MailError> {
        let local = now.with_timezone(&self.tz);
        if local.hour() < self.settings.digest_hour {
            return Ok(0);
        }
        let users: Vec<Option<i64>> = email_outbox::Entity::find()
            .select_only()
            .column(email_outbox::Column::ToUserId)
            .filter(email_outbox::Column::Status.eq(status::HELD))
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut made = 0;
        for user_id in users.into_iter().flatten() {
            let txn = campus_db::begin_write(&self.db).await?;
            if !repo::mark_once(&txn, &format!("digest:{user_id}:{}", local.date_naive())).await? {
                continue;
            }
            let held = email_outbox::Entity::find()
                .filter(email_outbox::Column::ToUserId.eq(user_id))
                .filter(email_outbox::Column::Status.eq(status::HELD))
                .order_by_asc(email_outbox::Column::Id)
                .all(&txn)
                .await?;
            let Some(first) = held.first() else { continue };
            let items: Vec<serde_json::Value> = held
                .iter()
                .map(|m| json!({"subject": m.subject, "body": m.body, "at": m.created_at.to_rfc3339()}))
                .collect();
            repo::enqueue(
                &txn,
                Outgoing {
                    to_user_id: Some(user_id),
                    to_address: first.to_address.clone(),
                    template: templates::DIGEST,
                    subject: format!("Your daily summary: {} notifications", held.len()),
                    body: held
                        .iter()
                        .map(|m| m.body.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    params: Some(json!({"items": items})),
                    attachment: None,
                },
                false,
                now.timestamp_millis(),
            )
            .await?;
            email_outbox::Entity::update_many()
                .col_expr(
                    email_outbox::Column::Status,
                    sea_orm::sea_query::Expr::value(status::DIGESTED),
                )
                .filter(email_outbox::Column::Id.is_in(held.iter().map(|m| m.id)))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            made += 1;
        }
        Ok(made)
    }
}
