//! Grades (every change audited with before/after) and the GPA built from them; what-if
//! and target planning is in `planning`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel, ModelTrait};
use serde::Serialize;
use serde_json::json;

use campus_db::entities::grades;

use super::error::SchoolError;
use super::gpa::{self, GpaReport, GradePoint};
use super::model::Checks;
use super::policy::{self, Access};
use super::repo;
use super::service::School;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::identity::roles::{RecordKeepers, RoleSet};
use crate::validation::FieldIssue;

/// A recorded grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grade {
    pub id: i64,
    pub student_id: i64,
    pub subject: String,
    pub score: Option<f64>,
    pub letter: Option<String>,
    pub term: Option<String>,
    pub credits: f64,
    pub graded_at: NaiveDate,
    /// Grade points on the 4.0 scale (the letter if given, else the score's band).
    pub points: f64,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<grades::Model> for Grade {
    fn from(m: grades::Model) -> Self {
        let points = points_of(m.letter.as_deref(), m.score);
        Self {
            id: m.id,
            student_id: m.student_id,
            subject: m.subject,
            score: m.score,
            letter: m.letter,
            term: m.term,
            credits: m.credits,
            graded_at: m.graded_at,
            points,
            recorded_by: m.recorded_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

pub(super) fn points_of(letter: Option<&str>, score: Option<f64>) -> f64 {
    letter
        .and_then(gpa::letter_points)
        .or_else(|| score.map(gpa::score_points))
        .unwrap_or(0.0)
}

/// A new grade: a score (0–100), a letter (A+..F), or both.
#[derive(Debug, Clone, Default)]
pub struct GradeInput {
    pub subject: String,
    pub score: Option<f64>,
    pub letter: Option<String>,
    pub term: Option<String>,
    pub credits: Option<f64>,
    pub graded_at: Option<NaiveDate>,
}

/// Changes to a grade; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct GradePatch {
    pub subject: Option<String>,
    pub score: Option<Option<f64>>,
    pub letter: Option<Option<String>>,
    pub term: Option<Option<String>>,
    pub credits: Option<f64>,
    pub graded_at: Option<NaiveDate>,
}

pub(super) fn check_score(c: &mut Checks, score: Option<f64>) -> Option<f64> {
    if score.is_some_and(|s| !s.is_finite() || !(0.0..=100.0).contains(&s)) {
        c.0.push(FieldIssue::new(
            "score",
            "out_of_range",
            "must be between 0 and 100",
        ));
    }
    score
}

pub(super) fn check_letter(c: &mut Checks, letter: Option<String>) -> Option<String> {
    let l = letter
        .map(|l| l.trim().to_ascii_uppercase())
        .filter(|l| !l.is_empty())?;
    if gpa::letter_points(&l).is_none() {
        c.0.push(FieldIssue::new(
            "letter",
            "invalid_choice",
            "must be a letter grade A, B, C, D or F, optionally with + or -",
        ));
    }
    Some(l)
}

pub(super) fn check_credits(c: &mut Checks, credits: f64) -> f64 {
    if !credits.is_finite() || !(0.0..=100.0).contains(&credits) {
        c.0.push(FieldIssue::new(
            "credits",
            "out_of_range",
            "must be between 0 and 100",
        ));
    }
    credits
}

impl School {
    pub async fn add_grade(
        &self,
        who: &Principal,
        student_id: i64,
        input: GradeInput,
        meta: &RequestMeta,
    ) -> Result<Grade, SchoolError> {
        policy::check(&self.db, who, student_id, Access::Write).await?;
        let mut c = Checks::default();
        let subject = c.required("subject", Some(input.subject), 100);
        let score = check_score(&mut c, input.score);
        let letter = check_letter(&mut c, input.letter);
        if score.is_none() && letter.is_none() {
            c.0.push(FieldIssue::new(
                "score",
                "required",
                "give a score (0-100) or a letter grade",
            ));
        }
        let term = c.text("term", input.term, 50);
        let credits = check_credits(&mut c, input.credits.unwrap_or(1.0));
        c.finish()?;
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        let grade = Grade::from(
            grades::ActiveModel {
                student_id: Set(student_id),
                subject: Set(subject),
                score: Set(score),
                letter: Set(letter),
                term: Set(term),
                credits: Set(credits),
                graded_at: Set(input.graded_at.unwrap_or_else(|| now.date_naive())),
                recorded_by: Set(Some(who.user_id)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
        );
        audit::record(
            &txn,
            meta,
            AuditEntry::new("grade.created")
                .actor(Some(who.user_id))
                .target("grade", grade.id)
                .after(json!(grade)),
        )
        .await?;
        if let Some(student) = repo::student(&txn, student_id).await? {
            let shown = match (&grade.letter, grade.score) {
                (Some(l), _) => l.clone(),
                (None, Some(s)) => format!("{s}"),
                (None, None) => format!("{:.1} points", grade.points),
            };
            crate::mail::alerts::low_grade(
                &txn,
                &self.alerts,
                &student,
                &grade.subject,
                &shown,
                grade.points,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(grade)
    }

    pub async fn grades(&self, who: &Principal, student_id: i64) -> Result<Vec<Grade>, SchoolError> {
        // Staff may read every student's grades, so for them the grades query alone decides:
        // rows prove the student exists (foreign key); only an empty result needs the
        // existence check. Everyone else is checked first.
        let staff = RecordKeepers::contains(who.role);
        if !staff {
            policy::check_read(self.reads(), who, student_id, Access::ReadProgress).await?;
        }
        let rows = repo::grades_of(self.reads(), student_id).await?;
        if staff && rows.is_empty() {
            policy::check_read(self.reads(), who, student_id, Access::ReadProgress).await?;
        }
        Ok(rows.into_iter().map(Grade::from).collect())
    }

    async fn grade_for_write(&self, who: &Principal, id: i64) -> Result<grades::Model, SchoolError> {
        let model = repo::grade(&self.db, id).await?.ok_or(SchoolError::NotFound)?;
        policy::check(&self.db, who, model.student_id, Access::Write).await?;
        Ok(model)
    }

    /// The grades of a class's students in one subject and term, for staff (the gradebook).
    pub async fn class_grades(
        &self,
        who: &Principal,
        student_ids: &[i64],
        subject: &str,
        term: Option<&str>,
    ) -> Result<Vec<Grade>, SchoolError> {
        if !policy::role_allows(who.role, Access::Write) {
            return Err(SchoolError::Forbidden);
        }
        let mut out = Vec::with_capacity(student_ids.len());
        for chunk in student_ids.chunks(500) {
            out.extend(
                repo::grades_in(&self.db, chunk, subject, term)
                    .await?
                    .into_iter()
                    .map(Grade::from),
            );
        }
        Ok(out)
    }

    pub async fn update_grade(
        &self,
        who: &Principal,
        id: i64,
        patch: GradePatch,
        meta: &RequestMeta,
    ) -> Result<Grade, SchoolError> {
        let model = self.grade_for_write(who, id).await?;
        let before = Grade::from(model.clone());
        let mut c = Checks::default();
        let score = match patch.score {
            Some(v) => check_score(&mut c, v),
            None => model.score,
        };
        let letter = match patch.letter {
            Some(v) => check_letter(&mut c, v),
            None => model.letter.clone(),
        };
        if score.is_none() && letter.is_none() {
            c.0.push(FieldIssue::new(
                "score",
                "required",
                "a grade needs a score or a letter",
            ));
        }
        let mut a = model.into_active_model();
        a.score = Set(score);
        a.letter = Set(letter);
        if let Some(v) = patch.subject {
            a.subject = Set(c.required("subject", Some(v), 100));
        }
        if let Some(v) = patch.term {
            a.term = Set(c.text("term", v, 50));
        }
        if let Some(v) = patch.credits {
            a.credits = Set(check_credits(&mut c, v));
        }
        if let Some(v) = patch.graded_at {
            a.graded_at = Set(v);
        }
        c.finish()?;
        a.updated_at = Set(Utc::now());
        let txn = campus_db::begin_write(&self.db).await?;
        let after = Grade::from(a.update(&txn).await?);
        audit::record(
            &txn,
            meta,
            AuditEntry::new("grade.updated")
                .actor(Some(who.user_id))
                .target("grade", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    pub async fn delete_grade(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<(), SchoolError> {
        let model = self.grade_for_write(who, id).await?;
        let before = Grade::from(model.clone());
        let txn = campus_db::begin_write(&self.db).await?;
        model.delete(&txn).await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("grade.deleted")
                .actor(Some(who.user_id))
                .target("grade", id)
                .before(json!(before)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Cumulative, per-term and per-subject GPA of a student.
    pub async fn gpa(&self, who: &Principal, student_id: i64) -> Result<GpaReport, SchoolError> {
        let grades = self.grades(who, student_id).await?;
        Ok(gpa::report(&grade_points(&grades)))
    }
}

/// The GPA inputs of recorded grades.
pub fn grade_points<'a>(grades: impl IntoIterator<Item = &'a Grade>) -> Vec<GradePoint> {
    grades
        .into_iter()
        .map(|g| GradePoint {
            subject: g.subject.clone(),
            term: g.term.clone(),
            points: g.points,
            credits: g.credits,
        })
        .collect()
}
