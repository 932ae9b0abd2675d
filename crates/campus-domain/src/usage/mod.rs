//! Usage tracking (seed 000's activity log): how long each user used the app, doing what.
//! An entry starts when the user opens something and ends when they stop, start something
//! else (`replaced`), sign out (`logout`) or go quiet past the idle timeout (`idle`); at most
//! one entry per user is open. Instants are stored as Unix milliseconds so summaries — per
//! local day, ISO week, month or action, in the reader's time zone — are one portable
//! aggregate statement on every database.

mod error;
pub mod model;
pub mod policy;
mod repo;
mod service;
pub mod summary;
mod summary_query;

pub use error::UsageError;
pub use model::{EndReason, Entry, NewEntry, Source};
pub use repo::close_open;
pub use service::{EntryFilter, MAX_EXPORT_ROWS, MAX_LOG_ENTRIES, Usage, local_day_start};
pub use summary::{GroupBy, Period, Scope, Summary, SummaryBucket, SummaryRequest};
