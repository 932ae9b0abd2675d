//! Everyone's own pages: display preferences, password, signing out everywhere, and the
//! notifications inbox (unread first).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use campus_domain::identity::ProfilePatch;
use campus_domain::notifications::Notification;
use campus_domain::pagination::PageRequest;
use serde::Deserialize;

use super::forms::{PageForm, PagePath, PageQuery, given};
use super::{AppChrome, PageResult, Viewer, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::cookies::{SESSION_COOKIE, secure, set_cookie};
use crate::web::pages::{Notice, render};

#[derive(Template, Debug)]
#[template(path = "app/account.html")]
pub struct AccountPage {
    pub chrome: AppChrome,
    pub name: String,
    pub login: String,
    pub language: String,
    pub timezone: String,
    pub text_size: String,
    pub high_contrast: bool,
    /// Browser sessions in force: (signed in, last used, this browser?).
    pub sessions: Vec<(String, String, bool)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn account_page(state: &AppState, viewer: Viewer) -> Result<AccountPage, super::PageError> {
    let sessions = state
        .identity()
        .web_sessions_of(viewer.who.user_id, viewer.who.web_session.as_deref())
        .await?
        .into_iter()
        .map(|s| {
            (
                s.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                s.last_seen_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                s.current,
            )
        })
        .collect();
    let user = viewer.user;
    Ok(AccountPage {
        chrome: viewer.chrome,
        name: user.name.clone(),
        login: user.username.clone().or(user.email.clone()).unwrap_or_default(),
        language: user.language.clone(),
        timezone: user.timezone.clone().unwrap_or_default(),
        text_size: user.text_size.clone(),
        high_contrast: user.high_contrast_mode,
        sessions,
    })
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult {
    let notice = match q.done.as_deref() {
        Some("preferences") => Some("Preferences saved."),
        Some("password") => Some("Password changed. Every other session has been signed out."),
        _ => None,
    };
    let mut page = account_page(&state, viewer).await?;
    if let Some(text) = notice {
        page.chrome = page.chrome.notice(Notice::success(text));
    }
    Ok(render(StatusCode::OK, &page))
}

/// Re-renders the account page with `err` on top.
async fn account_failed(state: &AppState, viewer: Viewer, err: &ApiError) -> PageResult {
    if !err.status().is_client_error() {
        return Err(ApiError::new(err.status(), err.code(), err.report().detail.clone()).into());
    }
    let mut page = account_page(state, viewer).await?;
    page.chrome.failed(err);
    Ok(render(err.status(), &page))
}

#[derive(Debug, Deserialize)]
pub struct PreferencesForm {
    text_size: Option<String>,
    high_contrast: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
}

pub async fn preferences(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    PageForm(form): PageForm<PreferencesForm>,
) -> PageResult {
    let patch = ProfilePatch {
        text_size: given(&form.text_size),
        // An unticked checkbox sends nothing: the form always means "set it to this".
        high_contrast_mode: Some(form.high_contrast.is_some()),
        language: given(&form.language),
        timezone: Some(given(&form.timezone)),
        ..ProfilePatch::default()
    };
    match state
        .identity()
        .update_profile(viewer.who.user_id, patch, &meta)
        .await
    {
        Ok(_) => Ok(see_other("/app/account?done=preferences")),
        Err(e) => account_failed(&state, viewer, &e.into()).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the password (every session and token of the user ends) and signs this browser in
/// again with a new session.
pub async fn password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    viewer: Viewer,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult {
    let identity = state.identity();
    match identity
        .change_password(&viewer.who, form.current_password, form.new_password, &meta)
        .await
    {
        Ok(_) => {
            let session = identity.open_web_session(viewer.who.user_id, &meta).await?;
            let mut response = see_other("/app/account?done=password");
            response.headers_mut().append(
                header::SET_COOKIE,
                crate::web::cookies::session_cookie(&state, &headers, &session),
            );
            Ok(response)
        }
        Err(e) => account_failed(&state, viewer, &e.into()).await,
    }
}

/// Ends every session and token of the user, this browser's included.
pub async fn logout_all(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    viewer: Viewer,
) -> PageResult {
    state
        .identity()
        .logout_all(viewer.who.user_id, viewer.who.user_id, &meta)
        .await?;
    let mut response = see_other("/app/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure(&state, &headers)),
    );
    Ok(response)
}

#[derive(Template, Debug)]
#[template(path = "app/notifications.html")]
pub struct InboxPage {
    pub chrome: AppChrome,
    pub unread: Vec<Notification>,
    pub read: Vec<Notification>,
}

/// Notifications shown per list.
const INBOX: u64 = 50;

pub async fn notifications(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let first = PageRequest {
        after_id: None,
        limit: INBOX,
    };
    let notes = state.notifications();
    let unread = notes.list(&viewer.who, true, first).await?.items;
    let read = notes
        .list(&viewer.who, false, first)
        .await?
        .items
        .into_iter()
        .filter(|n| n.read)
        .collect();
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            chrome: viewer.chrome,
            unread,
            read,
        },
    ))
}

pub async fn read_one(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<Vec<(String, String)>>,
) -> PageResult {
    state.notifications().mark_read(&viewer.who, id).await?;
    Ok(see_other("/app/notifications"))
}

pub async fn read_all(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(_): PageForm<Vec<(String, String)>>,
) -> PageResult {
    state.notifications().mark_all_read(&viewer.who).await?;
    Ok(see_other("/app/notifications"))
}
