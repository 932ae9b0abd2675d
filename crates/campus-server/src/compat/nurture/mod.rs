//! Seed 000 Nurture Dreams: accounts (`/signup`, `/login`) and the data endpoints (marks by
//! column, lookups, documents, and the root catch-all `GET /{column}`).

mod accounts;
mod data;

use axum::Router;

use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    accounts::router().merge(data::router())
}

pub(super) use data::catch_all;
