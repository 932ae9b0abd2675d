//! Seed 004 Key-Value Store: the server-rendered site (`/`, the register, token and sign-in
//! forms, `/dashboard`, `/api/data*`, `/api/logout`) on the per-user store behind
//! `/api/v1/kv`. Form posts get the seed's pages; JSON bodies or a Bearer token get the
//! seed's `{"status", "code", "message"}` envelope with real status codes. The paths shared
//! with seed 003 go through [`dispatch`].

mod accounts;
mod data;
pub mod dispatch;
mod io;

use axum::Router;
use axum::extract::State;
use axum::routing::{MethodRouter, get};

use data::Form;
use io::{Ctx, Viewer};

use crate::compat::envelopes::KVSTORE;
use crate::middleware::render_errors;
use crate::state::AppState;

/// `GET` showing one of the empty data forms.
fn form(which: Form) -> MethodRouter<AppState> {
    get(move |state: State<AppState>, ctx: Ctx, viewer: Viewer| data::form(state, ctx, viewer, which))
}

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(accounts::hello))
        .route(
            "/api/register",
            get(accounts::register_form).post(dispatch::register),
        )
        .route("/api/token", get(accounts::token_form).post(accounts::token))
        .route("/api/login", get(accounts::login_form).post(dispatch::login))
        .route("/api/logout", get(accounts::logout_page).post(dispatch::logout))
        .route("/dashboard", get(data::dashboard))
        .route("/api/data", form(Form::Store).post(data::store))
        .route("/api/data/retrieve", get(data::retrieve))
        .route("/api/data/update", form(Form::Update).post(data::update))
        .route("/api/data/delete", form(Form::Delete).post(data::delete))
        .route_layer(axum::middleware::from_fn_with_state(KVSTORE, render_errors))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::csrf::layer,
        ))
        .route_layer(crate::web::pages::page_headers())
}
