//! GPA planning: the GPA if hypothetical grades were recorded, and the average needed to reach
//! a target. Nothing here writes.

use serde::Serialize;

use super::error::SchoolError;
use super::gpa::{self, GpaReport, GradePoint};
use super::grades::{check_credits, check_letter, check_score, grade_points, points_of};
use super::model::Checks;
use super::service::School;
use crate::identity::Principal;
use crate::validation::FieldIssue;

/// A hypothetical grade for a what-if GPA.
#[derive(Debug, Clone, Default)]
pub struct WhatIfGrade {
    /// Replace this recorded grade; `None` adds a new one.
    pub replaces: Option<i64>,
    pub subject: Option<String>,
    pub score: Option<f64>,
    pub letter: Option<String>,
    pub credits: Option<f64>,
    pub term: Option<String>,
}

/// How far a target GPA is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeededGrade {
    pub target: f64,
    pub remaining_credits: f64,
    pub current_weighted: f64,
    /// Average grade points needed on the remaining credits (0.0 when already secured).
    pub needed_points: f64,
    /// `false` when even straight 4.0s would not reach the target.
    pub reachable: bool,
}

impl School {
    /// The GPA if `changes` were recorded; nothing is written.
    pub async fn gpa_what_if(
        &self,
        who: &Principal,
        student_id: i64,
        changes: Vec<WhatIfGrade>,
    ) -> Result<GpaReport, SchoolError> {
        let mut grades = self.grades(who, student_id).await?;
        let mut c = Checks::default();
        if changes.len() > 200 {
            c.0.push(FieldIssue::new(
                "grades",
                "out_of_range",
                "at most 200 hypothetical grades",
            ));
        }
        let mut points = Vec::new();
        for change in changes {
            let score = check_score(&mut c, change.score);
            let letter = check_letter(&mut c, change.letter);
            if score.is_none() && letter.is_none() {
                c.0.push(FieldIssue::new(
                    "score",
                    "required",
                    "each hypothetical grade needs a score or a letter",
                ));
            }
            let credits = change.credits.map(|v| check_credits(&mut c, v));
            let p = points_of(letter.as_deref(), score);
            match change.replaces {
                Some(id) => match grades.iter_mut().find(|g| g.id == id) {
                    Some(g) => {
                        g.points = p;
                        if let Some(cr) = credits {
                            g.credits = cr;
                        }
                    }
                    None => c.0.push(FieldIssue::new(
                        "replaces",
                        "not_found",
                        format!("grade {id} is not this student's"),
                    )),
                },
                None => points.push(GradePoint {
                    subject: c.required("subject", change.subject, 100),
                    term: change.term,
                    points: p,
                    credits: credits.unwrap_or(1.0),
                }),
            }
        }
        c.finish()?;
        let mut all = grade_points(&grades);
        all.extend(points);
        Ok(gpa::report(&all))
    }

    /// The average needed on `remaining_credits` more credits to reach `target` (weighted).
    pub async fn gpa_needed(
        &self,
        who: &Principal,
        student_id: i64,
        target: f64,
        remaining_credits: f64,
    ) -> Result<NeededGrade, SchoolError> {
        let mut c = Checks::default();
        if !target.is_finite() || !(0.0..=4.0).contains(&target) {
            c.0.push(FieldIssue::new(
                "target",
                "out_of_range",
                "must be between 0 and 4.0",
            ));
        }
        if !remaining_credits.is_finite() || remaining_credits <= 0.0 || remaining_credits > 1000.0 {
            c.0.push(FieldIssue::new(
                "remaining_credits",
                "out_of_range",
                "must be above 0 and at most 1000",
            ));
        }
        c.finish()?;
        let grades = grade_points(&self.grades(who, student_id).await?);
        let current = gpa::summarize(&grades).weighted;
        let (needed_points, reachable) = match gpa::needed(&grades, target, remaining_credits) {
            Ok(p) => (p, true),
            Err(p) => (p, false),
        };
        Ok(NeededGrade {
            target,
            remaining_credits,
            current_weighted: current,
            needed_points,
            reachable,
        })
    }
}
