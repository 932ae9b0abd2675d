//! Signing in and out of the portal, and each role's home page.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campus_domain::identity::{LoginRequest, Role, TokenLifetime};
use campus_domain::pagination::PageRequest;
use campus_domain::school::StudentFilter;
use serde::Deserialize;

use super::forms::{PageForm, PageQuery};
use super::{AppChrome, PageResult, Viewer, safe_next, see_other};
use crate::auth::Meta;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::cookies::{SESSION_COOKIE, read, secure, set_cookie};
use crate::web::csrf::Csrf;
use crate::web::pages::render;

#[derive(Template, Debug)]
#[template(path = "app/login.html")]
pub struct LoginPage {
    pub chrome: AppChrome,
    pub identifier: String,
    pub next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form (any account: username or email). Signed in already: straight home.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    csrf: Option<axum::Extension<Csrf>>,
    PageQuery(q): PageQuery<NextQuery>,
) -> Response {
    if let Some(session) = read(&state, &headers, SESSION_COOKIE)
        && state.identity().authenticate_web_session(session).await.is_ok()
    {
        return see_other(&safe_next(q.next.as_deref()).unwrap_or_else(|| "/app".to_owned()));
    }
    let token = csrf.map(|c| c.0.token).unwrap_or_default();
    let page = LoginPage {
        chrome: AppChrome::anonymous(token),
        identifier: String::new(),
        next: safe_next(q.next.as_deref()).unwrap_or_default(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Checks the credentials (the identity service's rate limits, lockout and audit), opens a
/// server-side session and sets its cookie; the browser's previous session, if any, ends.
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    csrf: Option<axum::Extension<Csrf>>,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let identifier = form.identifier.trim().to_owned();
    let next = safe_next(form.next.as_deref());
    let failed = |err: ApiError| {
        let mut chrome = AppChrome::anonymous(csrf.as_ref().map(|c| c.0.token.clone()).unwrap_or_default());
        chrome.failed(&err);
        let page = LoginPage {
            chrome,
            identifier: identifier.chars().take(200).collect(),
            next: next.clone().unwrap_or_default(),
        };
        let mut response = render(err.status(), &page);
        if let Some(retry) = err.headers().get(header::RETRY_AFTER) {
            response.headers_mut().insert(header::RETRY_AFTER, retry.clone());
        }
        response
    };
    if identifier.is_empty() || form.password.is_empty() || identifier.len() > 320 {
        return failed(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_credentials",
            "Enter your username or email and your password.",
        ));
    }
    let request = LoginRequest {
        identifier: identifier.clone(),
        password: form.password,
        lifetime: TokenLifetime::Canonical,
    };
    let user = match state.identity().check_credentials(request, &meta).await {
        Ok(user) => user,
        Err(campus_domain::identity::IdentityError::InvalidCredentials) => {
            return failed(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "That username or email and password do not match an active account.",
            ));
        }
        Err(e) => return failed(e.into()),
    };
    let session = match state.identity().open_web_session(user.id, &meta).await {
        Ok(s) => s,
        Err(e) => return failed(e.into()),
    };
    crate::web::cookies::end_previous_session(&state, &headers, &meta).await;
    let cookie = crate::web::cookies::session_cookie(&state, &headers, &session);
    let mut response = see_other(&next.unwrap_or_else(|| "/app".to_owned()));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// Ends the session everywhere (its row is deleted) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    viewer: Viewer,
    headers: HeaderMap,
) -> PageResult {
    if let Some(session) = read(&state, &headers, SESSION_COOKIE) {
        state.identity().close_web_session(session, &meta).await?;
    }
    drop(viewer);
    let mut response = see_other("/app/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure(&state, &headers)),
    );
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    Ok(response)
}

/// A child on a parent's home page.
#[derive(Debug)]
pub struct ChildLink {
    pub id: i64,
    pub name: String,
    pub class: String,
}

#[derive(Template, Debug)]
#[template(path = "app/home.html")]
pub struct HomePage {
    pub chrome: AppChrome,
    pub first_name: String,
    pub children: Vec<ChildLink>,
    pub own_record: Option<i64>,
}

/// Each role's home: what they came to do, one click away.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let Viewer { who, user, chrome } = viewer;
    let mut children = Vec::new();
    let mut own_record = None;
    if matches!(who.role, Role::Parent | Role::Student) {
        let page = state
            .school()
            .list_students(
                &who,
                &StudentFilter::default(),
                PageRequest {
                    after_id: None,
                    limit: 50,
                },
            )
            .await?;
        if who.role == Role::Student {
            own_record = page.items.first().map(|s| s.id);
        }
        children = page
            .items
            .into_iter()
            .map(|s| ChildLink {
                id: s.id,
                class: super::students::class_label(s.class_level, s.section.as_deref()),
                name: s.name,
            })
            .collect();
    }
    let first_name = user
        .display_name()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(render(
        StatusCode::OK,
        &HomePage {
            chrome,
            first_name,
            children,
            own_record,
        },
    )
    .into_response())
}
