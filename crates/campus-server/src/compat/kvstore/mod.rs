//! Seed 004 Key-Value Store: the server-rendered site (`/`, the register, token and sign-in
//! forms, `/dashboard`, `/api/data*`, `/api/logout`) on the per-user store behind
//! `/api/v1/kv`. Form posts get the seed's pages; JSON bodies or a Bearer token get the
//! seed's `{"status", "code", "message"}` envelope with real status codes. The paths shared
//! with seed 003 go through [`dispatch`].

mod accounts;
mod data;
pub mod dispatch;
mod forms;
mod io;
pub(crate) mod schema;

use axum::Router;

use crate::api::Routes;
use crate::api::routing::routes;
use crate::compat::envelopes::KVSTORE;
use crate::middleware::render_errors;
use crate::state::AppState;

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 004 Key-Value Store";

/// The site's routes with their OpenAPI operations (the shared paths tagged with seed 003 too).
pub(crate) fn routes() -> Routes {
    vec![
        routes!(accounts::hello),
        routes!(accounts::register_form, dispatch::register),
        routes!(accounts::token_form, accounts::token),
        routes!(accounts::login_form, dispatch::login),
        routes!(accounts::logout_page, dispatch::logout),
        routes!(data::dashboard),
        routes!(forms::store_form, data::store),
        routes!(data::retrieve),
        routes!(forms::update_form, data::update),
        routes!(forms::delete_form, data::delete),
    ]
}

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    crate::api::router(routes())
        .route_layer(axum::middleware::from_fn_with_state(KVSTORE, render_errors))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::csrf::layer,
        ))
        .route_layer(crate::web::pages::page_headers())
}
