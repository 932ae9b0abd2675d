//! Campus HTTP surfaces. Handlers parse, call one service, render; no SQL and no business
//! rules live here. See docs/ARCHITECTURE.md.

pub mod api;
mod app;
pub mod auth;
pub mod backup;
pub mod cluster;
pub mod compat;
pub mod error;
pub mod events;
pub mod extract;
pub mod files;
pub mod logging;
pub mod mailer;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod reports;
pub mod setup;
pub mod state;
pub mod web;

pub use app::{Application, StartupError, service, shutdown_signal, signing_secret};
pub use error::ApiError;
pub use state::AppState;
