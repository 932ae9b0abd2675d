//! The identity service: registration, login, token checks, refresh rotation and logout.

use std::sync::Arc;
use std::time::Duration;

use campus_config::{AuthSettings, WebSettings};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use serde_json::json;

use super::error::{AuthFailure, IdentityError};
use super::model::{PasswordPolicy, Role, User};
use super::password::PasswordHasher;
use super::repo;
use super::sessions::{Principal, SessionCache, SessionError};
use super::throttle::{self, Action};
use super::tokens::{self, AccessClaims, TokenKeys};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};
use crate::clock::{SharedClock, SystemClock};
use crate::ratelimit::{DbRateLimiter, RateLimiter};
use campus_db::entities::refresh_tokens;

/// How long the access token of a login lives, and whether a refresh token comes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLifetime {
    /// `/api/v1`: `auth.access_ttl_secs` plus a rotating refresh token.
    Canonical,
    /// A seed's own lifetime, access token only (the seeds have no refresh tokens).
    Fixed(Duration),
}

/// A login attempt.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// Email (contains `@`) or username.
    pub identifier: String,
    pub password: String,
    pub lifetime: TokenLifetime,
}

/// The tokens of a successful login or refresh.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub user: User,
    pub access_token: String,
    pub claims: AccessClaims,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
}

/// The identity service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Identity {
    pub(crate) db: DatabaseConnection,
    pub(crate) hasher: PasswordHasher,
    pub(crate) keys: TokenKeys,
    pub(crate) policy: PasswordPolicy,
    pub(crate) sessions: Arc<SessionCache>,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) settings: Arc<AuthSettings>,
    pub(crate) web: Arc<WebSettings>,
    /// The time web sessions expire by.
    pub(crate) clock: SharedClock,
}

impl Identity {
    pub fn new(
        db: DatabaseConnection,
        settings: &AuthSettings,
        secret: &SecretString,
    ) -> Result<Self, IdentityError> {
        Ok(Self {
            hasher: PasswordHasher::new(&settings.argon2)?,
            keys: TokenKeys::new(secret),
            policy: PasswordPolicy::new(settings.password.clone()),
            sessions: Arc::new(SessionCache::new(Duration::from_millis(
                settings.revocation_sync_ms,
            ))),
            limiter: Arc::new(DbRateLimiter::new(db.clone())),
            settings: Arc::new(settings.clone()),
            web: Arc::new(WebSettings::default()),
            clock: Arc::new(SystemClock),
            db,
        })
    }

    /// Reads the time web sessions expire by from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `web`'s session lifetimes instead of the defaults.
    #[must_use]
    pub fn with_web(mut self, web: &WebSettings) -> Self {
        self.web = Arc::new(web.clone());
        self
    }

    /// Counts rate limits in `limiter` (Redis, shared by the instances) instead of the
    /// database.
    #[must_use]
    pub fn with_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// The revocation and user cache, for wiring it to the other instances.
    pub fn session_cache(&self) -> &Arc<SessionCache> {
        &self.sessions
    }

    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// Checks credentials (rate limits and lock first) and issues tokens.
    pub async fn login(
        &self,
        request: LoginRequest,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, IdentityError> {
        let lifetime = request.lifetime;
        let user = self.check_credentials(request, meta).await?;
        self.issue(user, lifetime, None).await
    }

    /// Checks a sign-in's identifier and password: per-address and per-account rate limits
    /// and the lockout first, then the password (in constant work whether or not the account
    /// exists); failures are counted and audited, success clears them and is audited.
    pub async fn check_credentials(
        &self,
        request: LoginRequest,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let limits = &self.settings.rate_limits;
        throttle::check_ip(self.limiter.as_ref(), limits, Action::Login, meta.ip.as_deref()).await?;
        let ip = meta.ip.as_deref();
        throttle::check_account(self.limiter.as_ref(), limits, &request.identifier, ip).await?;
        throttle::check_lock(&self.db, limits, &request.identifier, ip).await?;
        let found = repo::find_by_identifier(&self.db, &request.identifier).await?;
        let hash = found.as_ref().map(|u| u.password_hash.clone());
        let matched = self.hasher.verify(request.password, hash).await;
        let user = match found {
            Some(user) if matched && user.is_active => user,
            other => {
                throttle::record_failure(&self.db, self.limiter.as_ref(), limits, &request.identifier, ip)
                    .await?;
                let entry = AuditEntry::new(actions::LOGIN_FAILED)
                    .after(json!({"identifier": request.identifier.chars().take(100).collect::<String>()}));
                let entry = match &other {
                    Some(u) => entry.target("user", u.id),
                    None => entry,
                };
                audit::record(&self.db, meta, entry).await?;
                return Err(IdentityError::InvalidCredentials);
            }
        };
        throttle::clear_failures(&self.db, &request.identifier, ip).await?;
        let user = User::from_model(user);
        audit::record(
            &self.db,
            meta,
            AuditEntry::new(actions::LOGIN_SUCCEEDED)
                .actor(Some(user.id))
                .target("user", user.id),
        )
        .await?;
        Ok(user)
    }

    /// Tokens for a user who has just proved who they are (a registration that logs in at
    /// once, as seed 001's does).
    pub async fn sign_in_new(
        &self,
        user: User,
        lifetime: TokenLifetime,
    ) -> Result<LoginOutcome, IdentityError> {
        self.issue(user, lifetime, None).await
    }

    /// Issues an access token (and for canonical logins a refresh token in `family`, or a
    /// new family).
    pub(crate) async fn issue(
        &self,
        user: User,
        lifetime: TokenLifetime,
        family: Option<String>,
    ) -> Result<LoginOutcome, IdentityError> {
        self.issue_on(&self.db, user, lifetime, family).await
    }

    /// Issues tokens, writing the refresh token through `conn` (a transaction when the
    /// caller's checks and the write must be one step).
    async fn issue_on(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        user: User,
        lifetime: TokenLifetime,
        family: Option<String>,
    ) -> Result<LoginOutcome, IdentityError> {
        let (ttl, with_refresh) = match lifetime {
            TokenLifetime::Canonical => (Duration::from_secs(self.settings.access_ttl_secs), true),
            TokenLifetime::Fixed(ttl) => (ttl, false),
        };
        let family = with_refresh.then(|| family.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()));
        let refresh_token = match &family {
            Some(family_id) => {
                let (token, hash) = tokens::new_refresh_token();
                let expires = Utc::now() + chrono::Duration::seconds(secs(self.settings.refresh_ttl_secs));
                repo::insert_refresh(conn, user.id, family_id, hash, expires).await?;
                Some(token)
            }
            None => None,
        };
        let chrono_ttl = chrono::Duration::seconds(secs(ttl.as_secs()));
        let (access_token, claims) = self
            .keys
            .issue(user.id, user.role, chrono_ttl, family, user.username.clone())
            .map_err(IdentityError::Signing)?;
        Ok(LoginOutcome {
            user,
            access_token,
            claims,
            expires_in: ttl.as_secs(),
            refresh_token,
        })
    }

    /// Verifies an access token: signature, expiry, revocation, user still active.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, IdentityError> {
        let claims = self.keys.decode(token).map_err(|e| match e {
            tokens::TokenError::Expired => AuthFailure::Expired,
            tokens::TokenError::Invalid(reason) => AuthFailure::Invalid(reason),
        })?;
        self.sessions.check(&self.db, &claims).await.map_err(|e| match e {
            SessionError::Auth(f) => IdentityError::Unauthenticated(f),
            SessionError::Db(e) => IdentityError::Db(e),
        })
    }

    /// Rotates a refresh token. Presenting one that was already used revokes its family.
    pub async fn refresh(&self, token: &str, meta: &RequestMeta) -> Result<LoginOutcome, IdentityError> {
        throttle::check_ip(
            self.limiter.as_ref(),
            &self.settings.rate_limits,
            Action::Refresh,
            meta.ip.as_deref(),
        )
        .await?;
        let now = Utc::now();
        let row = repo::find_refresh(&self.db, &tokens::hash_refresh_token(token))
            .await?
            .ok_or(IdentityError::RefreshInvalid)?;
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Err(IdentityError::RefreshInvalid);
        }
        if row.used_at.is_some() {
            return Err(self.refresh_reused(&row, now, meta).await?);
        }
        // Claim, check and rotate in one transaction that first locks the user's row: a
        // logout-all (which writes that row first) either commits before — and this claim
        // then finds the token revoked — or waits until the new token exists and revokes it.
        let txn = campus_db::begin_write(&self.db).await?;
        let Some(user) = repo::lock_user(&txn, row.user_id).await? else {
            return Err(IdentityError::RefreshInvalid);
        };
        if !repo::claim_refresh(&txn, row.id, now).await? {
            txn.rollback().await?;
            return match repo::find_refresh(&self.db, &row.token_hash).await? {
                Some(now_row) if now_row.used_at.is_some() => {
                    Err(self.refresh_reused(&now_row, now, meta).await?)
                }
                _ => Err(IdentityError::RefreshInvalid),
            };
        }
        let cut_off = user.tokens_valid_after;
        if !user.is_active || cut_off.is_some_and(|cut| row.created_at <= cut) {
            txn.rollback().await?;
            return Err(IdentityError::RefreshInvalid);
        }
        let outcome = self
            .issue_on(
                &txn,
                User::from_model(user),
                TokenLifetime::Canonical,
                Some(row.family_id),
            )
            .await?;
        txn.commit().await?;
        Ok(outcome)
    }

    /// A used refresh token presented again: its family is revoked (a thief and the owner
    /// both lose it) and the reuse is audited.
    async fn refresh_reused(
        &self,
        row: &refresh_tokens::Model,
        now: chrono::DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Result<IdentityError, IdentityError> {
        repo::revoke_family(&self.db, &row.family_id, now).await?;
        audit::record(
            &self.db,
            meta,
            AuditEntry::new(actions::REFRESH_REUSED)
                .actor(Some(row.user_id))
                .target("user", row.user_id)
                .after(json!({"family": row.family_id})),
        )
        .await?;
        Ok(IdentityError::RefreshReused)
    }

    /// The user behind `id`, served from the session cache: fresh within
    /// `auth.revocation_sync_ms`, or at once after a change made on this instance.
    pub async fn user(&self, id: i64) -> Result<User, IdentityError> {
        self.sessions
            .user(&self.db, id)
            .await?
            .ok_or(IdentityError::NotFound)
    }

    /// A user by email or username.
    pub async fn find_by_identifier(&self, identifier: &str) -> Result<Option<User>, IdentityError> {
        Ok(repo::find_by_identifier(&self.db, identifier)
            .await?
            .map(User::from_model))
    }

    /// Number of active administrators (for the first-run hint and seed 002's bootstrap).
    pub async fn admin_count(&self) -> Result<u64, IdentityError> {
        Ok(repo::count_role(&self.db, Role::Admin).await?)
    }
}

pub(crate) fn secs(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / 1000)
}
