//! Signing out: one token (or web session) and its refresh family, or every token and session
//! of a user at once.

use chrono::Utc;

use super::error::IdentityError;
use super::repo;
use super::service::Identity;
use super::sessions::Principal;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};

impl Identity {
    /// Revokes this access token and, if it has one, its refresh family.
    pub async fn logout(&self, principal: &Principal, meta: &RequestMeta) -> Result<(), IdentityError> {
        let now = Utc::now();
        if let Some(id_hash) = &principal.web_session {
            return self.close_web_session_by_hash(id_hash, meta).await;
        }
        let txn = campus_db::begin_write(&self.db).await?;
        if !principal.jti.is_empty() {
            repo::revoke_access(&txn, &principal.jti, principal.user_id, principal.expires_at).await?;
        }
        if let Some(family) = &principal.family {
            repo::revoke_family(&txn, family, now).await?;
        }
        self.record_sign_out(
            &txn,
            principal.user_id,
            meta,
            AuditEntry::new(actions::LOGOUT)
                .actor(Some(principal.user_id))
                .target("user", principal.user_id),
        )
        .await?;
        txn.commit().await?;
        self.sessions.revoke(&principal.jti, principal.expires_at);
        // Expired revocations are useless; clean them up on the way out.
        repo::purge_expired(&self.db, now).await?;
        Ok(())
    }

    /// Revokes every token of `user_id` issued until now.
    pub async fn logout_all(
        &self,
        user_id: i64,
        actor: i64,
        meta: &RequestMeta,
    ) -> Result<(), IdentityError> {
        let txn = campus_db::begin_write(&self.db).await?;
        // The cut-off is read once the user's row is held, so a refresh that held it first
        // (and so committed first) issued its tokens before the cut-off.
        repo::lock_user(&txn, user_id).await?;
        let now = Utc::now();
        repo::invalidate_tokens_before(&txn, user_id, now).await?;
        repo::revoke_all_refresh(&txn, user_id, now).await?;
        super::web::delete_user_sessions(&txn, user_id).await?;
        self.record_sign_out(
            &txn,
            user_id,
            meta,
            AuditEntry::new(actions::LOGOUT_ALL)
                .actor(Some(actor))
                .target("user", user_id),
        )
        .await?;
        txn.commit().await?;
        self.sessions.forget_user(user_id);
        Ok(())
    }

    /// What every sign-out does inside its transaction: ends the user's open usage entry
    /// (seed 000's activity) and records `entry` in the audit trail.
    pub(crate) async fn record_sign_out(
        &self,
        txn: &impl sea_orm::ConnectionTrait,
        user_id: i64,
        meta: &RequestMeta,
        entry: AuditEntry,
    ) -> Result<(), IdentityError> {
        crate::usage::close_open(
            txn,
            user_id,
            self.clock.now().timestamp_millis(),
            crate::usage::EndReason::Logout,
            None,
        )
        .await?;
        audit::record(txn, meta, entry).await?;
        Ok(())
    }
}
