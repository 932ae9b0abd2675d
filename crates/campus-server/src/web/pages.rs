//! Page rendering: the shared chrome every page carries (who is signed in, their display
//! preferences, the CSRF token, a notice) and the helpers that turn a template into a
//! response with the right status.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

use super::csrf::Csrf;

/// The user's display preferences, applied as classes on `<body>`.
#[derive(Debug, Clone)]
pub struct Prefs {
    /// One of `small | medium | large`.
    pub text_size: String,
    pub high_contrast: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            text_size: "medium".to_owned(),
            high_contrast: false,
        }
    }
}

/// What the page says about the last action: a success or an error with the seed's code.
#[derive(Debug, Clone)]
pub struct Notice {
    pub success: bool,
    pub code: Option<String>,
    pub message: String,
    /// Labelled values to show under the message (e.g. the stored key and value).
    pub data: Vec<(String, String)>,
}

impl Notice {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            success: true,
            code: None,
            message: message.into(),
            data: Vec::new(),
        }
    }

    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self {
            success: false,
            code: Some(code.to_owned()),
            message: message.into(),
            data: Vec::new(),
        }
    }

    /// A client error as the page shows it: its code and sentence.
    pub fn from_error(err: &crate::error::ApiError) -> Self {
        Self::error(err.code(), err.report().detail.clone())
    }

    #[must_use]
    pub fn with(mut self, label: &str, value: impl ToString) -> Self {
        self.data.push((label.to_owned(), value.to_string()));
        self
    }
}

/// Everything the layout needs.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The signed-in user's name, if any.
    pub user: Option<String>,
    pub prefs: Prefs,
    pub csrf: String,
    pub notice: Option<Notice>,
}

impl Chrome {
    /// Seed 004's pages show the error code beside the sentence (its contract names them).
    pub fn shows_codes(&self) -> bool {
        true
    }

    pub fn new(csrf: Option<&Csrf>) -> Self {
        Self {
            csrf: csrf.map(|c| c.token.clone()).unwrap_or_default(),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn notice(mut self, notice: Notice) -> Self {
        self.notice = Some(notice);
        self
    }
}

/// Pages load only this server's stylesheet and scripts (one: the portal's live badge,
/// `/static/live.js`, which reads this server's event stream), run no inline script, and post
/// forms only here.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type HeaderLayer = SetResponseHeaderLayer<HeaderValue>;
/// The layer [`page_headers`] builds.
pub type PageHeaders = tower::ServiceBuilder<Stack<HeaderLayer, Stack<HeaderLayer, Identity>>>;

/// `Cache-Control: no-store` and the CSP on every response of a page router (pages rendered
/// by askama_web's `WebTemplate` get them here; [`render`] sets them itself).
pub fn page_headers() -> PageHeaders {
    tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
}

/// Renders `template` with `status`. Pages are never cached: they show private data.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>Internal error</h1>")).into_response()
        }
    }
}

/// A page that only reports an error.
#[derive(Template, Debug)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub title: String,
}

/// An error page outside any handler (the CSRF layer, limits).
pub fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let page = ErrorPage {
        chrome: Chrome::default().notice(Notice::error(code, message)),
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    render(status, &page)
}
