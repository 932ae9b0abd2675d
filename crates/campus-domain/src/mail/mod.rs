//! Email: an outbox that a background worker in any instance delivers from over SMTP
//! (claimed under a lease, retried with backoff, dead after `email.max_attempts` and listed
//! for administrators), per-user preferences (each topic off, instant or in a daily digest),
//! and the guardian alert rules. Messages are queued inside the transaction of the change they
//! tell of, so a crash loses none and a rolled-back change sends none. The SMTP transport and
//! the text/HTML templates live in the server.

pub(crate) mod alerts;
mod error;
pub mod model;
pub(crate) mod repo;
mod service;

pub use error::MailError;
pub use model::{Channel, OutboxMessage, Outgoing, Preference, Topic};
pub use service::Mail;
