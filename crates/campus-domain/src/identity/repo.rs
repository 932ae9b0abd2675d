//! Identity queries. Each takes any `ConnectionTrait`, so it runs inside a caller's
//! transaction when there is one.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use campus_db::entities::{emergency_contacts, refresh_tokens, revoked_tokens, users};

use super::model::Role;
use crate::pagination::PageRequest;

/// Finds a user by email (lower-cased) or, when the identifier has no `@`, by username.
pub async fn find_by_identifier(
    conn: &impl ConnectionTrait,
    identifier: &str,
) -> Result<Option<users::Model>, DbErr> {
    let query = if identifier.contains('@') {
        users::Entity::find().filter(users::Column::Email.eq(identifier.trim().to_lowercase()))
    } else {
        users::Entity::find().filter(users::Column::Username.eq(identifier.trim()))
    };
    query.one(conn).await
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(id).one(conn).await
}

pub async fn username_taken(conn: &impl ConnectionTrait, username: &str) -> Result<bool, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .count(conn)
        .await?
        > 0)
}

pub async fn email_taken(conn: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .count(conn)
        .await?
        > 0)
}

pub async fn count_role(conn: &impl ConnectionTrait, role: Role) -> Result<u64, DbErr> {
    users::Entity::find()
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::IsActive.eq(true))
        .count(conn)
        .await
}

/// Filters of the admin user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Prefix of username, email or name.
    pub search: Option<String>,
}

/// Users in id order after the cursor, `limit + 1` rows.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &UserFilter,
    page: PageRequest,
) -> Result<Vec<users::Model>, DbErr> {
    let mut query = users::Entity::find();
    if let Some(role) = filter.role {
        query = query.filter(users::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::Column::IsActive.eq(active));
    }
    if let Some(prefix) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let pattern = format!("{}%", escape_like(prefix));
        let like = |p: String| LikeExpr::new(p).escape('!');
        query = query.filter(
            users::Column::Username
                .like(like(pattern.clone()))
                .or(users::Column::Email.like(like(pattern.to_lowercase())))
                .or(users::Column::Name.like(like(pattern))),
        );
    }
    if let Some(after) = page.after_id {
        query = query.filter(users::Column::Id.gt(after));
    }
    query
        .order_by_asc(users::Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await
}

/// Escapes LIKE wildcards (with `!`) so user text matches literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// Marks every access token issued before `at` invalid for `user_id`.
pub async fn invalidate_tokens_before(
    conn: &impl ConnectionTrait,
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::TokensValidAfter, Expr::value(at))
        .col_expr(users::Column::UpdatedAt, Expr::value(at))
        .filter(users::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The user's row, locked until the transaction ends (a no-op write takes the row lock on
/// PostgreSQL and MySQL; a SQLite write transaction is serial already), read after the lock
/// so it shows what a transaction that held it committed.
pub async fn lock_user(conn: &impl ConnectionTrait, user_id: i64) -> Result<Option<users::Model>, DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::UpdatedAt, Expr::col(users::Column::UpdatedAt))
        .filter(users::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    users::Entity::find_by_id(user_id).one(conn).await
}

pub async fn insert_refresh(
    conn: &impl ConnectionTrait,
    user_id: i64,
    family_id: &str,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_tokens::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family_id.to_owned()),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn find_refresh(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<refresh_tokens::Model>, DbErr> {
    refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await
}

/// Marks a refresh token used if nobody did before; `false` means it was already used.
pub async fn claim_refresh(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    family_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn revoke_all_refresh(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a revoked access token (idempotent).
pub async fn revoke_access(
    conn: &impl ConnectionTrait,
    jti: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let exists = revoked_tokens::Entity::find_by_id(jti.to_owned())
        .one(conn)
        .await?
        .is_some();
    if !exists {
        revoked_tokens::ActiveModel {
            jti: Set(jti.to_owned()),
            user_id: Set(user_id),
            expires_at: Set(expires_at),
            revoked_at: Set(Utc::now()),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Deletes revocation rows and refresh tokens past their expiry.
pub async fn purge_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    revoked_tokens::Entity::delete_many()
        .filter(revoked_tokens::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn contacts_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<emergency_contacts::Model>, DbErr> {
    emergency_contacts::Entity::find()
        .filter(emergency_contacts::Column::UserId.eq(user_id))
        .order_by_asc(emergency_contacts::Column::Id)
        .all(conn)
        .await
}

/// A contact, only if it belongs to `user_id`.
pub async fn contact_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<Option<emergency_contacts::Model>, DbErr> {
    emergency_contacts::Entity::find_by_id(id)
        .filter(emergency_contacts::Column::UserId.eq(user_id))
        .one(conn)
        .await
}

/// A new account as every account starts: active, English, medium text, default icons,
/// normal contrast, no personal details. Callers set what they know on top.
pub(crate) fn new_user(
    name: &str,
    role: Role,
    password_hash: String,
    now: DateTime<Utc>,
) -> users::ActiveModel {
    users::ActiveModel {
        username: Set(None),
        email: Set(None),
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        password_hash: Set(password_hash),
        date_of_birth: Set(None),
        age: Set(None),
        gender: Set(None),
        language: Set("en".to_owned()),
        text_size: Set("medium".to_owned()),
        icon_size: Set("default".to_owned()),
        high_contrast_mode: Set(false),
        is_active: Set(true),
        tokens_valid_after: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Creates an account that cannot sign in until an administrator sets its password (parents
/// created by a roster import). `email` must already be normalised.
pub async fn insert_without_password(
    conn: &impl ConnectionTrait,
    email: &str,
    name: &str,
    role: Role,
) -> Result<i64, DbErr> {
    let mut user = new_user(name, role, super::password::NO_PASSWORD.to_owned(), Utc::now());
    user.email = Set(Some(email.to_owned()));
    Ok(user.insert(conn).await?.id)
}

/// Serialises transactions on `name`: the row written here (and removed again) holds the
/// unique key until this transaction ends, so a concurrent transaction doing the same waits
/// for it and then sees what it committed. On SQLite every write transaction is serial anyway.
pub async fn serialise(conn: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    use campus_db::entities::rate_limits;
    let bucket = format!("lock:{name}");
    rate_limits::ActiveModel {
        bucket: Set(bucket.clone()),
        hits: Set(0),
        expires_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    rate_limits::Entity::delete_by_id(bucket).exec(conn).await?;
    Ok(())
}
