//! Seed 000 Nurture Dreams: accounts (`/signup`, `/login`) and the data endpoints (marks by
//! column, lookups, documents, and the root catch-all `GET /{column}`).

mod accounts;
mod data;
pub(crate) mod schema;

use axum::Router;

use crate::state::AppState;

/// The OpenAPI tag of this seed's operations.
pub(crate) const TAG: &str = "seed 000 Nurture Dreams";

/// The seed's routes with their OpenAPI operations (the catch-all last).
pub(crate) fn routes() -> crate::api::Routes {
    [accounts::routes(), data::routes(), data::catch_all_routes()].concat()
}

pub(super) fn router() -> Router<AppState> {
    accounts::router().merge(data::router())
}

pub(super) use data::catch_all;
