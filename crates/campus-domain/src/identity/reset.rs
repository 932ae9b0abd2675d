//! Password reset by email: a single-use token valid for 30 minutes, stored as its SHA-256,
//! sent in a link. The request answers the same whether or not the address has an account
//! (only a malformed address or too many requests from one client address differ); using the
//! token sets the password under the policy and ends every token and session of the account.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use campus_db::entities::{password_resets, users};

use super::error::IdentityError;
use super::model::Email;
use super::repo;
use super::service::Identity;
use super::throttle::{self, Action};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::mail::model::{Outgoing, templates};
use crate::validation::FieldIssue;

/// How long a reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;

fn invalid_token() -> IdentityError {
    IdentityError::Invalid(vec![FieldIssue::new(
        "token",
        "invalid_token",
        "this reset link is not valid: it was used already, has expired, or was mistyped",
    )])
}

impl Identity {
    /// Sends a reset link to `email` if it belongs to an active account. `link_base` is the
    /// page the token is appended to (`https://campus.example/reset-password?token=`).
    pub async fn request_password_reset(
        &self,
        email: &str,
        link_base: &str,
        meta: &RequestMeta,
    ) -> Result<(), IdentityError> {
        let email =
            Email::parse(email).map_err(|why| IdentityError::invalid("email", "invalid_format", why))?;
        throttle::check_ip(
            self.limiter.as_ref(),
            &self.settings.rate_limits,
            Action::Reset,
            meta.ip.as_deref(),
        )
        .await?;
        if !throttle::reset_allowed(self.limiter.as_ref(), &self.settings.rate_limits, email.as_str()).await?
        {
            return Ok(());
        }
        let Some(user) = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
            .filter(|u| u.is_active)
        else {
            return Ok(());
        };
        // 32 random bytes, base64url; only the SHA-256 is stored (as for refresh tokens).
        let (token, token_hash) = super::tokens::new_refresh_token();
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        password_resets::ActiveModel {
            user_id: Set(user.id),
            token_hash: Set(token_hash),
            expires_ms: Set((now + Duration::minutes(RESET_TTL_MINUTES)).timestamp_millis()),
            used_ms: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::mail::repo::enqueue(
            &txn,
            Outgoing {
                to_user_id: Some(user.id),
                to_address: email.into_string(),
                template: templates::PASSWORD_RESET,
                subject: "Reset your Campus password".to_owned(),
                body: format!("Someone asked to reset the password of your Campus account. The link works once, for {RESET_TTL_MINUTES} minutes."),
                params: Some(json!({"name": user.name, "link": format!("{link_base}{token}"), "minutes": RESET_TTL_MINUTES})),
                attachment: None,
            },
            false,
            now.timestamp_millis(),
        )
        .await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("password_reset.requested").target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token (once, within 30 minutes).
    pub async fn reset_password(
        &self,
        token: &str,
        password: String,
        meta: &RequestMeta,
    ) -> Result<(), IdentityError> {
        let token = token.trim();
        if token.is_empty() || token.len() > 128 {
            return Err(invalid_token());
        }
        let now_ms = Utc::now().timestamp_millis();
        let reset = password_resets::Entity::find()
            .filter(password_resets::Column::TokenHash.eq(super::tokens::hash_refresh_token(token)))
            .one(&self.db)
            .await?
            .filter(|r| r.used_ms.is_none() && r.expires_ms > now_ms)
            .ok_or_else(invalid_token)?;
        let user = repo::find(&self.db, reset.user_id)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(invalid_token)?;
        self.policy
            .check(&password, user.username.as_deref(), user.email.as_deref())
            .map_err(IdentityError::WeakPassword)?;
        // The guarded update lets exactly one of two racing uses through.
        let claimed = password_resets::Entity::update_many()
            .col_expr(password_resets::Column::UsedMs, Expr::value(now_ms))
            .filter(password_resets::Column::Id.eq(reset.id))
            .filter(password_resets::Column::UsedMs.is_null())
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(invalid_token());
        }
        self.store_password(user, password, None, meta).await?;
        Ok(())
    }
}
