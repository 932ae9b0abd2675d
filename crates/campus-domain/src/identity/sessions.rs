//! The per-request token check without a database round trip in the common case.
//!
//! Each instance keeps the set of revoked access-token ids and the records of the users it
//! has seen (so `GET /me` and the token check need no query). Both are brought up to date by a
//! delta query at most once per `revocation_sync_ms`, run by whichever request finds the cache
//! stale. So a revocation made on any instance reaches every instance within that bound
//! (plus the time of one query). Changes made on this instance apply here at once, and — when
//! a [`SessionBroadcast`] is attached (Redis pub/sub) — on every other instance within the
//! time of one message; the delta query stays as the safety net for a missed message.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use campus_db::entities::{revoked_tokens, users};

use super::error::AuthFailure;
use super::model::{Role, User};
use super::tokens::AccessClaims;

/// Overlap of consecutive delta queries, covering clock skew between instances and
/// transactions that commit after the previous query ran.
const SYNC_OVERLAP: chrono::Duration = chrono::Duration::seconds(30);
/// Users remembered per instance; past this the cache starts over (and reloads on demand).
const MAX_CACHED_USERS: usize = 100_000;

#[derive(Debug, Clone)]
struct CachedUser {
    user: User,
    tokens_valid_after: Option<DateTime<Utc>>,
}

impl From<users::Model> for CachedUser {
    fn from(m: users::Model) -> Self {
        let tokens_valid_after = m.tokens_valid_after;
        Self {
            user: User::from_model(m),
            tokens_valid_after,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    last_sync: Option<Instant>,
    watermark: Option<DateTime<Utc>>,
    revoked: HashMap<String, DateTime<Utc>>,
    users: HashMap<i64, CachedUser>,
}

/// Who an accepted access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    /// The user's current role (from the database, not the token).
    pub role: Role,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
    pub family: Option<String>,
    /// The web session (SHA-256 of its cookie) when the request came with one instead of a
    /// token; logging out ends it.
    pub web_session: Option<String>,
}

impl Principal {
    /// A principal not backed by a token: the operator's CLI acting as an account, the demo
    /// loader, or a facade acting for a user it looked up. It revokes nothing on logout.
    pub fn acting_as(user_id: i64, role: Role) -> Self {
        Self {
            user_id,
            role,
            jti: String::new(),
            expires_at: Utc::now(),
            family: None,
            web_session: None,
        }
    }
}

/// A change to what tokens are accepted, told to the other instances.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum SessionChange {
    /// One access token was revoked (logout).
    Revoked { jti: String, expires_at: DateTime<Utc> },
    /// A user's record changed: role, deactivation, password, sign-out everywhere.
    UserChanged { user_id: i64 },
}

/// Carries [`SessionChange`]s to the other instances (fire and forget: a lost message is
/// caught up by the delta query within `revocation_sync_ms`).
pub trait SessionBroadcast: Send + Sync + std::fmt::Debug {
    fn publish(&self, change: SessionChange);
}

/// Revocation and user-state cache; see the module docs.
#[derive(Debug)]
pub struct SessionCache {
    bound: Duration,
    state: RwLock<State>,
    sync: tokio::sync::Mutex<()>,
    peers: OnceLock<Arc<dyn SessionBroadcast>>,
}

impl SessionCache {
    pub fn new(bound: Duration) -> Self {
        Self {
            bound,
            state: RwLock::new(State::default()),
            sync: tokio::sync::Mutex::new(()),
            peers: OnceLock::new(),
        }
    }

    /// Tells `peers` every change made here from now on (set once, at start-up).
    pub fn attach(&self, peers: Arc<dyn SessionBroadcast>) {
        let _ = self.peers.set(peers);
    }

    /// Applies a change another instance made (not told on again).
    pub fn apply(&self, change: &SessionChange) {
        match change {
            SessionChange::Revoked { jti, expires_at } => {
                self.write().revoked.insert(jti.clone(), *expires_at);
            }
            SessionChange::UserChanged { user_id } => {
                self.write().users.remove(user_id);
            }
        }
    }

    /// Makes the next check run the delta query (after messages may have been missed).
    pub fn mark_stale(&self) {
        self.write().last_sync = None;
    }

    fn tell_peers(&self, change: SessionChange) {
        if let Some(peers) = self.peers.get() {
            peers.publish(change);
        }
    }

    /// Accepts `claims` if the token is not revoked and its user is active and has not
    /// invalidated tokens issued before now.
    pub async fn check(
        &self,
        db: &DatabaseConnection,
        claims: &AccessClaims,
    ) -> Result<Principal, SessionError> {
        let user_id = claims
            .user_id()
            .ok_or(AuthFailure::Invalid("Subject must be a user id".into()))?;
        self.sync_if_stale(db).await?;
        if self.read().revoked.contains_key(&claims.jti) {
            return Err(AuthFailure::Revoked.into());
        }
        let role = self.check_subject(db, user_id, claims.issued_at()).await?;
        Ok(Principal {
            user_id,
            role,
            jti: claims.jti.clone(),
            expires_at: claims.expires_at(),
            family: claims.fam.clone(),
            web_session: None,
        })
    }

    /// The current role of `user_id` if the user is active and has not invalidated
    /// credentials issued before `issued_at` (tokens and web sessions alike).
    pub async fn check_subject(
        &self,
        db: &DatabaseConnection,
        user_id: i64,
        issued_at: DateTime<Utc>,
    ) -> Result<Role, SessionError> {
        self.sync_if_stale(db).await?;
        // The hot path reads three fields under the lock instead of cloning the user.
        let hit = self
            .read()
            .users
            .get(&user_id)
            .map(|c| (c.user.is_active, c.user.role, c.tokens_valid_after));
        let (active, role, valid_after) = match hit {
            Some(hit) => hit,
            None => {
                let c = self.cached(db, user_id).await?.ok_or(AuthFailure::Inactive)?;
                (c.user.is_active, c.user.role, c.tokens_valid_after)
            }
        };
        if !active {
            return Err(AuthFailure::Inactive.into());
        }
        if valid_after.is_some_and(|after| issued_before(issued_at, after)) {
            return Err(AuthFailure::Revoked.into());
        }
        Ok(role)
    }

    /// Marks a token revoked here and tells the other instances (the database row is
    /// written, and committed, by the caller).
    pub fn revoke(&self, jti: &str, expires_at: DateTime<Utc>) {
        let change = SessionChange::Revoked {
            jti: jti.to_owned(),
            expires_at,
        };
        self.apply(&change);
        self.tell_peers(change);
    }

    /// Drops what is known about a user so the next request (here and on every other
    /// instance) reloads it.
    pub fn forget_user(&self, user_id: i64) {
        let change = SessionChange::UserChanged { user_id };
        self.apply(&change);
        self.tell_peers(change);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user's record from the cache, loading it on a miss. As fresh as the last sync
    /// (within the bound) or this instance's own last change.
    pub async fn user(&self, db: &DatabaseConnection, user_id: i64) -> Result<Option<User>, DbErr> {
        self.sync_if_stale(db).await?;
        Ok(self.cached(db, user_id).await?.map(|c| c.user))
    }

    async fn cached(&self, db: &DatabaseConnection, user_id: i64) -> Result<Option<CachedUser>, DbErr> {
        if let Some(hit) = self.read().users.get(&user_id) {
            return Ok(Some(hit.clone()));
        }
        let Some(model) = users::Entity::find_by_id(user_id).one(db).await? else {
            return Ok(None);
        };
        let entry = CachedUser::from(model);
        let mut guard = self.write();
        if guard.users.len() >= MAX_CACHED_USERS {
            guard.users.clear();
        }
        guard.users.insert(user_id, entry.clone());
        Ok(Some(entry))
    }

    async fn sync_if_stale(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if self.read().last_sync.is_some_and(|t| t.elapsed() < self.bound) {
            return Ok(());
        }
        let _one_sync_at_a_time = self.sync.lock().await;
        let watermark = {
            let state = self.read();
            if state.last_sync.is_some_and(|t| t.elapsed() < self.bound) {
                return Ok(());
            }
            state.watermark
        };
        let started = Utc::now();
        let since = watermark.map(|w| w - SYNC_OVERLAP);
        let mut revoked =
            revoked_tokens::Entity::find().filter(revoked_tokens::Column::ExpiresAt.gt(started));
        if let Some(since) = since {
            revoked = revoked.filter(revoked_tokens::Column::RevokedAt.gte(since));
        }
        let revoked: Vec<(String, DateTime<Utc>)> = revoked
            .select_only()
            .columns([revoked_tokens::Column::Jti, revoked_tokens::Column::ExpiresAt])
            .into_tuple()
            .all(db)
            .await?;
        let changed_users: Vec<users::Model> = match since {
            // First sync: nothing cached yet, nothing to refresh.
            None => Vec::new(),
            Some(since) => {
                users::Entity::find()
                    .filter(users::Column::UpdatedAt.gte(since))
                    .all(db)
                    .await?
            }
        };
        let mut state = self.write();
        state.revoked.retain(|_, exp| *exp > started);
        state.revoked.extend(revoked);
        for model in changed_users {
            if let Some(entry) = state.users.get_mut(&model.id) {
                *entry = CachedUser::from(model);
            }
        }
        state.watermark = Some(started);
        state.last_sync = Some(Instant::now());
        Ok(())
    }
}

/// A token check failed: the token is not acceptable, or the database could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Auth(#[from] AuthFailure),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Whether credentials issued at `issued_at` predate the cut-off `after`. Tokens carry their
/// issue time in milliseconds, so the comparison is at that resolution: a token issued in the
/// same millisecond as the cut-off (the fresh one a password change returns) is not taken
/// for an older one.
fn issued_before(issued_at: DateTime<Utc>, after: DateTime<Utc>) -> bool {
    issued_at < chrono::SubsecRound::trunc_subsecs(after, 3)
}

#[cfg(test)]
mod cut_off_tests {
    use super::*;

    #[test]
    fn a_token_of_the_cut_offs_millisecond_is_not_older_than_it() {
        let after = DateTime::parse_from_rfc3339("2026-11-29T12:00:00.123456Z")
            .unwrap()
            .to_utc();
        let same_ms = DateTime::parse_from_rfc3339("2026-11-29T12:00:00.123Z")
            .unwrap()
            .to_utc();
        let earlier = DateTime::parse_from_rfc3339("2026-11-29T12:00:00.122Z")
            .unwrap()
            .to_utc();
        assert!(!issued_before(same_ms, after));
        assert!(issued_before(earlier, after));
    }
}
