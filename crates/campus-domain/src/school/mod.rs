//! School records: students, guardianships, grades and GPA, attendance. Who may see which
//! record is decided here (`policy`), not at the HTTP edge.

mod activities;
mod attendance;
mod dataset;
pub mod error;
pub mod export;
pub mod gpa;
mod grades;
mod guardians;
pub mod import;
pub mod model;
mod planning;
pub mod policy;
pub(crate) mod repo;
pub mod seen;
mod service;
mod students;

pub use activities::Activity;
pub use attendance::{AttendanceMark, AttendanceRecord, AttendanceSummary, BulkMark};
pub use dataset::Dataset;
pub use error::SchoolError;
pub use grades::{Grade, GradeInput, GradePatch, grade_points};
pub use guardians::Guardian;
pub use model::{Student, StudentInput, StudentPatch, StudentStatus};
pub use planning::{NeededGrade, WhatIfGrade};
pub use service::School;
pub use students::StudentFilter;
