//! The school-records service.

use std::sync::Arc;

use campus_config::{AlertSettings, SchoolSettings};
use sea_orm::DatabaseConnection;

/// School records. Cheap to clone.
#[derive(Debug, Clone)]
pub struct School {
    pub(crate) db: DatabaseConnection,
    pub(crate) settings: SchoolSettings,
    /// Which changes parents are told of (`[alerts]`).
    pub(crate) alerts: AlertSettings,
    /// SQLite's direct read path (see `campus_db::Reads`); `None` elsewhere.
    pub(crate) direct: Option<Arc<campus_db::SqliteReads>>,
}

impl School {
    pub fn new(db: DatabaseConnection, settings: &SchoolSettings) -> Self {
        Self {
            db,
            settings: settings.clone(),
            alerts: AlertSettings::default(),
            direct: None,
        }
    }

    /// Serves reads outside transactions from `direct` (SQLite's direct read path).
    #[must_use]
    pub fn with_reads(mut self, direct: Option<Arc<campus_db::SqliteReads>>) -> Self {
        self.direct = direct;
        self
    }

    /// Where this service's reads outside a transaction go.
    pub(crate) fn reads(&self) -> campus_db::Reads<'_> {
        campus_db::Reads::new(&self.db, self.direct.as_deref())
    }

    /// Uses the school's guardian alert rules (the defaults otherwise).
    #[must_use]
    pub fn with_alerts(mut self, alerts: &AlertSettings) -> Self {
        self.alerts = alerts.clone();
        self
    }

    /// Tells a student's parents of a mark that does not count as present.
    pub(crate) async fn alert_absence(
        &self,
        conn: &(impl sea_orm::ConnectionTrait + sea_orm::TransactionTrait),
        student_id: i64,
        date: chrono::NaiveDate,
        code: &str,
    ) -> Result<(), sea_orm::DbErr> {
        if self.attendance_code(code).is_none_or(|c| c.counts_as_present) {
            return Ok(());
        }
        if let Some(student) = super::repo::student(conn, student_id).await? {
            crate::mail::alerts::absence(conn, &self.alerts, &student, date, code).await?;
        }
        Ok(())
    }

    /// The configured attendance code matching `text` (case-insensitive), in its spelling.
    pub(crate) fn attendance_code(&self, text: &str) -> Option<&campus_config::AttendanceCode> {
        self.settings
            .attendance_codes
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(text.trim()))
    }
}
