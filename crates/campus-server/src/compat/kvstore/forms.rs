//! Seed 004's empty data forms (store, retrieve, update, delete), for signed-in browsers.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use campus_domain::identity::Principal;

use super::TAG;
use super::io::{Ctx, Viewer, signed_in};
use super::schema::KvStoreTokenErrors;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::pages::{Chrome, render};

#[derive(Template, Debug)]
#[template(path = "data_form.html")]
pub struct DataPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub action: &'static str,
    pub submit: &'static str,
    pub method_get: bool,
    pub with_value: bool,
    pub danger: bool,
    pub key: String,
}

/// The four data forms.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Form {
    Store,
    Retrieve,
    Update,
    Delete,
}

impl Form {
    pub(super) fn page(self, chrome: Chrome, key: String) -> DataPage {
        let (heading, action, submit) = match self {
            Form::Store => ("Store data", "/api/data", "Store"),
            Form::Retrieve => ("Retrieve data", "/api/data/retrieve", "Retrieve"),
            Form::Update => ("Update data", "/api/data/update", "Update"),
            Form::Delete => ("Delete data", "/api/data/delete", "Delete"),
        };
        DataPage {
            chrome,
            heading,
            action,
            submit,
            method_get: matches!(self, Form::Retrieve),
            with_value: matches!(self, Form::Store | Form::Update),
            danger: matches!(self, Form::Delete),
            key,
        }
    }
}

async fn form_page(state: &AppState, ctx: Ctx, who: &Principal, form: Form) -> Result<Response, ApiError> {
    let chrome = signed_in(state, ctx.chrome, who).await?;
    Ok(render(StatusCode::OK, &form.page(chrome, String::new())))
}

/// The form for storing a pair (signed-in browsers; others go to the sign-in page).
#[utoipa::path(get, path = "/api/data", tag = TAG, security(("session" = [])),
    responses(
        (status = 200, description = "The form", content((String = "text/html"))),
        (status = 302, description = "Not signed in: to `/api/login`"),
        KvStoreTokenErrors,
    ))]
pub(crate) async fn store_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
) -> Result<Response, ApiError> {
    form_page(&state, ctx, &who, Form::Store).await
}

/// The form for updating a value (signed-in browsers; others go to the sign-in page).
#[utoipa::path(get, path = "/api/data/update", tag = TAG, security(("session" = [])),
    responses(
        (status = 200, description = "The form", content((String = "text/html"))),
        (status = 302, description = "Not signed in: to `/api/login`"),
        KvStoreTokenErrors,
    ))]
pub(crate) async fn update_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
) -> Result<Response, ApiError> {
    form_page(&state, ctx, &who, Form::Update).await
}

/// The form for deleting a key (signed-in browsers; others go to the sign-in page).
#[utoipa::path(get, path = "/api/data/delete", tag = TAG, security(("session" = [])),
    responses(
        (status = 200, description = "The form", content((String = "text/html"))),
        (status = 302, description = "Not signed in: to `/api/login`"),
        KvStoreTokenErrors,
    ))]
pub(crate) async fn delete_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Viewer(who): Viewer,
) -> Result<Response, ApiError> {
    form_page(&state, ctx, &who, Form::Delete).await
}
