//! Registration: public self-registration (with the roles it may grant) and the one path
//! that validates, hashes and inserts every new account.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction};
use serde_json::json;

use campus_db::entities::emergency_contacts;

use super::error::IdentityError;
use super::model::{Email, Role, User, Username};
use super::profile::ContactInput;
use super::repo;
use super::service::Identity;
use super::throttle::{self, Action};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};
use crate::validation::FieldIssue;

/// A new account as any surface describes it.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub password: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    pub emergency_contact: Option<ContactInput>,
}

/// Proof that a public registration passed [`Identity::permit_registration`]; spent by
/// [`Identity::register_permitted`].
#[derive(Debug)]
pub struct RegistrationPermit {
    role: Role,
}

impl Identity {
    /// Self-registration with the configured role only (`/api/v1`): asking for any other role,
    /// or for administrator rights, is refused before anything else; roles are an
    /// administrator's to assign.
    pub async fn register_self(
        &self,
        input: Registration,
        asked_role: Option<&str>,
        asks_admin: bool,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let granted = &self.settings.registration_role;
        if asks_admin || asked_role.is_some_and(|r| !r.eq_ignore_ascii_case(granted)) {
            return Err(IdentityError::RoleChoiceRefused);
        }
        self.register_public(input, Role::parse(granted), meta).await
    }

    /// Public self-registration. `requested_role` is what the body asked for (seed 003's
    /// `role`); `None` grants `auth.registration_role`. Roles outside `auth.public_roles`
    /// are refused.
    pub async fn register_public(
        &self,
        input: Registration,
        requested_role: Option<Role>,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let permit = self.permit_registration(requested_role, meta).await?;
        self.register_permitted(permit, input, meta).await
    }

    /// The checks every public registration passes before anything about existing accounts
    /// is looked at: registration open, the role one the public may ask for, and the
    /// per-address registration limit (counted once per attempt). A surface that must answer
    /// "username taken" itself asks for the permit first, so that answer is throttled too.
    pub async fn permit_registration(
        &self,
        requested_role: Option<Role>,
        meta: &RequestMeta,
    ) -> Result<RegistrationPermit, IdentityError> {
        if !self.settings.registration_enabled {
            return Err(IdentityError::RegistrationClosed);
        }
        let default_role = Role::parse(&self.settings.registration_role).unwrap_or(Role::User);
        let role = requested_role.unwrap_or(default_role);
        if role != default_role && !self.settings.public_roles.iter().any(|r| r == role.as_str()) {
            return Err(IdentityError::RoleNotAllowed(role));
        }
        throttle::check_ip(
            self.limiter.as_ref(),
            &self.settings.rate_limits,
            Action::Register,
            meta.ip.as_deref(),
        )
        .await?;
        Ok(RegistrationPermit { role })
    }

    /// Creates the account a permit was granted for.
    pub async fn register_permitted(
        &self,
        permit: RegistrationPermit,
        input: Registration,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        self.create(input, permit.role, None, actions::USER_REGISTERED, meta)
            .await
    }

    /// Validates, hashes and inserts a user (with an optional emergency contact) in one
    /// transaction, auditing it as `action` by `actor`.
    pub(crate) async fn create(
        &self,
        input: Registration,
        role: Role,
        actor: Option<i64>,
        action: &'static str,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        self.create_checked(input, role, actor, action, meta, async |_| Ok(()))
            .await
    }

    /// Like [`create`](Self::create), with `check` run first inside the write transaction (a
    /// condition that must still hold when the account is written).
    pub(crate) async fn create_checked(
        &self,
        input: Registration,
        role: Role,
        actor: Option<i64>,
        action: &'static str,
        meta: &RequestMeta,
        check: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(), IdentityError>,
    ) -> Result<User, IdentityError> {
        let (username, email) = validate_identity(&input)?;
        self.policy
            .check(
                &input.password,
                username.as_ref().map(Username::as_str),
                email.as_ref().map(Email::as_str),
            )
            .map_err(IdentityError::WeakPassword)?;
        validate_profile(&input)?;
        if let Some(u) = &username
            && repo::username_taken(&self.db, u.as_str()).await?
        {
            return Err(IdentityError::UsernameTaken);
        }
        if let Some(e) = &email
            && repo::email_taken(&self.db, e.as_str()).await?
        {
            return Err(IdentityError::EmailTaken);
        }
        let hash = self.hasher.hash(input.password.clone()).await?;
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        check(&txn).await?;
        let mut user = repo::new_user(input.name.trim(), role, hash, now);
        user.username = Set(username.map(Username::into_string));
        user.email = Set(email.map(Email::into_string));
        user.date_of_birth = Set(input.date_of_birth);
        user.age = Set(input.age);
        user.gender = Set(input
            .gender
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty()));
        let inserted = user.insert(&txn).await.map_err(unique_to_taken)?;
        if let Some(contact) = input.emergency_contact {
            let contact = contact.validated()?;
            emergency_contacts::ActiveModel {
                user_id: Set(inserted.id),
                name: Set(contact.name),
                relation: Set(contact.relation),
                email: Set(contact.email),
                phone: Set(contact.phone),
                allow_alerts: Set(contact.allow_alerts),
                is_primary: Set(contact.is_primary),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let user = User::from_model(inserted);
        audit::record(
            &txn,
            meta,
            AuditEntry::new(action)
                .actor(actor.or(Some(user.id)))
                .target("user", user.id)
                .after(json!({"username": user.username, "email": user.email, "role": user.role})),
        )
        .await?;
        txn.commit().await?;
        Ok(user)
    }
}

/// A unique violation that slipped past the pre-checks (a concurrent registration).
fn unique_to_taken(err: sea_orm::DbErr) -> IdentityError {
    match campus_db::constraint_violation(&err) {
        Some(campus_db::ConstraintKind::Unique) => {
            let text = err.to_string().to_lowercase();
            if text.contains("email") {
                IdentityError::EmailTaken
            } else {
                IdentityError::UsernameTaken
            }
        }
        _ => IdentityError::Db(err),
    }
}

/// Username and email: each optional, at least one, each well-formed.
fn validate_identity(input: &Registration) -> Result<(Option<Username>, Option<Email>), IdentityError> {
    let mut issues = Vec::new();
    let username = match input.username.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(u) if u.contains('@') => {
            issues.push(FieldIssue::new(
                "username",
                "invalid_format",
                "must not contain @",
            ));
            None
        }
        Some(u) => Username::parse(u)
            .map_err(|m| issues.push(FieldIssue::new("username", "invalid_format", m)))
            .ok(),
        None => None,
    };
    let email = match input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => Email::parse(e)
            .map_err(|m| issues.push(FieldIssue::new("email", "invalid_format", m)))
            .ok(),
        None => None,
    };
    if input.username.as_deref().is_none_or(|s| s.trim().is_empty())
        && input.email.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        issues.push(FieldIssue::new(
            "email",
            "required",
            "an email or a username is required",
        ));
    }
    if issues.is_empty() {
        Ok((username, email))
    } else {
        Err(IdentityError::Invalid(issues))
    }
}

fn validate_profile(input: &Registration) -> Result<(), IdentityError> {
    let mut issues = Vec::new();
    if input.name.chars().count() > 200 {
        issues.push(FieldIssue::new(
            "name",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    if input.gender.as_deref().is_some_and(|g| g.chars().count() > 50) {
        issues.push(FieldIssue::new(
            "gender",
            "too_long",
            "must be at most 50 characters",
        ));
    }
    if input.age.is_some_and(|a| !(1..=150).contains(&a)) {
        issues.push(FieldIssue::new(
            "age",
            "out_of_range",
            "must be between 1 and 150",
        ));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(IdentityError::Invalid(issues))
    }
}
