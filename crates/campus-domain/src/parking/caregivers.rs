//! Caregivers. A driver invites one of their emergency contacts (by the contact's email);
//! the invitation is a random token, shown once and stored as its SHA-256, that only an
//! account with that email may accept. An active caregiver sees the driver's current
//! parking event and score history read-only — every such read is audited — and, when the
//! contact allows alerts, is notified when an event is abandoned or a retrieval runs past
//! twice its estimate. Either side ends the link at once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::{caregiver_links, parking_events};

use super::Parking;
use super::error::ParkingError;
use super::model::{EventDetail, ScoredEvent, Status};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::notifications::{self, kinds as notice};
use crate::validation::FieldIssue;

/// A link's states.
pub mod states {
    pub const PENDING: &str = "PENDING";
    pub const ACTIVE: &str = "ACTIVE";
    pub const REVOKED: &str = "REVOKED";
}

/// A caregiver link, as either side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaregiverLink {
    pub id: i64,
    /// The driver who invited.
    pub user_id: i64,
    pub invited_email: String,
    /// The caregiver's account, once accepted.
    pub caregiver_id: Option<i64>,
    /// PENDING, ACTIVE or REVOKED.
    pub status: String,
    pub allow_alerts: bool,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl From<caregiver_links::Model> for CaregiverLink {
    fn from(m: caregiver_links::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            invited_email: m.invited_email,
            caregiver_id: m.caregiver_id,
            status: m.status,
            allow_alerts: m.allow_alerts,
            created_at: m.created_at,
            accepted_at: m.accepted_at,
        }
    }
}

/// A new invitation: the link and its token (shown this once).
#[derive(Debug, Clone)]
pub struct Invitation {
    pub link: CaregiverLink,
    pub token: String,
}

/// What a caregiver sees of the person they care for.
#[derive(Debug, Clone)]
pub struct CaregiverView {
    pub current: Option<EventDetail>,
    pub scores: Vec<ScoredEvent>,
}

fn hash(token: &str) -> String {
    crate::digest::sha256_hex(token.trim().as_bytes())
}

/// Caregivers of `user_id` who asked to be alerted.
async fn alerted_caregivers(conn: &impl ConnectionTrait, user_id: i64) -> Result<Vec<i64>, ParkingError> {
    Ok(caregiver_links::Entity::find()
        .filter(caregiver_links::Column::UserId.eq(user_id))
        .filter(caregiver_links::Column::Status.eq(states::ACTIVE))
        .filter(caregiver_links::Column::AllowAlerts.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|l| l.caregiver_id)
        .collect())
}

/// Tells `user_id`'s alerted caregivers `message` about `event_id`.
pub(crate) async fn alert(
    conn: &impl ConnectionTrait,
    user_id: i64,
    event_id: i64,
    message: &str,
) -> Result<(), ParkingError> {
    for caregiver in alerted_caregivers(conn, user_id).await? {
        notifications::push(
            conn,
            caregiver,
            notice::GENERAL,
            message.to_owned(),
            Some(json!({"parking_event_id": event_id, "user_id": user_id})),
        )
        .await?;
    }
    Ok(())
}

impl Parking {
    /// Invites the caller's emergency contact `contact_id` (it needs an email) to become a
    /// caregiver; alerts follow the contact's `allow_alerts`.
    pub async fn invite_caregiver(
        &self,
        who: &Principal,
        contact_id: i64,
        meta: &RequestMeta,
    ) -> Result<Invitation, ParkingError> {
        let contact = crate::identity::repo::contact_of(&self.db, who.user_id, contact_id)
            .await?
            .ok_or(ParkingError::NotFound("Emergency contact"))?;
        let email = contact
            .email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .ok_or_else(|| {
                FieldIssue::new(
                    "contact_id",
                    "no_email",
                    "the contact needs an email address to be invited",
                )
            })?;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let row = caregiver_links::ActiveModel {
            user_id: Set(who.user_id),
            contact_id: Set(Some(contact.id)),
            invited_email: Set(email),
            token_hash: Set(hash(&token)),
            caregiver_id: Set(None),
            status: Set(states::PENDING.to_owned()),
            allow_alerts: Set(contact.allow_alerts),
            created_at: Set(self.now()),
            accepted_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        audit::record(
            &self.db,
            meta,
            AuditEntry::new("caregiver.invited")
                .actor(Some(who.user_id))
                .target("caregiver_link", row.id),
        )
        .await?;
        Ok(Invitation {
            link: row.into(),
            token,
        })
    }

    /// Accepts an invitation: only an account whose email is the invited one, and not the
    /// driver themself.
    pub async fn accept_caregiver(
        &self,
        who: &Principal,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<CaregiverLink, ParkingError> {
        let not_found = || ParkingError::NotFound("Invitation");
        let link = caregiver_links::Entity::find()
            .filter(caregiver_links::Column::TokenHash.eq(hash(token)))
            .filter(caregiver_links::Column::Status.eq(states::PENDING))
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        let me = crate::identity::repo::find(&self.db, who.user_id)
            .await?
            .ok_or_else(not_found)?;
        let mine = me.email.as_deref().map(str::to_lowercase) == Some(link.invited_email.clone());
        if !mine || link.user_id == who.user_id {
            return Err(not_found());
        }
        let now = self.now();
        let claimed = caregiver_links::Entity::update_many()
            .col_expr(caregiver_links::Column::Status, Expr::value(states::ACTIVE))
            .col_expr(caregiver_links::Column::CaregiverId, Expr::value(who.user_id))
            .col_expr(caregiver_links::Column::AcceptedAt, Expr::value(now))
            .filter(caregiver_links::Column::Id.eq(link.id))
            .filter(caregiver_links::Column::Status.eq(states::PENDING))
            .exec(&self.db)
            .await?;
        if claimed.rows_affected == 0 {
            return Err(not_found());
        }
        audit::record(
            &self.db,
            meta,
            AuditEntry::new("caregiver.accepted")
                .actor(Some(who.user_id))
                .target("user", link.user_id),
        )
        .await?;
        Ok(CaregiverLink::from(caregiver_links::Model {
            status: states::ACTIVE.to_owned(),
            caregiver_id: Some(who.user_id),
            accepted_at: Some(now),
            ..link
        }))
    }

    /// The caller's caregiver links (as the driver), newest first.
    pub async fn caregivers(&self, who: &Principal) -> Result<Vec<CaregiverLink>, ParkingError> {
        Ok(caregiver_links::Entity::find()
            .filter(caregiver_links::Column::UserId.eq(who.user_id))
            .order_by_desc(caregiver_links::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The people the caller cares for (active links).
    pub async fn cared_for(&self, who: &Principal) -> Result<Vec<CaregiverLink>, ParkingError> {
        Ok(caregiver_links::Entity::find()
            .filter(caregiver_links::Column::CaregiverId.eq(who.user_id))
            .filter(caregiver_links::Column::Status.eq(states::ACTIVE))
            .order_by_asc(caregiver_links::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Ends a link: the driver ends `link_id`, or the caregiver steps down from caring for
    /// `user_id`. Access ends with the commit.
    pub async fn end_caregiving(
        &self,
        who: &Principal,
        link_id: Option<i64>,
        cared_for: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<(), ParkingError> {
        let mut q = caregiver_links::Entity::update_many()
            .col_expr(caregiver_links::Column::Status, Expr::value(states::REVOKED))
            .col_expr(caregiver_links::Column::RevokedAt, Expr::value(self.now()))
            .filter(caregiver_links::Column::Status.ne(states::REVOKED));
        q = match (link_id, cared_for) {
            (Some(id), _) => q
                .filter(caregiver_links::Column::Id.eq(id))
                .filter(caregiver_links::Column::UserId.eq(who.user_id)),
            (None, Some(user)) => q
                .filter(caregiver_links::Column::UserId.eq(user))
                .filter(caregiver_links::Column::CaregiverId.eq(who.user_id)),
            (None, None) => return Err(ParkingError::NotFound("Caregiver link")),
        };
        if q.exec(&self.db).await?.rows_affected == 0 {
            return Err(ParkingError::NotFound("Caregiver link"));
        }
        audit::record(
            &self.db,
            meta,
            AuditEntry::new("caregiver.ended")
                .actor(Some(who.user_id))
                .target("user", cared_for.unwrap_or(who.user_id)),
        )
        .await?;
        Ok(())
    }

    /// What the caller, an active caregiver of `user_id`, may see: the current event and the
    /// score history. Audited; anyone else gets "not found".
    pub async fn caregiver_view(
        &self,
        who: &Principal,
        user_id: i64,
        meta: &RequestMeta,
    ) -> Result<CaregiverView, ParkingError> {
        let linked = caregiver_links::Entity::find()
            .filter(caregiver_links::Column::UserId.eq(user_id))
            .filter(caregiver_links::Column::CaregiverId.eq(who.user_id))
            .filter(caregiver_links::Column::Status.eq(states::ACTIVE))
            .one(&self.db)
            .await?
            .is_some();
        if !linked {
            return Err(ParkingError::NotFound("Person"));
        }
        let driver = Principal {
            user_id,
            ..who.clone()
        };
        let view = CaregiverView {
            current: self.latest_active(&driver).await?,
            scores: self.scores(&driver).await?,
        };
        audit::record(
            &self.db,
            meta,
            AuditEntry::new("parking.caregiver_read")
                .actor(Some(who.user_id))
                .target("user", user_id)
                .after(json!({"current_event": view.current.as_ref().map(|d| d.event.id), "scores": view.scores.len()})),
        )
        .await?;
        Ok(view)
    }

    /// Alerts caregivers of every retrieval that has run past twice its estimate, once per
    /// retrieval (the claim on `overdue_alerted_at` makes N instances alert once); returns
    /// how many were alerted.
    pub async fn alert_overdue(&self) -> Result<u64, ParkingError> {
        let now = self.now();
        let candidates = parking_events::Entity::find()
            .filter(parking_events::Column::Status.eq(Status::Retrieving.as_str()))
            .filter(parking_events::Column::OverdueAlertedAt.is_null())
            .filter(parking_events::Column::NavigationStartedAt.is_not_null())
            .filter(parking_events::Column::EstimatedTime.gt(0))
            .order_by_asc(parking_events::Column::Id)
            .limit(1000)
            .all(&self.db)
            .await?;
        let mut alerted = 0;
        for e in candidates {
            let (Some(started), Some(estimate)) = (e.navigation_started_at, e.estimated_time) else {
                continue;
            };
            if started + chrono::Duration::seconds(estimate.saturating_mul(2)) > now {
                continue;
            }
            let txn = campus_db::begin_write(&self.db).await?;
            let claimed = parking_events::Entity::update_many()
                .col_expr(parking_events::Column::OverdueAlertedAt, Expr::value(now))
                .filter(parking_events::Column::Id.eq(e.id))
                .filter(parking_events::Column::OverdueAlertedAt.is_null())
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 1 {
                let minutes = (now - started).num_minutes();
                let message = format!(
                    "Finding the car is taking long: {minutes} minutes, more than twice the {} expected.",
                    (estimate + 59) / 60
                );
                alert(&txn, e.user_id, e.id, &message).await?;
                alerted += 1;
            }
            txn.commit().await?;
        }
        Ok(alerted)
    }
}
