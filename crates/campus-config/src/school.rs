//! School-records settings.

use serde::{Deserialize, Serialize};

/// One attendance status a teacher may record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AttendanceCode {
    /// As recorded and shown (`Present`, `Absent`, ...); matched case-insensitively.
    pub code: String,
    /// Whether it counts towards the attendance rate.
    pub counts_as_present: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchoolSettings {
    pub attendance_codes: Vec<AttendanceCode>,
}

impl Default for SchoolSettings {
    fn default() -> Self {
        let code = |c: &str, present| AttendanceCode {
            code: c.to_owned(),
            counts_as_present: present,
        };
        Self {
            attendance_codes: vec![
                code("Present", true),
                code("Absent", false),
                code("Late", true),
                code("Excused", true),
            ],
        }
    }
}
