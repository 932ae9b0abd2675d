//! Finance: courses, enrollments with their charges, an append-only ledger with a running
//! balance per student, idempotent payments, reversals, contact actions and reports.
//! docs/FINANCE.md explains the model.

mod aging;
mod contact;
mod courses;
pub mod declarations;
mod enroll;
mod error;
mod idempotency;
pub mod model;
pub mod money;
mod payments;
pub(crate) mod policy;
mod reads;
mod repo;
pub mod reports;
mod service;

pub use courses::{CourseInput, CoursePatch};
pub use declarations::{Decision, Declaration};
pub use error::FinanceError;
pub use idempotency::{IdempotencyKey, Outcome};
pub use model::{Balance, Course, Enrollment, EnrollmentReceipt, EntryReceipt, LedgerEntry, Statement};
pub use payments::PaymentInput;
pub use service::Finance;
