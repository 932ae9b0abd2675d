//! The signed-in user's own account: profile and preferences, password, emergency contacts.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter,
};
use serde_json::json;

use campus_db::entities::emergency_contacts;

use super::error::IdentityError;
pub use super::model::EmergencyContact;
use super::model::{Email, ICON_SIZES, TEXT_SIZES, User};
use super::repo;
use super::service::{Identity, LoginOutcome, TokenLifetime};
use super::sessions::Principal;
use super::throttle;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry, actions};
use crate::validation::FieldIssue;

/// Changes to one's own profile. `None` leaves a field as it is; for nullable fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    pub age: Option<Option<i32>>,
    pub gender: Option<Option<String>>,
    pub language: Option<String>,
    pub text_size: Option<String>,
    pub icon_size: Option<String>,
    pub high_contrast_mode: Option<bool>,
    /// An IANA time zone (`Europe/Berlin`); `Some(None)` falls back to the school's.
    pub timezone: Option<Option<String>>,
}

/// A new emergency contact.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: String,
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allow_alerts: bool,
    pub is_primary: bool,
}

/// Changes to an emergency contact; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub relation: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub allow_alerts: Option<bool>,
    pub is_primary: Option<bool>,
}

fn optional_text(
    issues: &mut Vec<FieldIssue>,
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
    if value.chars().count() > max {
        issues.push(FieldIssue::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Some(value)
}

impl ContactInput {
    /// Trims fields and checks lengths and the email format.
    pub(crate) fn validated(self) -> Result<ContactInput, IdentityError> {
        let mut issues = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            issues.push(FieldIssue::new("name", "required", "is required"));
        } else if name.chars().count() > 100 {
            issues.push(FieldIssue::new(
                "name",
                "too_long",
                "must be at most 100 characters",
            ));
        }
        let relation = optional_text(&mut issues, "relation", self.relation, 50);
        let phone = optional_text(&mut issues, "phone", self.phone, 30);
        let email = match optional_text(&mut issues, "email", self.email, 254) {
            Some(e) => match Email::parse(&e) {
                Ok(e) => Some(e.into_string()),
                Err(m) => {
                    issues.push(FieldIssue::new("email", "invalid_format", m));
                    None
                }
            },
            None => None,
        };
        if !issues.is_empty() {
            return Err(IdentityError::Invalid(issues));
        }
        Ok(ContactInput {
            name,
            relation,
            email,
            phone,
            allow_alerts: self.allow_alerts,
            is_primary: self.is_primary,
        })
    }
}

fn one_of(issues: &mut Vec<FieldIssue>, field: &'static str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        issues.push(FieldIssue::new(
            field,
            "invalid_choice",
            format!("must be one of: {}", allowed.join(", ")),
        ));
    }
}

impl Identity {
    /// Applies `patch` to the user's own profile.
    pub async fn update_profile(
        &self,
        user_id: i64,
        patch: ProfilePatch,
        meta: &RequestMeta,
    ) -> Result<User, IdentityError> {
        let mut issues = Vec::new();
        if let Some(name) = &patch.name
            && name.trim().chars().count() > 200
        {
            issues.push(FieldIssue::new(
                "name",
                "too_long",
                "must be at most 200 characters",
            ));
        }
        if let Some(lang) = &patch.language {
            let ok =
                (2..=10).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                issues.push(FieldIssue::new(
                    "language",
                    "invalid_format",
                    "must be a language tag such as en or pt-BR",
                ));
            }
        }
        if let Some(size) = &patch.text_size {
            one_of(&mut issues, "text_size", size, &TEXT_SIZES);
        }
        if let Some(size) = &patch.icon_size {
            one_of(&mut issues, "icon_size", size, &ICON_SIZES);
        }
        if let Some(Some(tz)) = &patch.timezone {
            issues.extend(crate::usage::summary::parse_tz("timezone", tz).err());
        }
        if let Some(Some(age)) = patch.age
            && !(1..=150).contains(&age)
        {
            issues.push(FieldIssue::new(
                "age",
                "out_of_range",
                "must be between 1 and 150",
            ));
        }
        let gender = patch.gender.map(|g| optional_text(&mut issues, "gender", g, 50));
        if !issues.is_empty() {
            return Err(IdentityError::Invalid(issues));
        }
        let model = repo::find(&self.db, user_id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let before = User::from_model(model.clone());
        let mut active = model.into_active_model();
        if let Some(name) = patch.name {
            active.name = Set(name.trim().to_owned());
        }
        if let Some(v) = patch.date_of_birth {
            active.date_of_birth = Set(v);
        }
        if let Some(v) = patch.age {
            active.age = Set(v);
        }
        if let Some(v) = gender {
            active.gender = Set(v);
        }
        if let Some(v) = patch.language {
            active.language = Set(v);
        }
        if let Some(v) = patch.text_size {
            active.text_size = Set(v);
        }
        if let Some(v) = patch.icon_size {
            active.icon_size = Set(v);
        }
        if let Some(v) = patch.high_contrast_mode {
            active.high_contrast_mode = Set(v);
        }
        if let Some(v) = patch.timezone {
            active.timezone = Set(v);
        }
        active.updated_at = Set(Utc::now());
        let txn = campus_db::begin_write(&self.db).await?;
        let after = User::from_model(active.update(&txn).await?);
        audit::record(
            &txn,
            meta,
            AuditEntry::new(actions::USER_UPDATED)
                .actor(Some(user_id))
                .target("user", user_id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        txn.commit().await?;
        self.sessions.forget_user(user_id);
        Ok(after)
    }

    /// Changes the password after checking the current one. Every existing session of the
    /// user is revoked; the returned tokens continue this one.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: String,
        new: String,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, IdentityError> {
        // Guessing the current password with a stolen token or session is throttled and
        // locked like guessing it at login; the guess that reaches the lockout also ends the
        // token (or session) it was made with.
        let limits = &self.settings.rate_limits;
        let account = format!("user:{}", principal.user_id);
        let ip = meta.ip.as_deref();
        throttle::check_account(self.limiter.as_ref(), limits, &account, ip).await?;
        throttle::check_lock(&self.db, limits, &account, ip).await?;
        let model = repo::find(&self.db, principal.user_id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        if !self
            .hasher
            .verify(current, Some(model.password_hash.clone()))
            .await
        {
            throttle::record_failure(&self.db, self.limiter.as_ref(), limits, &account, ip).await?;
            if throttle::check_lock(&self.db, limits, &account, ip)
                .await
                .is_err()
            {
                self.logout(principal, meta).await?;
            }
            return Err(IdentityError::WrongPassword);
        }
        throttle::clear_failures(&self.db, &account, ip).await?;
        let updated = self
            .store_password(model, new, Some(principal.user_id), meta)
            .await?;
        self.issue(User::from_model(updated), TokenLifetime::Canonical, None)
            .await
    }

    /// Checks `password` against the policy, stores its hash, ends every token and refresh
    /// family of the user, audits the change (by `actor`) and forgets the cached user.
    pub(crate) async fn store_password(
        &self,
        model: campus_db::entities::users::Model,
        password: String,
        actor: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<campus_db::entities::users::Model, IdentityError> {
        self.policy
            .check(&password, model.username.as_deref(), model.email.as_deref())
            .map_err(IdentityError::WeakPassword)?;
        let hash = self.hasher.hash(password).await?;
        let id = model.id;
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        let mut active = model.into_active_model();
        active.password_hash = Set(hash);
        active.tokens_valid_after = Set(Some(now));
        active.updated_at = Set(now);
        let updated = active.update(&txn).await?;
        repo::revoke_all_refresh(&txn, id, now).await?;
        // Reset links still unused stop working with the old password.
        campus_db::entities::password_resets::Entity::update_many()
            .col_expr(
                campus_db::entities::password_resets::Column::UsedMs,
                sea_orm::sea_query::Expr::value(now.timestamp_millis()),
            )
            .filter(campus_db::entities::password_resets::Column::UserId.eq(id))
            .filter(campus_db::entities::password_resets::Column::UsedMs.is_null())
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new(actions::PASSWORD_CHANGED)
                .actor(actor)
                .target("user", id),
        )
        .await?;
        txn.commit().await?;
        self.sessions.forget_user(id);
        Ok(updated)
    }

    pub async fn contacts(&self, user_id: i64) -> Result<Vec<EmergencyContact>, IdentityError> {
        Ok(repo::contacts_of(&self.db, user_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn add_contact(
        &self,
        user_id: i64,
        input: ContactInput,
    ) -> Result<EmergencyContact, IdentityError> {
        let c = input.validated()?;
        let now = Utc::now();
        let model = emergency_contacts::ActiveModel {
            user_id: Set(user_id),
            name: Set(c.name),
            relation: Set(c.relation),
            email: Set(c.email),
            phone: Set(c.phone),
            allow_alerts: Set(c.allow_alerts),
            is_primary: Set(c.is_primary),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(model.into())
    }

    /// Updates one of the user's own contacts; another user's contact is `NotFound`.
    pub async fn update_contact(
        &self,
        user_id: i64,
        id: i64,
        patch: ContactPatch,
    ) -> Result<EmergencyContact, IdentityError> {
        let model = repo::contact_of(&self.db, user_id, id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let merged = ContactInput {
            name: patch.name.unwrap_or_else(|| model.name.clone()),
            relation: patch.relation.unwrap_or_else(|| model.relation.clone()),
            email: patch.email.unwrap_or_else(|| model.email.clone()),
            phone: patch.phone.unwrap_or_else(|| model.phone.clone()),
            allow_alerts: patch.allow_alerts.unwrap_or(model.allow_alerts),
            is_primary: patch.is_primary.unwrap_or(model.is_primary),
        }
        .validated()?;
        let mut active = model.into_active_model();
        active.name = Set(merged.name);
        active.relation = Set(merged.relation);
        active.email = Set(merged.email);
        active.phone = Set(merged.phone);
        active.allow_alerts = Set(merged.allow_alerts);
        active.is_primary = Set(merged.is_primary);
        active.updated_at = Set(Utc::now());
        Ok(active.update(&self.db).await?.into())
    }

    pub async fn delete_contact(&self, user_id: i64, id: i64) -> Result<(), IdentityError> {
        let model = repo::contact_of(&self.db, user_id, id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        model.delete(&self.db).await?;
        Ok(())
    }
}
