//! The school's datasets, as files move in and out: students, grades, attendance. One enum
//! serves imports (which columns a file may have) and exports (which columns it writes).

/// A dataset of school records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Students,
    Grades,
    Attendance,
}

impl Dataset {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "students" => Some(Self::Students),
            "grades" => Some(Self::Grades),
            "attendance" => Some(Self::Attendance),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Students => "students",
            Self::Grades => "grades",
            Self::Attendance => "attendance",
        }
    }
}
