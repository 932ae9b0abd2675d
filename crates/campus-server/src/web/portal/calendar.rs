//! A month of attendance as a calendar: weeks as rows (Monday first), each day with its mark.

use campus_domain::school::AttendanceRecord;
use chrono::{Datelike, NaiveDate};

/// One day cell: its day of the month, and the mark recorded that day.
#[derive(Debug, Clone)]
pub struct Day {
    pub day: u32,
    pub date: String,
    pub status: Option<String>,
    /// `present`, `absent` or `other`, for the cell's style (the text says the status too).
    pub tone: &'static str,
}

#[derive(Debug)]
pub struct Month {
    pub title: String,
    /// `YYYY-MM` of the months before and after, for the links.
    pub prev: String,
    pub next: String,
    pub weeks: Vec<Vec<Option<Day>>>,
}

/// The month `YYYY-MM` (or, when absent or malformed, the month of the newest mark, or of
/// `today`) with the marks that fall in it.
pub fn month(
    wanted: Option<&str>,
    marks: &[AttendanceRecord],
    present_codes: &[String],
    today: NaiveDate,
) -> Month {
    let first = wanted
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .or_else(|| marks.iter().map(|m| m.date).max().and_then(|d| d.with_day(1)))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next_first = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let prev_first = first.checked_sub_months(chrono::Months::new(1)).unwrap_or(first);
    let mut weeks: Vec<Vec<Option<Day>>> = Vec::new();
    let mut week: Vec<Option<Day>> = vec![None; first.weekday().num_days_from_monday() as usize];
    let mut date = first;
    while date < next_first {
        let status = marks.iter().find(|m| m.date == date).map(|m| m.status.clone());
        let tone = match &status {
            None => "",
            Some(s) if s.eq_ignore_ascii_case("absent") => "absent",
            Some(s) if present_codes.contains(&s.to_lowercase()) => "present",
            Some(_) => "other",
        };
        week.push(Some(Day {
            day: date.day(),
            date: date.to_string(),
            status,
            tone,
        }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        date = date.succ_opt().unwrap_or(next_first);
    }
    if !week.is_empty() {
        week.resize(7, None);
        weeks.push(week);
    }
    Month {
        title: first.format("%B %Y").to_string(),
        prev: prev_first.format("%Y-%m").to_string(),
        next: next_first.format("%Y-%m").to_string(),
        weeks,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mark(date: &str, status: &str) -> AttendanceRecord {
        AttendanceRecord {
            id: 1,
            student_id: 1,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            status: status.to_owned(),
            note: None,
            marked_by: None,
            created_at: chrono::Utc::now(),
            updated_at: None,
        }
    }

    #[test]
    fn a_month_starts_on_its_weekday_and_shows_each_mark() {
        let marks = [
            mark("2026-09-01", "Present"),
            mark("2026-09-14", "Absent"),
            mark("2026-10-02", "Late"),
        ];
        let today = NaiveDate::parse_from_str("2026-11-30", "%Y-%m-%d").unwrap();
        let m = month(
            Some("2026-09"),
            &marks,
            &["present".to_owned(), "late".to_owned()],
            today,
        );
        assert_eq!(m.title, "September 2026");
        assert_eq!((m.prev.as_str(), m.next.as_str()), ("2026-08", "2026-10"));
        // 1 September 2026 is a Tuesday: one empty cell first; 30 days in 5 weeks.
        assert!(m.weeks[0][0].is_none());
        assert_eq!(m.weeks[0][1].as_ref().unwrap().day, 1);
        assert_eq!(m.weeks.len(), 5);
        assert!(m.weeks.iter().all(|w| w.len() == 7));
        let days: Vec<&Day> = m.weeks.iter().flatten().flatten().collect();
        assert_eq!(days.len(), 30);
        let fourteenth = days.iter().find(|d| d.day == 14).unwrap();
        assert_eq!(
            (fourteenth.status.as_deref(), fourteenth.tone),
            (Some("Absent"), "absent")
        );
        assert_eq!(days[0].tone, "present");
        // Without a month: the newest mark's; a malformed one falls back the same way.
        assert_eq!(month(None, &marks, &[], today).title, "October 2026");
        assert_eq!(month(Some("2026-13"), &marks, &[], today).title, "October 2026");
        assert_eq!(month(None, &[], &[], today).title, "November 2026");
    }
}
