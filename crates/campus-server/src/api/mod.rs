//! The canonical REST API under `/api/v1`. Conventions: docs/API-DESIGN.md.

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde::Serialize;

use crate::state::AppState;

pub mod auth;
pub mod content;
pub mod dto;
pub mod finance;
pub mod finance_reports;
pub mod kv;
pub mod me;
pub mod notifications;
pub mod progress;
pub mod students;
pub mod transfer;
pub mod users;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .nest("/auth", auth::router())
        .nest("/me", me::router())
        .merge(users::router())
        .merge(students::router())
        .merge(progress::router())
        .merge(content::router())
        .merge(transfer::router())
        .merge(finance::router())
        .merge(finance_reports::router())
        .merge(notifications::router())
        .merge(kv::router())
}

/// Where to find the API's description.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndexResponse {
    pub name: &'static str,
    pub version: &'static str,
    /// The OpenAPI 3.1 document.
    pub openapi: &'static str,
    /// The browsable documentation.
    pub docs: &'static str,
}

/// The API root: name, version and where its documentation lives.
#[utoipa::path(get, path = "/api/v1", tag = "meta",
    responses((status = 200, description = "About this API", body = IndexResponse)))]
pub async fn index() -> Json<IndexResponse> {
    Json(IndexResponse {
        name: "campus",
        version: env!("CARGO_PKG_VERSION"),
        openapi: crate::openapi::SPEC_PATH,
        docs: "/api/docs",
    })
}
