//! Campus business rules. No HTTP types live here: surfaces (the `/api/v1` API, the compat
//! facades, web pages, the CLI) call these services and render what they return.
//!
//! Each domain has `model` (value types that parse, so invalid values cannot exist),
//! `service` (the operations), `repo` (queries, taking any `ConnectionTrait` so they run inside
//! a transaction) and `error`.

pub mod audit;
pub mod clock;
pub mod content;
pub mod context;
pub mod demo;
pub mod digest;
pub mod finance;
pub mod identity;
pub mod kv;
pub mod mail;
pub mod notifications;
pub mod pagination;
pub mod parking;
pub mod ratelimit;
pub mod reports;
mod retry;
pub mod school;
mod search;
pub mod usage;
pub mod validation;

pub use context::RequestMeta;
