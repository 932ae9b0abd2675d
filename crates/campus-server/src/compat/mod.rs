//! Compat facades: every endpoint each seed documents, at its documented path, with its
//! fields, messages and status codes. A facade translates only: it calls the same services as
//! `/api/v1` and renders its seed's shapes. See docs/COMPAT.md.

pub(crate) mod achievement;
pub mod envelopes;
mod error;
mod finance;
pub(crate) mod kvstore;
mod memopark;
pub(crate) mod nurture;
pub mod schema;
mod shared;

use axum::Router;

use crate::state::AppState;

/// All facade routes. Literal paths only here; seed 000's root catch-all is registered last
/// by the school-records facade.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(nurture::router())
        .merge(memopark::router())
        .merge(finance::router())
        .merge(achievement::router())
        .merge(kvstore::router(state))
}

/// The facade routes documented in the OpenAPI document, one tag per seed.
pub(crate) fn routes() -> crate::api::Routes {
    [
        nurture::routes(),
        memopark::routes(),
        finance::routes(),
        achievement::routes(),
        kvstore::routes(),
    ]
    .concat()
}

/// Seed 000's root catch-all `GET /{column}`. Registered after every other route: axum
/// prefers literal segments, so it only sees single-segment paths nothing else claims.
pub(crate) fn catch_all() -> Router<AppState> {
    nurture::catch_all()
}
