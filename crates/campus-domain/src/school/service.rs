//! The school-records service.

use campus_config::SchoolSettings;
use sea_orm::DatabaseConnection;

/// School records. Cheap to clone.
#[derive(Debug, Clone)]
pub struct School {
    pub(crate) db: DatabaseConnection,
    pub(crate) settings: SchoolSettings,
}

impl School {
    pub fn new(db: DatabaseConnection, settings: &SchoolSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
        }
    }

    /// The configured attendance code matching `text` (case-insensitive), in its spelling.
    pub(crate) fn attendance_code(&self, text: &str) -> Option<&campus_config::AttendanceCode> {
        self.settings
            .attendance_codes
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(text.trim()))
    }
}
