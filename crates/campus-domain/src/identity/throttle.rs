//! Login protection: per-IP and per-account rate limits, and a lock that grows with each
//! consecutive failure. Locks are keyed by the identifier typed, whether or not an account
//! has it, so lock behaviour does not reveal which accounts exist.

use std::time::Duration;

use campus_config::RateLimitSettings;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use campus_db::entities::login_failures::{self, Column, Entity};

use super::error::IdentityError;
use crate::ratelimit::RateLimiter;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Login,
    Register,
    Refresh,
}

pub(crate) async fn check_ip(
    limiter: &dyn RateLimiter,
    settings: &RateLimitSettings,
    action: Action,
    ip: Option<&str>,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let Some(ip) = ip else { return Ok(()) };
    let (name, limit, window) = match action {
        Action::Login => ("login-ip", settings.login_per_ip_per_minute, MINUTE),
        Action::Register => ("register-ip", settings.register_per_ip_per_hour, HOUR),
        Action::Refresh => ("refresh-ip", settings.refresh_per_ip_per_minute, MINUTE),
    };
    enforce(limiter, &format!("{name}:{ip}"), limit, window).await
}

pub(crate) async fn check_account(
    limiter: &dyn RateLimiter,
    settings: &RateLimitSettings,
    identifier: &str,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let key = format!("login-account:{}", identifier.trim().to_lowercase());
    enforce(limiter, &key, settings.login_per_account_per_minute, MINUTE).await
}

async fn enforce(
    limiter: &dyn RateLimiter,
    bucket: &str,
    limit: u32,
    window: Duration,
) -> Result<(), IdentityError> {
    let decision = limiter.hit(bucket, limit, window).await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(IdentityError::RateLimited {
            retry_after_secs: decision.reset_after_secs.max(1),
            limit,
        })
    }
}

fn key(identifier: &str) -> String {
    identifier.trim().to_lowercase().chars().take(255).collect()
}

/// Refuses the attempt while the identifier is locked.
pub(crate) async fn check_lock(
    db: &DatabaseConnection,
    settings: &RateLimitSettings,
    identifier: &str,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let row = Entity::find_by_id(key(identifier)).one(db).await?;
    let now = Utc::now();
    match row.and_then(|r| r.locked_until).filter(|until| *until > now) {
        Some(until) => Err(IdentityError::Locked {
            retry_after_secs: u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1),
        }),
        None => Ok(()),
    }
}

/// Counts a failure and locks the identifier once failures reach the threshold:
/// `base · 2^(failures − threshold)` seconds, at most `lockout_max_secs`.
pub(crate) async fn record_failure(
    db: &DatabaseConnection,
    settings: &RateLimitSettings,
    identifier: &str,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let now = Utc::now();
    let k = key(identifier);
    Entity::insert(login_failures::ActiveModel {
        identifier: Set(k.clone()),
        failures: Set(1),
        locked_until: Set(None),
        last_failure_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(Column::Identifier)
            .value(
                Column::Failures,
                sea_orm::sea_query::ExprTrait::add(Expr::col((Entity, Column::Failures)), 1),
            )
            .value(Column::LastFailureAt, Expr::value(now))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let Some(row) = Entity::find_by_id(k).one(db).await? else {
        return Ok(());
    };
    let failures = u32::try_from(row.failures).unwrap_or(u32::MAX);
    if failures >= settings.lockout_after_failures {
        let exponent = (failures - settings.lockout_after_failures).min(20);
        let secs = settings
            .lockout_base_secs
            .saturating_mul(1 << exponent)
            .min(settings.lockout_max_secs);
        let until = now + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(900));
        Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(until))
            .filter(Column::Identifier.eq(row.identifier))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A successful login clears the failure count.
pub(crate) async fn clear_failures(db: &DatabaseConnection, identifier: &str) -> Result<(), IdentityError> {
    Entity::delete_by_id(key(identifier)).exec(db).await?;
    Ok(())
}
