//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the offline
//! Swagger UI that browses it.

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

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
    paths(
        crate::ops::healthz, crate::ops::readyz, crate::api::index,
        crate::api::auth::register, crate::api::auth::login, crate::api::auth::refresh,
        crate::api::auth::logout, crate::api::auth::logout_all,
        crate::api::me::get_me, crate::api::me::update_me, crate::api::me::change_password,
        crate::api::me::list_contacts, crate::api::me::create_contact, crate::api::me::update_contact,
        crate::api::me::delete_contact,
        crate::api::users::list_users, crate::api::users::create_user, crate::api::users::get_user,
        crate::api::users::update_user, crate::api::users::deactivate_user, crate::api::users::list_audit,
        crate::api::students::list_students, crate::api::students::create_student, crate::api::students::get_student,
        crate::api::students::update_student, crate::api::students::delete_student,
        crate::api::students::list_guardians, crate::api::students::link_guardian, crate::api::students::unlink_guardian,
        crate::api::progress::list_grades, crate::api::progress::create_grade, crate::api::progress::update_grade,
        crate::api::progress::delete_grade, crate::api::progress::get_gpa, crate::api::progress::gpa_what_if,
        crate::api::progress::gpa_needed, crate::api::progress::list_attendance, crate::api::progress::mark_attendance,
        crate::api::progress::mark_bulk,
        crate::api::content::list_activities, crate::api::content::create_activity, crate::api::content::delete_activity,
        crate::api::content::get_lookups, crate::api::content::add_lookups, crate::api::content::get_document,
        crate::api::content::put_document, crate::api::content::patch_line, crate::api::content::query_marks,
        crate::api::transfer::import, crate::api::transfer::export,
        crate::api::finance::list_courses, crate::api::finance::get_course, crate::api::finance::create_course,
        crate::api::finance::update_course, crate::api::finance::delete_course, crate::api::finance::enroll,
        crate::api::finance::drop_enrollment, crate::api::finance::list_enrollments, crate::api::finance::ledger,
        crate::api::finance::balance, crate::api::finance::statement, crate::api::finance::pay,
        crate::api::finance::reverse, crate::api::finance::contact, crate::api::finance_reports::report,
        crate::api::notifications::list_mine, crate::api::notifications::read_one,
        crate::api::notifications::read_all, crate::api::notifications::send,
        crate::api::kv::list, crate::api::kv::read, crate::api::kv::write, crate::api::kv::patch_metadata,
        crate::api::kv::remove, crate::api::kv::batch, crate::api::kv::admin_list,
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::middleware::errors::Problem, crate::error::FieldError)),
    tags(
        (name = "ops", description = "Liveness, readiness and metrics"),
        (name = "meta", description = "About this API"),
        (name = "auth", description = "Registration, login, token refresh and logout"),
        (name = "me", description = "The signed-in user's profile, password and emergency contacts"),
        (name = "users", description = "User administration and the audit trail (administrators)"),
        (name = "students", description = "Student records and guardians"),
        (name = "grades", description = "Grades and GPA"),
        (name = "attendance", description = "Attendance marks and summaries"),
        (name = "content", description = "Lookup values, documents and the marks query"),
        (name = "finance", description = "Courses, enrollments, the ledger, payments and finance reports"),
        (name = "kv", description = "The caller's key-value store: versions, compare-and-swap, expiry, prefixes, batches"),
        (name = "imports", description = "CSV/XLSX imports (dry run by default) and CSV/XLSX/JSON exports"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the endpoints refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
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

/// The OpenAPI document for the canonical API.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    spec
}

/// Serves the spec and the browsable UI at `/api/docs` (assets embedded in the binary; the
/// validator badge, which would call another host, is switched off).
pub(crate) fn router() -> Router<AppState> {
    let ui = SwaggerUi::new("/api/docs")
        .url(SPEC_PATH, spec())
        .config(Config::from(SPEC_PATH).validator_url("none"));
    Router::new().merge(ui)
}
