//! Reports: progress reports (report cards), achievement reports, transcripts, finance
//! statements and payment receipts. The domain builds each document's data from the same
//! reads the JSON API answers with, deduplicates (the same request with the same data is the
//! stored report), keys a verification code to the data, and runs report batches that any
//! instance may claim. Rendering (campus-pdf) and storing the PDF happen in the server.

mod batches;
pub mod code;
mod data;
mod error;
pub mod model;
mod repo;
mod service;
mod verify;

pub use batches::{Batch, BatchStatus, ClaimedBatch, MAX_BATCH_STUDENTS};
pub use data::MAX_PERIOD_DAYS;
pub use error::ReportError;
pub use model::{Report, ReportData, ReportKind, ReportParams, ReportWithData, Verified};
pub use service::{Draft, Prepared, Reports};
