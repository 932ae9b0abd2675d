//! Seed 000 Nurture Dreams: accounts (`/signup`, `/login`) and the data endpoints (marks by
//! column, lookups, documents, and the root catch-all `GET /{column}`).

mod accounts;
mod data;
mod documents;
pub(crate) mod schema;
mod tracking;

use axum::Router;

use crate::compat::envelopes::NURTURE;
use crate::middleware::render_errors;
use crate::state::AppState;

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 000 Nurture Dreams";

/// The seed's routes with their OpenAPI operations (the catch-all last).
pub(crate) fn routes() -> crate::api::Routes {
    [
        accounts::routes(),
        data::routes(),
        documents::routes(),
        tracking::routes(),
        data::catch_all_routes(),
    ]
    .concat()
}

/// The literal routes. The catch-all is separate so it can be merged last.
pub(super) fn router() -> Router<AppState> {
    let data = crate::api::router([data::routes(), documents::routes(), tracking::routes()].concat())
        .route_layer(axum::middleware::from_fn_with_state(NURTURE, render_errors));
    accounts::router().merge(data)
}

pub(super) use data::catch_all;
