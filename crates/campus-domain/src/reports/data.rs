//! Builds each document's data from the same service reads the JSON API answers with, acting
//! as the requester (so their access rules apply), and checks the request's parameters.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime, Utc};

use super::error::ReportError;
use super::model::{
    AchievementReport, ActivityLine, Aging, AttendanceLine, FinanceStatement, GradeLine, Money,
    PaymentReceipt, ProgressReport, ReportData, ReportKind, ReportParams, StatementLine, StudentHeader,
    TermGpa, Transcript, TranscriptTerm,
};
use super::service::Reports;
use crate::RequestMeta;
use crate::finance::model::kinds;
use crate::identity::Principal;
use crate::school::gpa;
use crate::school::grade_points;
use crate::school::repo as school_repo;
use crate::validation::FieldIssue;

/// The longest period a statement or an attendance summary may cover.
pub const MAX_PERIOD_DAYS: i64 = 3_660;

/// Checks the parameters that apply to `kind` and drops the others, so two requests that
/// mean the same thing find the same stored report.
pub fn check_params(kind: ReportKind, p: ReportParams) -> Result<ReportParams, ReportError> {
    let mut issues = Vec::new();
    let text = |issues: &mut Vec<FieldIssue>, field: &'static str, v: Option<String>, max: usize| {
        let v = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
        if v.chars().count() > max {
            issues.push(FieldIssue::new(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
        if v.chars().any(|c| c.is_control() && c != '\n') {
            issues.push(FieldIssue::new(
                field,
                "invalid_format",
                "must not contain control characters",
            ));
        }
        Some(v)
    };
    let dated = matches!(kind, ReportKind::Progress | ReportKind::Statement);
    let (from, to) = if dated { (p.from, p.to) } else { (None, None) };
    for (field, day) in [("from", from), ("to", to)] {
        if day.is_some_and(|d| !(1900..=9999).contains(&chrono::Datelike::year(&d))) {
            issues.push(FieldIssue::new(
                field,
                "out_of_range",
                "must be a date between the years 1900 and 9999",
            ));
        }
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            issues.push(FieldIssue::new("from", "out_of_range", "must not be after `to`"));
        } else if (t - f).num_days() > MAX_PERIOD_DAYS {
            issues.push(FieldIssue::new(
                "to",
                "out_of_range",
                "the period must be at most 10 years",
            ));
        }
    }
    let out = ReportParams {
        term: match kind {
            ReportKind::Progress => text(&mut issues, "term", p.term, 64),
            _ => None,
        },
        from,
        to,
        entry_id: match kind {
            ReportKind::Receipt if p.entry_id.is_none() => {
                issues.push(FieldIssue::new(
                    "entry_id",
                    "required",
                    "is required for a receipt",
                ));
                None
            }
            ReportKind::Receipt => p.entry_id,
            _ => None,
        },
        comment: match kind {
            ReportKind::Progress => text(&mut issues, "comment", p.comment, 2_000),
            _ => None,
        },
    };
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(ReportError::Invalid(issues))
    }
}

fn grade_line(g: &crate::school::Grade) -> GradeLine {
    GradeLine {
        subject: g.subject.clone(),
        term: g.term.clone(),
        score: g.score,
        letter: g.letter.clone(),
        points: g.points,
        credits: g.credits,
        graded_at: g.graded_at,
    }
}

/// Midnight UTC starting `day`.
fn start_of(day: NaiveDate) -> chrono::DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

impl Reports {
    async fn header(&self, student_id: i64) -> Result<StudentHeader, ReportError> {
        let s = school_repo::student(&self.db, student_id)
            .await?
            .ok_or(ReportError::NotFound("Student"))?;
        let mut guardians: Vec<String> = school_repo::guardians_of(&self.db, student_id)
            .await?
            .into_iter()
            .map(|(_, user)| user.name)
            .filter(|n| !n.is_empty())
            .collect();
        if guardians.is_empty()
            && let Some(g) = s.guardian_name.filter(|g| !g.trim().is_empty())
        {
            guardians.push(g);
        }
        Ok(StudentHeader {
            id: s.id,
            name: s.name,
            roll_number: s.roll_number,
            class_level: s.class_level,
            section: s.section,
            guardians,
        })
    }

    async fn attendance_line(
        &self,
        who: &Principal,
        student_id: i64,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<AttendanceLine, ReportError> {
        let (_, summary) = self.school.attendance(who, student_id, from, to).await?;
        Ok(AttendanceLine {
            from,
            to,
            counts: summary.counts.into_iter().filter(|(_, n)| *n > 0).collect(),
            total: summary.total,
            attendance_rate: summary.attendance_rate,
        })
    }

    async fn activity_lines(
        &self,
        who: &Principal,
        student_id: i64,
    ) -> Result<Vec<ActivityLine>, ReportError> {
        Ok(self
            .school
            .activities(who, student_id)
            .await?
            .into_iter()
            .map(|a| ActivityLine {
                activity_name: a.activity_name,
                role_or_award: a.role_or_award,
                participation_date: a.participation_date,
            })
            .collect())
    }

    /// The data of one document, read as `who`.
    pub(super) async fn assemble(
        &self,
        who: &Principal,
        kind: ReportKind,
        student_id: i64,
        p: &ReportParams,
        meta: &RequestMeta,
    ) -> Result<ReportData, ReportError> {
        match kind {
            ReportKind::Progress | ReportKind::Achievement | ReportKind::Transcript => {
                // The policy-checked read first: it decides 403/404 before anything is built.
                let grades = self.school.grades(who, student_id).await?;
                let student = self.header(student_id).await?;
                self.school_document(who, kind, student, &grades, p).await
            }
            ReportKind::Statement => self.statement(who, student_id, p).await,
            ReportKind::Receipt => self.receipt(who, student_id, p, meta).await,
        }
    }

    async fn school_document(
        &self,
        who: &Principal,
        kind: ReportKind,
        student: StudentHeader,
        grades: &[crate::school::Grade],
        p: &ReportParams,
    ) -> Result<ReportData, ReportError> {
        let id = student.id;
        let all: Vec<&crate::school::Grade> = grades.iter().collect();
        let cumulative = gpa::summarize(&grade_points(all.iter().copied()));
        Ok(match kind {
            ReportKind::Progress => {
                let shown: Vec<&crate::school::Grade> = match &p.term {
                    Some(t) => grades
                        .iter()
                        .filter(|g| g.term.as_deref() == Some(t.as_str()))
                        .collect(),
                    None => all.clone(),
                };
                let notice = match (&p.term, shown.is_empty()) {
                    (Some(t), true) => Some(format!("No grades are recorded for term {t}.")),
                    (None, true) => Some("No grades are recorded yet.".to_owned()),
                    _ => None,
                };
                ReportData::Progress(ProgressReport {
                    term_gpa: p
                        .term
                        .as_ref()
                        .map(|_| gpa::summarize(&grade_points(shown.iter().copied()))),
                    grades: shown.iter().map(|g| grade_line(g)).collect(),
                    term: p.term.clone(),
                    cumulative_gpa: cumulative,
                    attendance: self.attendance_line(who, id, p.from, p.to).await?,
                    activities: self.activity_lines(who, id).await?,
                    teacher_comment: p.comment.clone(),
                    notice,
                    student,
                })
            }
            ReportKind::Achievement => {
                let report = gpa::report(&grade_points(all.iter().copied()));
                let gpa_trend = report
                    .terms
                    .iter()
                    .filter(|(term, _)| !term.is_empty())
                    .map(|(term, s)| TermGpa {
                        term: term.clone(),
                        gpa: s.unweighted,
                        credits: s.credits,
                    })
                    .collect();
                let mut best = report.subjects;
                best.sort_by(|a, b| {
                    b.mean_points
                        .total_cmp(&a.mean_points)
                        .then(a.subject.cmp(&b.subject))
                });
                best.truncate(3);
                ReportData::Achievement(AchievementReport {
                    gpa_trend,
                    cumulative_gpa: cumulative,
                    best_subjects: best,
                    activities: self.activity_lines(who, id).await?,
                    attendance: self.attendance_line(who, id, None, None).await?,
                    student,
                })
            }
            _ => {
                let mut terms: BTreeMap<String, Vec<&crate::school::Grade>> = BTreeMap::new();
                for g in grades {
                    terms
                        .entry(g.term.clone().unwrap_or_default())
                        .or_default()
                        .push(g);
                }
                let total_credits = cumulative.credits;
                ReportData::Transcript(Transcript {
                    terms: terms
                        .into_iter()
                        .map(|(term, gs)| TranscriptTerm {
                            gpa: gpa::summarize(&grade_points(gs.iter().copied())),
                            grades: gs.iter().map(|g| grade_line(g)).collect(),
                            term,
                        })
                        .collect(),
                    cumulative_gpa: cumulative,
                    total_credits,
                    student,
                })
            }
        })
    }

    async fn statement(
        &self,
        who: &Principal,
        student_id: i64,
        p: &ReportParams,
    ) -> Result<ReportData, ReportError> {
        let from = p.from.map(start_of);
        // `to` is the last day shown: entries before the next midnight.
        let to = p.to.map(|d| start_of(d) + Duration::days(1));
        let s = self.finance.statement(who, student_id, from, to).await?;
        let at = to.unwrap_or_else(Utc::now);
        let aging = self
            .finance
            .aging_at(student_id, s.closing_balance_cents, at)
            .await?;
        let mut running = s.opening_balance_cents;
        let entries = s
            .entries
            .iter()
            .map(|e| {
                running = running.saturating_add(e.amount_cents);
                StatementLine {
                    id: e.id,
                    date: e.created_at.date_naive(),
                    kind: e.kind.clone(),
                    description: e.notes.clone().or_else(|| e.method.clone()),
                    amount: Money::of(e.amount_cents),
                    balance: Money::of(running),
                    reference: e.reference.clone(),
                }
            })
            .collect();
        Ok(ReportData::Statement(FinanceStatement {
            student: self.header(student_id).await?,
            currency: s.currency,
            from: p.from,
            to: p.to,
            opening_balance: Money::of(s.opening_balance_cents),
            entries,
            closing_balance: Money::of(s.closing_balance_cents),
            aging: Aging {
                current: Money::of(aging[0]),
                days_31_60: Money::of(aging[1]),
                days_61_90: Money::of(aging[2]),
                over_90: Money::of(aging[3]),
            },
        }))
    }

    async fn receipt(
        &self,
        who: &Principal,
        student_id: i64,
        p: &ReportParams,
        _meta: &RequestMeta,
    ) -> Result<ReportData, ReportError> {
        let entry_id = p.entry_id.ok_or(ReportError::NotFound("Ledger entry"))?;
        let (entry, balance) = self.finance.entry_with_balance(who, entry_id).await?;
        if entry.student_id != student_id {
            return Err(ReportError::NotFound("Ledger entry"));
        }
        if entry.kind != kinds::PAYMENT {
            return Err(FieldIssue::new(
                "entry_id",
                "not_a_payment",
                "receipts are issued for payments only",
            )
            .into());
        }
        Ok(ReportData::Receipt(PaymentReceipt {
            student: self.header(student_id).await?,
            entry_id: entry.id,
            received_at: entry.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            amount: Money::of(entry.amount_cents.saturating_neg()),
            currency: entry.currency,
            method: entry.method,
            reference: entry.reference,
            status: entry.status,
            remaining_balance: Money::of(balance),
        }))
    }
}
