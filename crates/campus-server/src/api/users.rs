//! `/api/v1/users` and `/api/v1/audit`: user administration and the audit trail (admins).

use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::audit::{AuditFilter, AuditRecord, ChainHead};
use campus_domain::identity::repo::UserFilter;
use campus_domain::identity::{AdminUserPatch, NewUserByAdmin, Registration, Role};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Routes;
use super::dto::{PageMeta, UserResponse, page_request};
use crate::api::routing::routes;
use crate::auth::{Admins, Meta, RequireRole};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(list_users, create_user),
        routes!(get_user, update_user),
        routes!(deactivate_user),
        routes!(list_audit),
        routes!(audit_head),
    ]
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserListQuery {
    /// Filter by role.
    pub role: Option<String>,
    /// Filter by active state.
    pub active: Option<bool>,
    /// Prefix of username, email or name.
    pub q: Option<String>,
    /// 1..=500, default 50.
    pub limit: Option<u64>,
    /// Opaque cursor from `meta.next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserResponse>,
    pub meta: PageMeta,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub name: String,
    pub password: String,
    pub role: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub gender: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub role: Option<String>,
    pub is_active: Option<bool>,
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| {
        ApiError::validation(vec![FieldError {
            field: "role".to_owned(),
            code: "invalid_choice".to_owned(),
            message: "must be one of: admin, teacher, finance, student, parent, user".to_owned(),
        }])
    })
}

/// Lists users, filtered and cursor-paginated.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserListQuery),
    responses((status = 200, body = UserList), (status = 403, description = "Not an administrator")))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: RequireRole<Admins>,
    Query(query): Query<UserListQuery>,
) -> Result<Json<UserList>, ApiError> {
    let filter = UserFilter {
        role: query.role.as_deref().map(parse_role).transpose()?,
        active: query.active,
        search: query.q,
    };
    let page = state
        .identity()
        .list_users(&filter, page_request(query.limit, query.cursor.as_deref())?)
        .await?;
    Ok(Json(UserList {
        meta: PageMeta::of(&page),
        users: page.items.into_iter().map(Into::into).collect(),
    }))
}

/// Creates a user with any role.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, body = UserResponse), (status = 409, description = "Username or email taken")))]
pub async fn create_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Meta(meta): Meta,
    Json(body): Json<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let role = parse_role(&body.role)?;
    let input = NewUserByAdmin {
        registration: Registration {
            username: body.username,
            email: body.email,
            name: body.name,
            password: body.password,
            date_of_birth: body.date_of_birth,
            age: body.age,
            gender: body.gender,
            emergency_contact: None,
        },
        role,
    };
    let user = state
        .identity()
        .create_user(Some(admin.user_id), input, &meta)
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, description = "No such user")))]
pub async fn get_user(
    State(state): State<AppState>,
    _admin: RequireRole<Admins>,
    Path(id): Path<i64>,
) -> Result<Json<UserResponse>, ApiError> {
    let user = state.identity().user(id).await?;
    Ok(Json(user.into()))
}

/// Changes a user's name, role or active state (deactivation revokes their tokens at once).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserResponse), (status = 404, description = "No such user"),
        (status = 409, description = "An administrator cannot lock themself out")))]
pub async fn update_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    Json(body): Json<UpdateUserRequest>,
) -> Result<Json<UserResponse>, ApiError> {
    let patch = AdminUserPatch {
        name: body.name,
        role: body.role.as_deref().map(parse_role).transpose()?,
        is_active: body.is_active,
    };
    let user = state
        .identity()
        .update_user(Some(admin.user_id), id, patch, &meta)
        .await?;
    Ok(Json(user.into()))
}

/// Deactivates a user: no more logins, and their tokens stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, description = "No such user")))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<UserResponse>, ApiError> {
    let user = state
        .identity()
        .deactivate(Some(admin.user_id), id, &meta)
        .await?;
    Ok(Json(user.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Inclusive lower bound (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// 1..=500, default 50.
    pub limit: Option<u64>,
    /// Opaque cursor from `meta.next_cursor`.
    pub cursor: Option<String>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditResponse {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

impl From<AuditRecord> for AuditResponse {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            actor_id: r.actor_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            request_id: r.request_id,
            ip: r.ip,
            user_agent: r.user_agent,
            before: r.before,
            after: r.after,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub audit: Vec<AuditResponse>,
    pub meta: PageMeta,
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "users", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 403, description = "Not an administrator")))]
pub async fn list_audit(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    let filter = AuditFilter {
        actor_id: query.actor_id,
        action: query.action,
        target_type: query.target_type,
        target_id: query.target_id,
        from: query.from,
        to: query.to,
    };
    let page = state
        .audit()
        .trail(
            &admin,
            &filter,
            page_request(query.limit, query.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(AuditList {
        meta: PageMeta::of(&page),
        audit: page.items.into_iter().map(Into::into).collect(),
    }))
}

/// The audit chain's head: copy it somewhere else now and then (a notary, a ticket); a later
/// head whose chain does not pass through it proves the trail was rewritten. Sealing runs every
/// minute on every instance; `unsealed` counts entries written since.
#[utoipa::path(get, path = "/api/v1/admin/audit/head", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = ChainHead), (status = 403, description = "Not an administrator")))]
pub async fn audit_head(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admins>,
) -> Result<Json<ChainHead>, ApiError> {
    Ok(Json(state.audit().head(&admin).await?))
}
