//! Administrators manage accounts: search, create with a one-time password shown once,
//! change a role, deactivate, reset a password (again shown once, never put in an address).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::identity::{AdminUserPatch, NewUserByAdmin, Registration, Role, User};
use serde::Deserialize;

use super::forms::{PageForm, PagePath, PageQuery, given};
use super::students::page_request;
use super::{AppChrome, PageError, PageResult, Viewer, require, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Notice, render};

const PAGE: u64 = 50;

#[derive(Template, Debug)]
#[template(path = "app/users.html")]
pub struct UsersPage {
    pub chrome: AppChrome,
    pub users: Vec<User>,
    pub q: String,
    pub role: String,
    pub next: Option<String>,
    pub roles: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

/// A password that meets the policy (upper, lower, digit, symbol) with 64 random bits.
fn one_time_password() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("Tmp-{}-7a#", &random[..16])
}

async fn users_page(
    state: &AppState,
    viewer: Viewer,
    q: &UsersQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> PageResult {
    let role = match given(&q.role) {
        Some(r) => {
            Some(Role::parse(&r).ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "No such role."))?)
        }
        None => None,
    };
    let filter = campus_domain::identity::repo::UserFilter {
        role,
        active: None,
        search: given(&q.q).map(|s| s.chars().take(100).collect()),
    };
    let page = page_request(q.cursor.as_deref(), PAGE)?;
    let found = state.identity().list_users(&filter, page).await?;
    let next = found.next_cursor.map(|c| {
        serde_urlencoded::to_string([
            ("q", given(&q.q).unwrap_or_default()),
            ("role", given(&q.role).unwrap_or_default()),
            ("cursor", c),
        ])
        .unwrap_or_default()
    });
    let mut chrome = viewer.chrome;
    if notice.is_some() {
        chrome.notice = notice;
    }
    Ok(render(
        status,
        &UsersPage {
            chrome,
            users: found.items,
            q: given(&q.q).unwrap_or_default(),
            role: role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            next,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<UsersQuery>,
) -> PageResult {
    require(viewer.who.role == Role::Admin)?;
    let notice = match q.done.as_deref() {
        Some("role") => Some(Notice::success(
            "Role changed. It applies to the user's sessions at once.",
        )),
        Some("deactivated") => Some(Notice::success("Account deactivated. Its sessions have ended.")),
        _ => None,
    };
    users_page(&state, viewer, &q, notice, StatusCode::OK).await
}

/// An action that failed: the list again with the problem on top.
async fn failed(state: &AppState, viewer: Viewer, err: &ApiError) -> PageResult {
    if !err.status().is_client_error() {
        return Err(PageError::new(err.status(), err.report().detail.clone()));
    }
    let mut chrome = viewer.chrome.clone();
    chrome.failed(err);
    let viewer = Viewer { chrome, ..viewer };
    let notice = viewer.chrome.notice.clone();
    users_page(state, viewer, &UsersQuery::default(), notice, err.status()).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    email: Option<String>,
    username: Option<String>,
    #[serde(default)]
    role: String,
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(form): PageForm<CreateForm>,
) -> PageResult {
    require(viewer.who.role == Role::Admin)?;
    let Some(role) = Role::parse(&form.role) else {
        return failed(
            &state,
            viewer,
            &ApiError::from(vec![campus_domain::validation::FieldIssue::new(
                "role",
                "invalid_choice",
                "choose a role",
            )]),
        )
        .await;
    };
    let password = one_time_password();
    let input = NewUserByAdmin {
        registration: Registration {
            username: given(&form.username),
            email: given(&form.email),
            name: form.name.trim().to_owned(),
            password: password.clone(),
            ..Registration::default()
        },
        role,
    };
    match state
        .identity()
        .create_user(Some(viewer.who.user_id), input, &meta)
        .await
    {
        Ok(user) => {
            let login = user.username.clone().or(user.email.clone()).unwrap_or_default();
            let notice =
                Notice::success("Account created. Give them this one-time password; it is not shown again.")
                    .with("login", login)
                    .with("password", password);
            users_page(
                &state,
                viewer,
                &UsersQuery::default(),
                Some(notice),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => failed(&state, viewer, &e.into()).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    action: String,
    role: Option<String>,
}

/// Changes one account: `action` is `role`, `deactivate` or `reset-password`.
pub async fn change(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    require(viewer.who.role == Role::Admin)?;
    let identity = state.identity();
    let actor = Some(viewer.who.user_id);
    let result = match form.action.as_str() {
        "role" => {
            let Some(role) = given(&form.role).and_then(|r| Role::parse(&r)) else {
                return Err(PageError::new(StatusCode::BAD_REQUEST, "Choose a role."));
            };
            let patch = AdminUserPatch {
                role: Some(role),
                ..AdminUserPatch::default()
            };
            identity
                .update_user(actor, id, patch, &meta)
                .await
                .map(|_| "role")
        }
        "deactivate" => identity.deactivate(actor, id, &meta).await.map(|_| "deactivated"),
        "reset-password" => {
            let password = one_time_password();
            return match identity.set_password(actor, id, password.clone(), &meta).await {
                Ok(()) => {
                    let notice = Notice::success("Password reset; every session of the account has ended. Give them this one-time password; it is not shown again.")
                        .with("password", password);
                    users_page(
                        &state,
                        viewer,
                        &UsersQuery::default(),
                        Some(notice),
                        StatusCode::OK,
                    )
                    .await
                }
                Err(e) => failed(&state, viewer, &e.into()).await,
            };
        }
        _ => return Err(PageError::new(StatusCode::BAD_REQUEST, "Unknown action.")),
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/app/admin/users?done={done}"))),
        Err(e) => failed(&state, viewer, &e.into()).await,
    }
}
