//! Grade points and GPA on the 4.0 scale (seed 003's contract): letters A=4, B=3, C=2, D=1,
//! F=0 with `+`/`-` = ±0.3 (A+ capped at 4.0); scores 90/80/70/60 bands. Pure functions.

use std::collections::BTreeMap;

use serde::Serialize;

/// Points of a letter grade, if it is one.
pub fn letter_points(letter: &str) -> Option<f64> {
    let l = letter.trim().to_ascii_uppercase();
    let mut chars = l.chars();
    let base = match chars.next()? {
        'A' => 4.0,
        'B' => 3.0,
        'C' => 2.0,
        'D' => 1.0,
        'F' => 0.0,
        _ => return None,
    };
    let adjust = match chars.next() {
        None => 0.0,
        Some('+') if base > 0.0 => 0.3,
        Some('-') if base > 0.0 => -0.3,
        Some(_) => return None,
    };
    if chars.next().is_some() {
        return None;
    }
    Some(f64::min(4.0, base + adjust))
}

/// Points of a 0–100 score.
pub fn score_points(score: f64) -> f64 {
    match score {
        s if s >= 90.0 => 4.0,
        s if s >= 80.0 => 3.0,
        s if s >= 70.0 => 2.0,
        s if s >= 60.0 => 1.0,
        _ => 0.0,
    }
}

/// One grade as the GPA sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GradePoint {
    pub subject: String,
    pub term: Option<String>,
    pub points: f64,
    pub credits: f64,
}

/// GPA of a set of grades.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GpaSummary {
    /// Mean of grade points, 2 dp; 0.0 with no grades.
    pub unweighted: f64,
    /// Credit-weighted mean, 2 dp; 0.0 with no credits.
    pub weighted: f64,
    pub graded: usize,
    pub credits: f64,
}

/// Per-subject explanation of the cumulative GPA.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectBreakdown {
    pub subject: String,
    pub grades: usize,
    pub credits: f64,
    pub mean_points: f64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn summarize<'a>(grades: impl IntoIterator<Item = &'a GradePoint>) -> GpaSummary {
    let (mut n, mut sum, mut wsum, mut credits) = (0usize, 0.0, 0.0, 0.0);
    for g in grades {
        n += 1;
        sum += g.points;
        wsum += g.points * g.credits;
        credits += g.credits;
    }
    GpaSummary {
        unweighted: if n == 0 { 0.0 } else { round2(sum / n as f64) },
        weighted: if credits <= 0.0 {
            0.0
        } else {
            round2(wsum / credits)
        },
        graded: n,
        credits: round2(credits),
    }
}

/// Cumulative, per term (unnamed term: `""`) and per subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GpaReport {
    pub cumulative: GpaSummary,
    pub terms: BTreeMap<String, GpaSummary>,
    pub subjects: Vec<SubjectBreakdown>,
}

pub fn report(grades: &[GradePoint]) -> GpaReport {
    let mut terms: BTreeMap<String, Vec<&GradePoint>> = BTreeMap::new();
    let mut subjects: BTreeMap<String, Vec<&GradePoint>> = BTreeMap::new();
    for g in grades {
        terms
            .entry(g.term.clone().unwrap_or_default())
            .or_default()
            .push(g);
        subjects.entry(g.subject.clone()).or_default().push(g);
    }
    GpaReport {
        cumulative: summarize(grades),
        terms: terms.into_iter().map(|(t, gs)| (t, summarize(gs))).collect(),
        subjects: subjects
            .into_iter()
            .map(|(subject, gs)| {
                let s = summarize(gs.iter().copied());
                SubjectBreakdown {
                    subject,
                    grades: s.graded,
                    credits: s.credits,
                    mean_points: s.unweighted,
                }
            })
            .collect(),
    }
}

/// The average grade points needed on `remaining_credits` more credits to reach `target`
/// (credit-weighted): `Ok(points)` (0.0 when already secured) or `Err(needed)` when above 4.0.
pub fn needed(grades: &[GradePoint], target: f64, remaining_credits: f64) -> Result<f64, f64> {
    let earned: f64 = grades.iter().map(|g| g.points * g.credits).sum();
    let credits: f64 = grades.iter().map(|g| g.credits).sum();
    let needed = (target * (credits + remaining_credits) - earned) / remaining_credits;
    if needed > 4.0 {
        Err(round2(needed))
    } else {
        Ok(round2(needed.max(0.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gp(subject: &str, term: Option<&str>, points: f64, credits: f64) -> GradePoint {
        GradePoint {
            subject: subject.to_owned(),
            term: term.map(str::to_owned),
            points,
            credits,
        }
    }

    #[test]
    fn letters_follow_the_plus_minus_rule_and_cap_at_four() {
        assert_eq!(letter_points("A+"), Some(4.0));
        assert_eq!(letter_points("a"), Some(4.0));
        assert_eq!(letter_points("A-"), Some(3.7));
        assert_eq!(letter_points("B+"), Some(3.3));
        assert_eq!(letter_points("D-"), Some(0.7));
        assert_eq!(letter_points("F"), Some(0.0));
        for bad in ["E", "F+", "A++", "", "AB", "7"] {
            assert_eq!(letter_points(bad), None, "{bad}");
        }
    }

    #[test]
    fn scores_use_ten_point_bands() {
        for (s, p) in [
            (100.0, 4.0),
            (90.0, 4.0),
            (89.9, 3.0),
            (80.0, 3.0),
            (75.0, 2.0),
            (60.0, 1.0),
            (59.9, 0.0),
            (0.0, 0.0),
        ] {
            assert_eq!(score_points(s), p, "{s}");
        }
    }

    #[test]
    fn gpa_is_unweighted_and_credit_weighted_per_term_and_subject() {
        let grades = [
            gp("Maths", Some("T1"), 4.0, 4.0),
            gp("Art", Some("T1"), 2.0, 1.0),
            gp("Maths", Some("T2"), 3.0, 4.0),
        ];
        let r = report(&grades);
        assert_eq!(r.cumulative.unweighted, 3.0);
        assert_eq!(r.cumulative.weighted, 3.33); // (16 + 2 + 12) / 9
        assert_eq!(r.terms["T1"].unweighted, 3.0);
        assert_eq!(r.terms["T2"].weighted, 3.0);
        assert_eq!(r.subjects[1].subject, "Maths");
        assert_eq!(r.subjects[1].mean_points, 3.5);
        assert_eq!(summarize(&[]).unweighted, 0.0);
    }

    #[test]
    fn needed_average_or_unreachable() {
        let grades = [gp("Maths", None, 3.0, 10.0)];
        assert_eq!(needed(&grades, 3.5, 10.0), Ok(4.0));
        assert_eq!(needed(&grades, 3.6, 10.0), Err(4.2));
        assert_eq!(needed(&grades, 2.0, 10.0), Ok(1.0));
        assert_eq!(needed(&grades, 1.0, 10.0), Ok(0.0));
    }
}
