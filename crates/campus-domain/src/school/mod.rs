//! School records: students, guardianships, grades and GPA, attendance. Who may see which
//! record is decided here (`policy`), not at the HTTP edge.

mod activities;
mod attendance;
pub mod error;
pub mod export;
pub mod gpa;
mod grades;
pub mod import;
pub mod model;
pub mod policy;
mod service;
mod students;

pub use activities::Activity;
pub use attendance::{AttendanceMark, AttendanceRecord, AttendanceSummary, BulkMark};
pub use error::SchoolError;
pub use grades::{Grade, GradeInput, GradePatch, NeededGrade, WhatIfGrade};
pub use model::{Student, StudentInput, StudentPatch, StudentStatus};
pub use service::School;
pub(crate) use students::like_prefix;
pub use students::{Guardian, StudentFilter};
