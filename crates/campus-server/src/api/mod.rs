//! The canonical REST API under `/api/v1`. Conventions: docs/API-DESIGN.md.

use axum::Json;
use serde::Serialize;

use routing::routes;
pub(crate) use routing::{router, with_layer};

pub mod attendance;
pub mod auth;
pub mod caregivers;
pub mod content;
pub mod courses;
pub mod declarations;
pub mod dto;
pub mod email;
pub mod events;
pub mod finance;
pub mod finance_reports;
pub mod grades;
pub mod kv;
pub mod me;
pub mod notifications;
pub mod parking;
pub mod parking_photos;
pub mod parking_views;
pub mod reports;
pub(crate) mod routing;
pub mod students;
pub mod transfer;
pub mod usage;
pub mod usage_reports;
pub mod users;

/// Handlers, one entry per path, each able to give its OpenAPI operations and schemas
/// ([`routing::routes!`]). A path is written once, in its handler's `#[utoipa::path]`; the
/// router and the OpenAPI document are both built from these.
pub(crate) type Routes = Vec<routing::RouteSet>;

/// Every `/api/v1` route.
pub(crate) fn routes() -> Routes {
    [
        vec![routes!(index)],
        auth::routes(),
        me::routes(),
        users::routes(),
        students::routes(),
        grades::routes(),
        attendance::routes(),
        content::routes(),
        transfer::routes(),
        courses::routes(),
        finance::routes(),
        declarations::routes(),
        parking::routes(),
        caregivers::routes(),
        usage::routes(),
        reports::routes(),
        email::routes(),
        finance_reports::routes(),
        notifications::routes(),
        events::routes(),
        kv::routes(),
    ]
    .concat()
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
