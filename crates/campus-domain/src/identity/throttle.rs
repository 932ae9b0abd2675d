//! Login protection: per-address and per-(account, address) rate limits, and a lock that
//! grows with each consecutive failure. Locks hold one client address out of one identifier
//! (typed, whether or not an account has it, so lock behaviour does not reveal which accounts
//! exist); an account-wide ceiling slows guessing from many addresses. Nothing a stranger
//! does from elsewhere locks the owner out.

use std::time::Duration;

use campus_config::RateLimitSettings;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use campus_db::entities::login_failures::{self, Column, Entity};

use super::error::IdentityError;
use crate::ratelimit::{RateLimiter, fit_key};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Login,
    Register,
    Refresh,
    /// Password reset requests (as many per address as registrations).
    Reset,
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
        Action::Reset => ("reset-ip", settings.register_per_ip_per_hour, HOUR),
    };
    // Refreshing presents a credential already held: while the counters are unreachable it
    // goes on (fails open); sign-in, registration and reset requests are refused (closed).
    let fail_open = matches!(action, Action::Refresh);
    enforce(
        limiter,
        &format!("{name}:{}", address_bucket(ip)),
        limit,
        window,
        fail_open,
    )
    .await
}

/// The rate-limit bucket of a client address: IPv4 addresses one each, IPv6 by /64 (one
/// subscriber usually holds a whole /64, so per-address buckets would be no limit at all).
fn address_bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// Attempts on one account from one client address, per minute.
pub(crate) async fn check_account(
    limiter: &dyn RateLimiter,
    settings: &RateLimitSettings,
    identifier: &str,
    ip: Option<&str>,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let key = format!("login-account:{}", pair_key(identifier, ip));
    enforce(
        limiter,
        &key,
        settings.login_per_account_per_minute,
        MINUTE,
        false,
    )
    .await
}

/// Reset emails to one account: three an hour. `false` (not an error) past that, so the
/// answer stays the same whether or not the address has an account.
pub(crate) async fn reset_allowed(
    limiter: &dyn RateLimiter,
    settings: &RateLimitSettings,
    email: &str,
) -> Result<bool, IdentityError> {
    if !settings.enabled {
        return Ok(true);
    }
    Ok(limiter
        .hit(&format!("reset-account:{}", account_key(email)), 3, HOUR)
        .await?
        .allowed)
}

async fn enforce(
    limiter: &dyn RateLimiter,
    bucket: &str,
    limit: u32,
    window: Duration,
    fail_open: bool,
) -> Result<(), IdentityError> {
    let decision = limiter.hit(bucket, limit, window).await?;
    if decision.allowed || (decision.unavailable && fail_open) {
        Ok(())
    } else {
        Err(IdentityError::RateLimited {
            retry_after_secs: decision.reset_after_secs.max(1),
            limit,
        })
    }
}

fn account_key(identifier: &str) -> String {
    identifier.trim().to_lowercase()
}

/// The lock row of `identifier` tried from `ip`: locks hold one address out of one account,
/// so a stranger's failures never lock the owner out from where the owner is.
fn pair_key(identifier: &str, ip: Option<&str>) -> String {
    let address = ip.map_or_else(|| "-".to_owned(), address_bucket);
    fit_key(&format!("{address}|{}", account_key(identifier)), 255)
}

/// Refuses the attempt while this address is locked out of `identifier`.
pub(crate) async fn check_lock(
    db: &DatabaseConnection,
    settings: &RateLimitSettings,
    identifier: &str,
    ip: Option<&str>,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let row = Entity::find_by_id(pair_key(identifier, ip)).one(db).await?;
    let now = Utc::now();
    match row.and_then(|r| r.locked_until).filter(|until| *until > now) {
        Some(until) => Err(IdentityError::Locked {
            retry_after_secs: u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1),
        }),
        None => Ok(()),
    }
}

/// Counts a failure of `identifier` from `ip` and locks that address out of the account once
/// its failures reach the threshold: `base · 2^(failures − threshold)` seconds, at most
/// `lockout_max_secs`. The threshold is `lockout_after_failures`, or 1 while the account has
/// had `lockout_account_ceiling` failures this hour from all addresses together — guessing
/// from many addresses slows to one guess per address per lock, without blocking the owner.
pub(crate) async fn record_failure(
    db: &DatabaseConnection,
    limiter: &dyn RateLimiter,
    settings: &RateLimitSettings,
    identifier: &str,
    ip: Option<&str>,
) -> Result<(), IdentityError> {
    if !settings.enabled {
        return Ok(());
    }
    let account = fit_key(&format!("login-failures:{}", account_key(identifier)), 200);
    let ceiling = settings.lockout_account_ceiling.max(1);
    // Unreachable counters do not mark the account under attack: the lock below (in the
    // database) still counts this address's failures.
    let seen = limiter.hit(&account, ceiling - 1, HOUR).await?;
    let under_attack = !seen.allowed && !seen.unavailable;
    let threshold = if under_attack {
        1
    } else {
        settings.lockout_after_failures.max(1)
    };
    let now = Utc::now();
    let k = pair_key(identifier, ip);
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
    if failures >= threshold {
        let exponent = (failures - threshold).min(20);
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

/// A successful sign-in clears this address's failures on the account.
pub(crate) async fn clear_failures(
    db: &DatabaseConnection,
    identifier: &str,
    ip: Option<&str>,
) -> Result<(), IdentityError> {
    Entity::delete_by_id(pair_key(identifier, ip)).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::address_bucket;

    #[test]
    fn ipv6_addresses_share_a_bucket_per_64_and_ipv4_one_each() {
        assert_eq!(address_bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_bucket("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(address_bucket("2001:db8:1:3::1"), "2001:db8:1:2::/64");
        assert_eq!(address_bucket("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(address_bucket("192.0.2.1"), "192.0.2.1");
    }
}
