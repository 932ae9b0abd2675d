//! User administration: list, create with any role, change role or active state, deactivate.
//! Callers check that the actor is an administrator; these functions enforce the rules that
//! hold whoever calls them (no self-lockout, audit with before/after).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, IntoActiveModel};
use serde_json::json;

use super::error::IdentityError;
use super::model::{Role, User};
use super::registration::Registration;
use super::repo::{self, UserFilter};
use super::service::Identity;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};
use crate::pagination::{Page, PageRequest};

/// A user created by an administrator.
#[derive(Debug, Clone)]
pub struct NewUserByAdmin {
    pub registration: Registration,
    pub role: Role,
}

/// Administrative changes to a user.
#[derive(Debug, Clone, Default)]
pub struct AdminUserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

impl Identity {
    pub async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, IdentityError> {
        let rows = repo::list(&self.db, filter, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(User::from_model))
    }

    /// Creates a user with any role. `actor` is the administrator, or `None` for the
    /// operator's CLI.
    pub async fn create_user(
        &self,
        actor: Option<i64>,
        input: NewUserByAdmin,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        self.create(input.registration, input.role, actor, actions::USER_CREATED, meta)
            .await
    }

    /// Creates a demo account with the password its seed documents, which may not meet the
    /// policy (seed 002's `admin`/`admin123`). Only `campus seed --demo` calls
    /// this; it prints a warning that these accounts are for trying Campus out.
    pub async fn create_demo_user(
        &self,
        registration: Registration,
        role: Role,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let relaxed = Identity {
            policy: super::PasswordPolicy::new(campus_config::PasswordPolicySettings {
                min_length: 1,
                require_uppercase: false,
                require_lowercase: false,
                require_digit: false,
                require_special: false,
            }),
            ..self.clone()
        };
        relaxed
            .create(registration, role, None, actions::USER_CREATED, meta)
            .await
    }

    /// Creates an administrator when none exists yet or when `actor` is one (seed 002's
    /// `register-admin`).
    pub async fn bootstrap_admin(
        &self,
        caller: Option<&super::Principal>,
        registration: Registration,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let caller_is_admin = caller.is_some_and(|p| p.role == Role::Admin);
        if !caller_is_admin {
            // The open bootstrap is a registration: limited per address like any other.
            super::throttle::check_ip(
                self.limiter.as_ref(),
                &self.settings.rate_limits,
                super::throttle::Action::Register,
                meta.ip.as_deref(),
            )
            .await?;
            if self.admin_count().await? > 0 {
                return Err(IdentityError::Forbidden);
            }
        }
        // Checked again inside the write transaction, serialised with every other bootstrap,
        // so concurrent first callers cannot all become administrators.
        let still_first = async |txn: &DatabaseTransaction| {
            if caller_is_admin {
                return Ok(());
            }
            // A bootstrap that loses a lock race to another (a deadlock victim on MySQL) is
            // refused like any bootstrap after the first: the other one is making the admin.
            if let Err(e) = repo::serialise(txn, "bootstrap-admin").await {
                return Err(
                    if campus_db::is_transient(&e) || campus_db::constraint_violation(&e).is_some() {
                        IdentityError::Forbidden
                    } else {
                        e.into()
                    },
                );
            }
            if repo::count_role(txn, Role::Admin).await? > 0 {
                return Err(IdentityError::Forbidden);
            }
            Ok(())
        };
        self.create_checked(
            registration,
            Role::Admin,
            caller.map(|p| p.user_id),
            actions::USER_CREATED,
            meta,
            still_first,
        )
        .await
    }

    /// Changes name, role or active state. Deactivation and role changes take effect on
    /// every token at once (within the revocation bound on other instances).
    pub async fn update_user(
        &self,
        actor: Option<i64>,
        id: i64,
        patch: AdminUserPatch,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        if actor == Some(id)
            && (patch.is_active == Some(false) || patch.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(IdentityError::SelfLockout);
        }
        if let Some(name) = &patch.name
            && name.trim().chars().count() > 200
        {
            return Err(IdentityError::invalid(
                "name",
                "too_long",
                "must be at most 200 characters",
            ));
        }
        let model = repo::find(&self.db, id).await?.ok_or(IdentityError::NotFound)?;
        let before = User::from_model(model.clone());
        let now = Utc::now();
        let mut active = model.into_active_model();
        if let Some(name) = patch.name {
            active.name = Set(name.trim().to_owned());
        }
        if let Some(role) = patch.role {
            active.role = Set(role.as_str().to_owned());
        }
        let deactivating = patch.is_active == Some(false) && before.is_active;
        if let Some(is_active) = patch.is_active {
            active.is_active = Set(is_active);
        }
        if deactivating {
            active.tokens_valid_after = Set(Some(now));
        }
        active.updated_at = Set(now);
        let txn = campus_db::begin_write(&self.db).await?;
        let after = User::from_model(active.update(&txn).await?);
        if deactivating {
            repo::revoke_all_refresh(&txn, id, now).await?;
        }
        let action = if after.role != before.role {
            actions::ROLE_CHANGED
        } else if deactivating {
            actions::USER_DEACTIVATED
        } else if after.is_active && !before.is_active {
            actions::USER_REACTIVATED
        } else {
            actions::USER_UPDATED
        };
        audit::record(
            &txn,
            meta,
            AuditEntry::new(action)
                .actor(actor)
                .target("user", id)
                .before(json!({"name": before.name, "role": before.role, "is_active": before.is_active}))
                .after(json!({"name": after.name, "role": after.role, "is_active": after.is_active})),
        )
        .await?;
        txn.commit().await?;
        self.sessions.forget_user(id);
        Ok(after)
    }

    /// Deactivates a user: they can no longer log in and their tokens stop working.
    pub async fn deactivate(
        &self,
        actor: Option<i64>,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        self.update_user(
            actor,
            id,
            AdminUserPatch {
                is_active: Some(false),
                ..AdminUserPatch::default()
            },
            meta,
        )
        .await
    }

    /// Sets a user's password (an administrator's reset, or the first password of an account
    /// created without one by a roster import). Every existing token of the user stops working.
    pub async fn set_password(
        &self,
        actor: Option<i64>,
        id: i64,
        password: String,
        meta: &RequestMeta,
    ) -> Result<(), IdentityError> {
        let model = repo::find(&self.db, id).await?.ok_or(IdentityError::NotFound)?;
        self.store_password(model, password, actor, meta).await?;
        Ok(())
    }
}
