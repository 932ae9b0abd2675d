//! Server-side sessions of the web pages. The cookie carries a random 256-bit token; the
//! database keeps only its SHA-256, the user, and when the session was made, last used and
//! ends. Any instance can check a session (one indexed read), and signing out deletes the
//! row, so the session ends everywhere at once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde_json::json;

use campus_db::entities::web_sessions;

use super::error::{AuthFailure, IdentityError};
use super::service::Identity;
use super::sessions::{Principal, SessionError};
use super::tokens::{hash_refresh_token, new_refresh_token};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};

/// A session's last-use time is written at most this often (not on every page).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A new web session: the cookie value to hand to the browser, and its absolute end.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A web session still in force, as its user sees it on their account page.
#[derive(Debug, Clone)]
pub struct WebSessionInfo {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The session of the request asking (`current`: the SHA-256 of its cookie).
    pub current: bool,
}

impl Identity {
    /// The user's web sessions that have not ended or idled out, newest first.
    pub async fn web_sessions_of(
        &self,
        user_id: i64,
        current: Option<&str>,
    ) -> Result<Vec<WebSessionInfo>, IdentityError> {
        let now = self.clock.now();
        let idle_cutoff = now - seconds(self.web.session_idle_secs);
        let rows = web_sessions::Entity::find()
            .filter(web_sessions::Column::UserId.eq(user_id))
            .filter(web_sessions::Column::ExpiresAt.gt(now))
            .filter(web_sessions::Column::LastSeenAt.gt(idle_cutoff))
            .order_by_desc(web_sessions::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| WebSessionInfo {
                current: current == Some(r.id_hash.as_str()),
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
            })
            .collect())
    }

    /// Starts a web session for a user who has just proved who they are.
    pub async fn open_web_session(
        &self,
        user_id: i64,
        meta: &RequestMeta,
    ) -> Result<NewWebSession, IdentityError> {
        let (token, id_hash) = new_refresh_token();
        // Creation is compared with sign-out-everywhere cut-offs (system time); the session's
        // end and idle time follow the clock.
        let created_at = Utc::now();
        let now = self.clock.now();
        let expires_at = now + seconds(self.web.session_ttl_secs);
        let txn = campus_db::begin_write(&self.db).await?;
        web_sessions::ActiveModel {
            id_hash: Set(id_hash),
            user_id: Set(user_id),
            created_at: Set(created_at),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new(actions::WEB_SESSION_OPENED)
                .actor(Some(user_id))
                .target("user", user_id),
        )
        .await?;
        txn.commit().await?;
        Ok(NewWebSession { token, expires_at })
    }

    /// The principal of a session cookie: the session exists, has not reached its end or
    /// idled out, and its user is active and has not signed out everywhere since.
    pub async fn authenticate_web_session(&self, token: &str) -> Result<Principal, IdentityError> {
        let id_hash = hash_refresh_token(token);
        let now = self.clock.now();
        let row = web_sessions::Entity::find_by_id(id_hash.clone())
            .one(&self.db)
            .await?
            .ok_or(IdentityError::Unauthenticated(AuthFailure::Expired))?;
        let idle_end = row.last_seen_at + seconds(self.web.session_idle_secs);
        if row.expires_at <= now || idle_end <= now {
            web_sessions::Entity::delete_by_id(id_hash).exec(&self.db).await?;
            return Err(IdentityError::Unauthenticated(AuthFailure::Expired));
        }
        let role = self
            .sessions
            .check_subject(&self.db, row.user_id, row.created_at)
            .await
            .map_err(|e| match e {
                SessionError::Auth(f) => IdentityError::Unauthenticated(f),
                SessionError::Db(e) => IdentityError::Db(e),
            })?;
        if now - row.last_seen_at >= TOUCH_EVERY {
            web_sessions::Entity::update_many()
                .col_expr(web_sessions::Column::LastSeenAt, Expr::value(now))
                .filter(web_sessions::Column::IdHash.eq(id_hash.clone()))
                .exec(&self.db)
                .await?;
        }
        Ok(Principal {
            user_id: row.user_id,
            role,
            jti: String::new(),
            expires_at: row.expires_at,
            family: None,
            web_session: Some(id_hash),
        })
    }

    /// Ends the session behind a cookie, if it exists (signing out twice is not an error).
    pub async fn close_web_session(&self, token: &str, meta: &RequestMeta) -> Result<(), IdentityError> {
        let id_hash = hash_refresh_token(token);
        self.close_web_session_by_hash(&id_hash, meta).await
    }

    pub(crate) async fn close_web_session_by_hash(
        &self,
        id_hash: &str,
        meta: &RequestMeta,
    ) -> Result<(), IdentityError> {
        let Some(row) = web_sessions::Entity::find_by_id(id_hash.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let txn = campus_db::begin_write(&self.db).await?;
        web_sessions::Entity::delete_by_id(id_hash.to_owned())
            .exec(&txn)
            .await?;
        self.record_sign_out(
            &txn,
            row.user_id,
            meta,
            AuditEntry::new(actions::LOGOUT)
                .actor(Some(row.user_id))
                .target("user", row.user_id)
                .after(json!({"web_session": true})),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes sessions past their end or idle time; run by each instance's purge task.
    pub async fn purge_web_sessions(&self) -> Result<u64, IdentityError> {
        let now = self.clock.now();
        let idle_cutoff = now - seconds(self.web.session_idle_secs);
        let result = web_sessions::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(web_sessions::Column::ExpiresAt.lte(now))
                    .add(web_sessions::Column::LastSeenAt.lte(idle_cutoff)),
            )
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

pub(crate) async fn delete_user_sessions(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<(), sea_orm::DbErr> {
    web_sessions::Entity::delete_many()
        .filter(web_sessions::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

fn seconds(n: u64) -> Duration {
    Duration::seconds(super::service::secs(n))
}
