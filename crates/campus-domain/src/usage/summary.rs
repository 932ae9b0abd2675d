//! Summaries of usage: seconds per local day, ISO week, month or action over a period of
//! local dates, in an IANA time zone. The buckets are computed here, as UTC instants of
//! local midnights, so an entry that crosses midnight or a DST change is split at the local
//! day boundary (a spring-forward day is 23 hours long); the database only adds up the
//! overlap of entries with those instants (see `summary_query`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::validation::FieldIssue;

/// Longest period of one summary, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// The period when none is given: the 30 days up to today.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// What a summary adds up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Day,
    Week,
    Month,
    Action,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "action" => Some(Self::Action),
            _ => None,
        }
    }
}

/// Whose usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    User(i64),
    /// Every student (with an account) of a class, optionally one section (staff only).
    Class {
        class_level: i32,
        section: Option<String>,
    },
}

/// A summary as asked for; `tz` and the dates are optional.
#[derive(Debug, Clone)]
pub struct SummaryRequest {
    pub scope: Scope,
    pub group_by: GroupBy,
    pub tz: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Local dates `from..=to` in `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub tz: Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One bucket: a labelled span of UTC instants and the usage inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryBucket {
    /// `2026-03-29`, `2026-W13`, `2026-03`, or the action's name.
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Seconds of closed entries inside the bucket, two decimals.
    pub seconds: f64,
}

/// A summary: its period and zone, the total, and the buckets (empty ones included for
/// days, weeks and months; actions by time spent, largest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scope: Scope,
    pub group_by: GroupBy,
    pub tz: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total_sec: f64,
    pub buckets: Vec<SummaryBucket>,
}

/// Parses an IANA zone name.
pub fn parse_tz(field: &'static str, name: &str) -> Result<Tz, FieldIssue> {
    name.parse::<Tz>().map_err(|_| {
        FieldIssue::new(
            field,
            "invalid_format",
            "must be an IANA time zone such as Europe/Berlin or UTC",
        )
    })
}

impl Period {
    /// The period asked for: both dates, one of them, or neither (the 30 days up to today).
    pub fn new(
        tz: Tz,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldIssue> {
        let span = Duration::days(DEFAULT_PERIOD_DAYS - 1);
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + span),
            (None, Some(t)) => (t - span, t),
            (None, None) => {
                let today = now.with_timezone(&tz).date_naive();
                (today - span, today)
            }
        };
        if from > to {
            return Err(FieldIssue::new("from", "out_of_range", "must not be after to"));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(FieldIssue::new(
                "to",
                "out_of_range",
                format!("a summary covers at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        Ok(Self { tz, from, to })
    }

    /// The first instant of local date `d`: its midnight, or — where a DST change skips
    /// midnight — the first local time that exists.
    pub fn day_start(&self, d: NaiveDate) -> DateTime<Utc> {
        let mut local = d.and_time(chrono::NaiveTime::MIN);
        for _ in 0..16 {
            if let Some(t) = self.tz.from_local_datetime(&local).earliest() {
                return t.with_timezone(&Utc);
            }
            local += Duration::minutes(15);
        }
        // No zone skips four hours; this is unreachable with real zone data.
        Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
    }

    /// The period's start and end (exclusive) as instants.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.day_start(self.from),
            self.day_start(self.to + Duration::days(1)),
        )
    }

    /// The buckets of `group_by`, in order, each clipped to the period. `Action` has one
    /// bucket: the whole period.
    pub fn buckets(&self, group_by: GroupBy) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
        let end = self.to + Duration::days(1);
        let mut out: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut d = self.from;
        while d < end {
            let starts = d == self.from
                || match group_by {
                    GroupBy::Day => true,
                    GroupBy::Week => d.weekday() == chrono::Weekday::Mon,
                    GroupBy::Month => d.day() == 1,
                    GroupBy::Action => false,
                };
            let next = d + Duration::days(1);
            if starts {
                let key = match group_by {
                    GroupBy::Day => d.format("%Y-%m-%d").to_string(),
                    GroupBy::Week => d.format("%G-W%V").to_string(),
                    GroupBy::Month => d.format("%Y-%m").to_string(),
                    GroupBy::Action => String::new(),
                };
                out.push((key, self.day_start(d), self.day_start(next)));
            } else if let Some(last) = out.last_mut() {
                last.2 = self.day_start(next);
            }
            d = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn period(tz: &str, from: &str, to: &str) -> Period {
        Period::new(tz.parse().unwrap(), Some(date(from)), Some(date(to)), Utc::now()).unwrap()
    }

    #[test]
    fn a_spring_forward_day_has_23_hours_and_a_fall_back_day_25() {
        let p = period("Europe/Berlin", "2026-03-28", "2026-03-30");
        let hours: Vec<i64> = p
            .buckets(GroupBy::Day)
            .iter()
            .map(|(_, s, e)| (*e - *s).num_hours())
            .collect();
        assert_eq!(hours, [24, 23, 24]);
        let (_, start, _) = &p.buckets(GroupBy::Day)[0];
        assert_eq!(start.to_rfc3339(), "2026-03-27T23:00:00+00:00", "CET midnight");
        let p = period("Europe/Berlin", "2026-10-25", "2026-10-25");
        assert_eq!((p.bounds().1 - p.bounds().0).num_hours(), 25);
    }

    #[test]
    fn weeks_and_months_are_clipped_to_the_period() {
        // 2026-03-28 is a Saturday: a 2-day first week, then a Monday-started one.
        let p = period("UTC", "2026-03-28", "2026-04-06");
        let weeks: Vec<String> = p.buckets(GroupBy::Week).into_iter().map(|b| b.0).collect();
        assert_eq!(weeks, ["2026-W13", "2026-W14", "2026-W15"]);
        let months = p.buckets(GroupBy::Month);
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].0, "2026-03");
        assert_eq!((months[0].2 - months[0].1).num_days(), 4, "28..=31 March");
        assert_eq!(months[1].2, p.bounds().1);
        assert_eq!(p.buckets(GroupBy::Action).len(), 1);
    }

    #[test]
    fn periods_are_checked() {
        let tz: Tz = "UTC".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
        let default = Period::new(tz, None, None, now).unwrap();
        assert_eq!(
            (default.from, default.to),
            (date("2026-10-31"), date("2026-11-29"))
        );
        assert_eq!(
            Period::new(tz, Some(date("2026-02-01")), Some(date("2026-01-01")), now)
                .unwrap_err()
                .field,
            "from"
        );
        assert!(Period::new(tz, Some(date("2025-01-01")), Some(date("2026-01-01")), now).is_ok());
        assert_eq!(
            Period::new(tz, Some(date("2025-01-01")), Some(date("2026-01-02")), now)
                .unwrap_err()
                .field,
            "to"
        );
        assert!(parse_tz("tz", "Mars/Olympus").is_err());
        // The reader's "today" is the zone's: late evening in Los Angeles is tomorrow in UTC.
        let evening = Utc.with_ymd_and_hms(2026, 11, 30, 5, 0, 0).unwrap();
        let la = Period::new("America/Los_Angeles".parse().unwrap(), None, None, evening).unwrap();
        assert_eq!(la.to, date("2026-11-29"));
    }
}
