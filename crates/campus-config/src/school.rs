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
    pub import: ImportSettings,
}

/// Bounds on roster, grade and attendance imports (CSV or XLSX).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportSettings {
    /// Data rows in one file.
    pub max_rows: usize,
    /// Size of a file uploaded to `POST /api/v1/imports/{kind}` (the CLI reads files of any
    /// size, streaming them).
    pub max_upload_bytes: usize,
    /// Bytes an XLSX may expand to when unzipped (zip-bomb guard).
    pub max_expanded_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            max_rows: 250_000,
            max_upload_bytes: 32 * 1024 * 1024,
            max_expanded_bytes: 256 * 1024 * 1024,
        }
    }
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
            import: ImportSettings::default(),
        }
    }
}
