//! Password reset pages: ask for a link (`/reset-password`) and choose a new password with
//! it (`/reset-password/confirm?token=...`). The same service calls as
//! `/api/v1/auth/password-reset[/confirm]`; forms carry the CSRF token.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form, Router};
use serde::Deserialize;

use super::csrf::Csrf;
use super::pages::{Chrome, Notice, render};
use crate::auth::Meta;
use crate::state::AppState;

#[derive(Template, Debug)]
#[template(path = "reset_request.html")]
pub struct ResetRequestPage {
    pub chrome: Chrome,
}

#[derive(Template, Debug)]
#[template(path = "reset_confirm.html")]
pub struct ResetConfirmPage {
    pub chrome: Chrome,
    pub token: String,
    pub done: bool,
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The reset pages, behind the CSRF layer and the page headers.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/reset-password", axum::routing::get(request_form).post(request))
        .route(
            "/reset-password/confirm",
            axum::routing::get(confirm_form).post(confirm),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::csrf::layer,
        ))
        .route_layer(super::pages::page_headers())
}

async fn request_form(Extension(csrf): Extension<Csrf>) -> Response {
    render(
        StatusCode::OK,
        &ResetRequestPage {
            chrome: Chrome::new(Some(&csrf)),
        },
    )
}

async fn request(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    Meta(meta): Meta,
    Form(form): Form<EmailForm>,
) -> Response {
    let base = crate::api::email::reset_link_base(&state);
    let (status, notice) = match state
        .identity()
        .request_password_reset(&form.email, &base, &meta)
        .await
    {
        Ok(()) => (StatusCode::OK, Notice::success(crate::api::email::RESET_SENT)),
        Err(e) => {
            let err = crate::error::ApiError::from(e);
            if err.status().is_server_error() {
                return axum::response::IntoResponse::into_response(err);
            }
            (err.status(), Notice::from_error(&err))
        }
    };
    render(
        status,
        &ResetRequestPage {
            chrome: Chrome::new(Some(&csrf)).notice(notice),
        },
    )
}

async fn confirm_form(Extension(csrf): Extension<Csrf>, Query(q): Query<TokenQuery>) -> Response {
    let token: String = q.token.chars().take(128).collect();
    render(
        StatusCode::OK,
        &ResetConfirmPage {
            chrome: Chrome::new(Some(&csrf)),
            token,
            done: false,
        },
    )
}

async fn confirm(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    Meta(meta): Meta,
    Form(form): Form<PasswordForm>,
) -> Response {
    let token: String = form.token.chars().take(128).collect();
    let page = |status, notice, done| {
        render(
            status,
            &ResetConfirmPage {
                chrome: Chrome::new(Some(&csrf)).notice(notice),
                token: token.clone(),
                done,
            },
        )
    };
    if form.password != form.confirm {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Notice::error("validation_failed", "The two passwords differ."),
            false,
        );
    }
    match state
        .identity()
        .reset_password(&form.token, form.password, &meta)
        .await
    {
        Ok(()) => page(
            StatusCode::OK,
            Notice::success("Your password is changed. Sign in with the new one."),
            true,
        ),
        Err(e) => {
            let err = crate::error::ApiError::from(e);
            if err.status().is_server_error() {
                return axum::response::IntoResponse::into_response(err);
            }
            page(err.status(), Notice::from_error(&err), false)
        }
    }
}
