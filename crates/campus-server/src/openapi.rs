//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the offline
//! Swagger UI that browses it.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::Routes;
use crate::error::ApiError;
use crate::state::AppState;

/// Path of the machine-readable document.
pub const SPEC_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Campus API",
        description = "One server for a school's student data and the apps around it. \
                       Errors are RFC 9457 problem documents (application/problem+json).",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(schemas(
        crate::middleware::errors::Problem,
        crate::error::FieldError,
        // Named by the facades' shared error responses (`IntoResponses` types register no schemas).
        crate::compat::schema::SeedTokenError,
        crate::compat::schema::SeedErrorMessage,
        // A path parameter's type (parameters register no schemas either).
        crate::compat::nurture::schema::NurtureColumn,
    )),
    tags(
        (name = "ops", description = "Liveness, readiness and metrics"),
        (name = "meta", description = "About this API"),
        (name = "auth", description = "Registration, login, token refresh, logout and password reset by email"),
        (name = "me", description = "The signed-in user's profile, password, emergency contacts, notifications and their email preferences"),
        (name = "users", description = "User administration, the audit trail and the email outbox (administrators)"),
        (name = "students", description = "Student records and guardians"),
        (name = "grades", description = "Grades and GPA"),
        (name = "attendance", description = "Attendance marks and summaries"),
        (name = "content", description = "Lookup values, documents and the marks query"),
        (name = "finance", description = "Courses, enrollments, the ledger, payments and finance reports"),
        (name = "kv", description = "The caller's key-value store: versions, compare-and-swap, expiry, prefixes, batches"),
        (name = "parking", description = "The caller's parking events (MemoPark): landmarks, the cognitive score and its trend, photo links"),
        (name = "usage", description = "Usage tracking (seed 000's activity log): start, heartbeat and stop entries; summaries per local day, week, month or action in a time zone; exports"),
        (name = "reports", description = "Reports: progress and achievement reports, transcripts, statements and receipts as PDF (typst), with the data they certify, verification codes, and class batches"),
        (name = "files", description = "Signed, expiring links to the local file store"),
        (name = "imports", description = "CSV/XLSX imports (dry run by default) and CSV/XLSX/JSON exports"),
        (name = "seed 000 Nurture Dreams", description = "The Nurture Dreams app's accounts (`/signup`, `/login`), marks queries, lookup values and documents; errors are `{\"error\": ...}` (accounts: `{\"success\": false, \"message\": ...}`)"),
        (name = "seed 001 MemoPark", description = "The MemoPark app's accounts (`/auth/*`), with its bodies, messages and status codes; token errors are `{\"msg\": ...}`"),
        (name = "seed 002 Student Management and Finance", description = "The finance seed's accounts (`/api/auth/*`), student money (`/api/students/*`), courses and finance office (`/api/finance/*`); errors are `{\"error\": ...}`, token errors `{\"msg\": ...}`"),
        (name = "seed 003 Student Achievement Tracking", description = "Student records, grades, GPA, attendance and notifications of the achievement-tracking seed; errors are `{\"error\": ...}`"),
        (name = "seed 004 Key-Value Store", description = "The key-value site: pages for browsers, and for JSON clients (a JSON body, `Accept: application/json` or a Bearer token) `{\"status\", \"message\", \"data\"}` or `{\"status\": \"error\", \"code\", \"message\"}`; `/api/register`, `/api/login` and `/api/logout` are shared with seed 003 and go by the body's shape"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the endpoints refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("campus_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every documented route: the probes, `/api/v1` and the seed facades.
pub(crate) fn documented_routes() -> Routes {
    [
        crate::ops::routes(),
        crate::files::routes(),
        crate::api::routes(),
        crate::compat::routes(),
    ]
    .concat()
}

/// The OpenAPI document for the canonical API, built from the same route list as the router.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    spec.merge(crate::api::routing::document(&documented_routes()));
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document_problem_answers(&mut spec);
    spec
}

/// Every canonical operation can also answer an error (a malformed body, a missing token, a
/// rate limit, ...), always as a problem document: each gets a `default` response saying so,
/// so a client (or a schema fuzzer) knows the shape of any status not listed.
fn document_problem_answers(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    let problem = ResponseBuilder::new()
        .description("An error, as an RFC 9457 problem document with a stable `code`")
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build();
    for (path, item) in &mut spec.paths.paths {
        if !(path.starts_with("/api/v1") || path == "/healthz" || path == "/readyz") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("default".to_owned())
                .or_insert_with(|| problem.clone().into());
        }
    }
}

/// Schema names that stand for two different schemas. The document keeps one schema per name,
/// so a second type of the same name would silently describe the first one's endpoints.
pub fn schema_name_collisions() -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    let mut collisions = std::collections::BTreeSet::new();
    for (schemas, _, _) in documented_routes()
        .iter()
        .map(crate::api::routing::RouteSet::document)
    {
        for (name, schema) in schemas {
            let shape = serde_json::to_string(&schema).unwrap_or_default();
            match seen.get(&name) {
                Some(known) if *known != shape => {
                    collisions.insert(name);
                }
                Some(_) => {}
                None => {
                    seen.insert(name, shape);
                }
            }
        }
    }
    collisions.into_iter().collect()
}

/// Serves the spec and the browsable UI at `/api/docs` (assets embedded in the binary; the
/// validator badge, which would call another host, is switched off).
pub(crate) fn router() -> Router<AppState> {
    let ui = SwaggerUi::new("/api/docs").config(Config::from(SPEC_PATH).validator_url("none"));
    Router::new()
        .route(SPEC_PATH, axum::routing::get(document))
        .merge(ui)
}

/// The document as JSON. It is built on its first request and kept as bytes: nothing of it is
/// built or held at start-up (the document's tree, held for serving, was megabytes of an idle
/// instance's memory), and later requests are a copy of the bytes.
async fn document() -> Result<Response, ApiError> {
    static JSON: OnceLock<Bytes> = OnceLock::new();
    let json = match JSON.get() {
        Some(json) => json.clone(),
        None => tokio::task::spawn_blocking(|| {
            serde_json::to_vec(&spec()).map(|json| JSON.get_or_init(|| Bytes::from(json)).clone())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?,
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
