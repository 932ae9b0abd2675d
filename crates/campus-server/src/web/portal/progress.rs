//! The progress part of a student's page: grades by term with GPA, the what-if calculator,
//! attendance (rate, counts, the month calendar, absences) and activities.

use std::collections::BTreeMap;

use campus_domain::identity::Principal;
use campus_domain::school::{Grade, WhatIfGrade};

use super::PageError;
use super::forms::given;
use super::students::WhatIfQuery;
use crate::state::AppState;

/// Grades of one term, with that term's GPA.
#[derive(Debug)]
pub struct TermRows {
    pub term: String,
    pub grades: Vec<Grade>,
    pub weighted: f64,
    pub unweighted: f64,
}

#[derive(Debug)]
pub struct WhatIf {
    pub subject: String,
    pub score: String,
    pub credits: String,
    pub projected: Option<f64>,
}

#[derive(Debug)]
pub struct Progress {
    pub terms: Vec<TermRows>,
    pub cumulative_weighted: f64,
    pub cumulative_unweighted: f64,
    pub rate: f64,
    pub counts: Vec<(String, u64)>,
    pub absences: Vec<(String, String, String)>,
    pub activities: Vec<(String, String, String)>,
    pub what_if: WhatIf,
    pub calendar: super::calendar::Month,
}

pub async fn progress(
    state: &AppState,
    who: &Principal,
    id: i64,
    q: WhatIfQuery,
) -> Result<Progress, PageError> {
    let school = state.school();
    let grades = school.grades(who, id).await?;
    // The GPA from the grades just read (what `School::gpa` computes, without reading them again).
    let gpa = campus_domain::school::gpa::report(&campus_domain::school::grade_points(&grades));
    let mut by_term: BTreeMap<String, Vec<Grade>> = BTreeMap::new();
    for g in grades {
        by_term
            .entry(g.term.clone().unwrap_or_default())
            .or_default()
            .push(g);
    }
    let terms = by_term
        .into_iter()
        .map(|(term, grades)| {
            let (weighted, unweighted) = gpa
                .terms
                .get(&term)
                .map_or((0.0, 0.0), |s| (s.weighted, s.unweighted));
            TermRows {
                term: if term.is_empty() {
                    "No term".to_owned()
                } else {
                    term
                },
                grades,
                weighted,
                unweighted,
            }
        })
        .collect();
    let (marks, summary) = school.attendance(who, id, None, None).await?;
    let present: Vec<String> = state
        .settings()
        .school
        .attendance_codes
        .iter()
        .filter(|c| c.counts_as_present)
        .map(|c| c.code.to_lowercase())
        .collect();
    let calendar = super::calendar::month(
        q.month.as_deref(),
        &marks,
        &present,
        state.clock().now().date_naive(),
    );
    let mut absences: Vec<(String, String, String)> = marks
        .iter()
        .filter(|m| !present.contains(&m.status.to_lowercase()))
        .map(|m| {
            (
                m.date.to_string(),
                m.status.clone(),
                m.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    absences.sort_by(|a, b| b.0.cmp(&a.0));
    absences.truncate(30);
    let activities = school
        .activities(who, id)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.activity_name,
                a.role_or_award.unwrap_or_default(),
                a.participation_date.map(|d| d.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let what_if = what_if(state, who, id, q).await;
    Ok(Progress {
        terms,
        cumulative_weighted: gpa.cumulative.weighted,
        cumulative_unweighted: gpa.cumulative.unweighted,
        rate: summary.attendance_rate,
        counts: summary.counts.into_iter().collect(),
        absences,
        activities,
        what_if,
        calendar,
    })
}

/// The GPA if one more grade were added; a value that does not parse just shows no result.
async fn what_if(state: &AppState, who: &Principal, id: i64, q: WhatIfQuery) -> WhatIf {
    let subject = given(&q.subject).unwrap_or_default();
    let score = given(&q.score).unwrap_or_default();
    let credits = given(&q.credits).unwrap_or_default();
    let mut projected = None;
    if !subject.is_empty()
        && let Ok(points) = score.parse::<f64>()
    {
        let change = WhatIfGrade {
            replaces: None,
            subject: Some(subject.chars().take(100).collect()),
            score: Some(points),
            letter: None,
            credits: credits.parse::<f64>().ok(),
            term: None,
        };
        projected = state
            .school()
            .gpa_what_if(who, id, vec![change])
            .await
            .ok()
            .map(|r| r.cumulative.weighted);
    }
    WhatIf {
        subject,
        score,
        credits,
        projected,
    }
}
