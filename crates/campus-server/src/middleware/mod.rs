//! The HTTP middleware stack shared by every surface.

pub mod errors;
pub mod request_context;
mod stack;

pub use errors::{Envelope, render_errors, render_with};
pub(crate) use request_context::PORTAL_IMPORT_PATH;
pub use request_context::RequestId;
pub use stack::apply;
pub(crate) use stack::cors_layer as stack_cors;
