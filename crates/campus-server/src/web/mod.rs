//! The web interface foundation: server-rendered pages (askama templates, auto-escaped),
//! the embedded stylesheet, the session and CSRF cookies, and the page chrome. Seed 004's
//! pages (`compat::kvstore`) are the first pages built on it.

pub mod assets;
pub mod cookies;
pub mod csrf;
pub mod pages;
pub mod portal;
pub mod reset;
pub mod verify;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Routes every deployment serves for the pages: the static files, report verification and
/// password reset.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/static/{*path}", get(assets::serve))
        .route("/verify/{code}", get(verify::verify))
        .merge(reset::router(state))
        .merge(portal::router(state))
}
