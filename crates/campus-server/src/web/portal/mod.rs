//! The portal under `/app`: server-rendered pages for every role, on the same domain services
//! as `/api/v1`. Every page and form works without JavaScript; forms post with the CSRF token
//! the web layer checks; a session cookie (server-side `web_sessions` row) says who is signed
//! in. Records one may not see answer 404 (the domain's record-level checks decide), so a
//! parent cannot probe for other children. See docs/WEB.md.

mod account;
mod admin;
mod attendance;
mod calendar;
mod chrome;
mod courses;
mod finance;
mod forms;
mod gradebook;
mod notify;
mod progress;
mod records;
mod reports;
mod signin;
mod students;
mod system;
mod users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use campus_domain::identity::{IdentityError, Principal, User};

pub use chrome::AppChrome;

use super::cookies::{SESSION_COOKIE, read};
use super::csrf::{self, Csrf, CsrfVerified};
use crate::error::ApiError;
use crate::state::AppState;

/// The portal's page for a method a route does not take (a POST-only address opened from the
/// history, say): HTML like every other portal error.
async fn not_allowed() -> PageError {
    PageError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This address is a form's destination; open the page the form is on instead.",
    )
}

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let routes = Router::new()
        .route("/app", get(signin::home))
        .route("/app/login", get(signin::login_form).post(signin::login))
        .route("/app/logout", post(signin::logout))
        .route("/app/students", get(students::list).post(records::create))
        .route("/app/students/{id}", get(students::show).post(records::update))
        .route("/app/students/{id}/guardians", post(records::link_guardian))
        .route("/app/students/{id}/payments", post(finance::pay))
        .route("/app/students/{id}/contacts", post(finance::contact))
        .route("/app/ledger/{id}/reverse", post(finance::reverse))
        .route("/app/finance/dues", get(finance::dues))
        .route("/app/finance/reports", get(reports::page))
        .route("/app/courses", get(courses::list).post(courses::create))
        .route("/app/courses/{id}", post(courses::update))
        .route("/app/courses/{id}/enroll", post(courses::enroll))
        .route("/app/attendance", get(attendance::form).post(attendance::save))
        .route("/app/gradebook", get(gradebook::form).post(gradebook::save))
        .route("/app/admin/users", get(users::list).post(users::create))
        .route("/app/admin/users/{id}", post(users::change))
        .route("/app/admin/audit", get(system::audit))
        .route("/app/admin/status", get(system::status))
        .route("/app/notify", get(notify::form).post(notify::send))
        .route("/app/account", get(account::page))
        .route("/app/account/preferences", post(account::preferences))
        .route("/app/account/password", post(account::password))
        .route("/app/account/logout-all", post(account::logout_all))
        .route("/app/notifications", get(account::notifications))
        .route("/app/notifications/read-all", post(account::read_all))
        .route("/app/notifications/{id}/read", post(account::read_one))
        .route(
            "/app/admin/import",
            get(admin::import_form)
                .post(admin::import)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        // Any other address under /app is the portal's own 404 page, not the API's JSON.
        .route(
            "/app/{*rest}",
            axum::routing::any(|| async { PageError::not_found() }),
        );
    routes
        .method_not_allowed_fallback(not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), csrf::layer))
        .route_layer(super::pages::page_headers())
}

/// The signed-in user of a portal page, and the page chrome made for them. Without a valid
/// session the browser is sent to the sign-in page (and back here afterwards).
#[derive(Debug)]
pub struct Viewer {
    pub who: Principal,
    pub user: User,
    pub chrome: AppChrome,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<Csrf>()
            .map(|c| c.token.clone())
            .unwrap_or_default();
        let Some(session) = read(state, &parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in(parts));
        };
        let who = match state.identity().authenticate_web_session(session).await {
            Ok(who) => who,
            Err(IdentityError::Db(e)) => return Err(PageError::from(ApiError::from(e)).into_response()),
            Err(_) => return Err(to_sign_in(parts)),
        };
        // The layer has checked the token of form posts; nothing else unsafe is accepted on
        // the strength of the cookie alone.
        // The import upload's token is in its body; its handler checks it first.
        if csrf::is_unsafe(&parts.method)
            && parts.extensions.get::<CsrfVerified>().is_none()
            && parts.extensions.get::<csrf::TokenInBody>().is_none()
            && !csrf::header_matches(state, &parts.headers, session)
        {
            return Err(
                PageError::new(StatusCode::FORBIDDEN, "This form is missing its security token.")
                    .into_response(),
            );
        }
        let user = state
            .identity()
            .user(who.user_id)
            .await
            .map_err(|e| PageError::from(ApiError::from(e)).into_response())?;
        let unread = state
            .notifications()
            .unread_count(&who)
            .await
            .map_err(|e| PageError::from(ApiError::from(e)).into_response())?;
        let chrome = AppChrome::for_user(&user, csrf, unread, parts.uri.path());
        Ok(Viewer { who, user, chrome })
    }
}

/// `303 See Other` to the sign-in page, remembering the page asked for (GET only).
fn to_sign_in(parts: &Parts) -> Response {
    let next = if parts.method == axum::http::Method::GET {
        let wanted = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/app");
        format!("?next={}", urlencoding(wanted))
    } else {
        String::new()
    };
    see_other(&format!("/app/login{next}"))
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Where sign-in may send the browser afterwards: a path of this portal only (never another
/// host, never `//host`).
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        (n == &"/app" || n.starts_with("/app/"))
            && !n.contains("//")
            && !n.contains('\\')
            // No dot segments, plain or encoded: `/app/../api` is not a portal page.
            && !n.split(['/', '?']).any(|seg| seg == "." || seg == "..")
            && !n.to_ascii_lowercase().contains("%2e")
            && n.len() <= 512
            && n.bytes().all(|b| b.is_ascii_graphic())
    })
    .map(str::to_owned)
}

/// `303 See Other` to `location` (after a form post: the browser GETs the result page, so a
/// reload does not post again).
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/app"))],
        )
            .into_response(),
    }
}

/// A page that could not be shown: its status and a sentence, rendered as the portal's error
/// page (never JSON, never a stack trace).
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "There is no such page, or it is not yours to see.",
        )
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        let status = err.status();
        if status.is_server_error() {
            // The cause goes to the log; the page says only what happened.
            err.log_cause();
            tracing::error!(code = err.code(), detail = %err.report().detail, "a portal page failed");
            return Self::new(status, "Something went wrong on our side. Try again in a moment.");
        }
        if status == StatusCode::NOT_FOUND {
            return Self::not_found();
        }
        Self::new(status, err.report().detail.clone())
    }
}

macro_rules! page_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for PageError {
            fn from(err: $t) -> Self {
                ApiError::from(err).into()
            }
        }
    )*};
}
page_error_from!(
    campus_domain::school::SchoolError,
    campus_domain::finance::FinanceError,
    campus_domain::identity::IdentityError,
    campus_domain::notifications::NotificationError,
    campus_db::sea_orm::DbErr
);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let page = chrome::ErrorPage {
            chrome: AppChrome::anonymous(String::new()),
            status: self.status.as_u16(),
            title,
            message: self.message,
        };
        super::pages::render(self.status, &page)
    }
}

pub type PageResult = Result<Response, PageError>;

/// A role gate for pages: the nav shows only what the role may use; asking anyway is 403.
pub fn require(allowed: bool) -> Result<(), PageError> {
    if allowed {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Your role does not use this page.",
        ))
    }
}
