//! Grades: keyed by (student, subject, term). A row for a key that exists updates that grade
//! (audited with before and after); otherwise it adds one. `name` and `class_level` columns
//! (seed 000's marks sheets have them) are accepted and ignored.

use std::collections::{HashMap, HashSet};

use campus_tabular::Row;
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use campus_db::entities::grades;

use super::columns::{ColumnMap, ColumnSpec};
use super::{ImportError, ImportReport};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::school::grades::{Grade, check_credits, check_letter, check_score};
use crate::school::model::Checks;
use crate::validation::FieldIssue;

pub(super) const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("roll_number").aka(&["roll", "roll_no"]),
    ColumnSpec::required("subject"),
    ColumnSpec::optional("score").aka(&["marks"]),
    ColumnSpec::optional("letter").aka(&["grade", "letter_grade"]),
    ColumnSpec::optional("term"),
    ColumnSpec::optional("credits"),
    ColumnSpec::optional("graded_at").aka(&["date"]),
    ColumnSpec::optional("name"),
    ColumnSpec::optional("class_level").aka(&["class"]),
];

type Key = (String, String, Option<String>);

#[derive(Debug)]
struct Parsed {
    row: usize,
    roll: String,
    subject: String,
    score: Option<f64>,
    letter: Option<String>,
    term: Option<String>,
    credits: Option<f64>,
    graded_at: Option<NaiveDate>,
}

impl Parsed {
    fn key(&self) -> Key {
        (self.roll.clone(), self.subject.to_lowercase(), self.term.clone())
    }
}

#[derive(Debug)]
pub(super) struct GradeImport {
    map: ColumnMap,
    seen: HashMap<Key, usize>,
}

fn number(c: &mut Checks, field: &'static str, text: Option<&str>) -> Option<f64> {
    let text = text?;
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            c.0.push(FieldIssue::new(
                field,
                "invalid_format",
                format!("`{text}` is not a number"),
            ));
            None
        }
    }
}

impl GradeImport {
    pub fn new(map: ColumnMap) -> Self {
        Self {
            map,
            seen: HashMap::new(),
        }
    }

    fn parse(&mut self, row: &Row) -> Result<Parsed, Vec<FieldIssue>> {
        let m = &self.map;
        let mut c = Checks::default();
        let cell = |col: &str| m.get(row, col).map(str::to_owned);
        let roll = c.required("roll_number", cell("roll_number"), 50);
        let subject = c.required("subject", cell("subject"), 100);
        super::refuse_formula(&mut c, "subject", Some(&subject));
        let score = number(&mut c, "score", m.get(row, "score"));
        let score = check_score(&mut c, score);
        let letter = check_letter(&mut c, cell("letter"));
        if score.is_none() && letter.is_none() && c.0.is_empty() {
            c.0.push(FieldIssue::new(
                "score",
                "required",
                "give a score (0-100) or a letter grade",
            ));
        }
        let term = c.text("term", cell("term"), 50);
        let credits = number(&mut c, "credits", m.get(row, "credits")).map(|v| check_credits(&mut c, v));
        let graded_at = match m.get(row, "graded_at") {
            None => None,
            Some(text) => {
                let d = super::parse_date(text);
                if d.is_none() {
                    c.0.push(FieldIssue::new(
                        "graded_at",
                        "invalid_format",
                        format!("`{text}` is not a date like 2026-03-31"),
                    ));
                }
                d
            }
        };
        let parsed = Parsed {
            row: row.number,
            roll,
            subject,
            score,
            letter,
            term,
            credits,
            graded_at,
        };
        if let Some(first) = self.seen.get(&parsed.key()) {
            c.0.push(FieldIssue::new(
                "subject",
                "duplicate",
                format!("the same student, subject and term is also on row {first}"),
            ));
        }
        if c.0.is_empty() {
            self.seen.insert(parsed.key(), row.number);
            Ok(parsed)
        } else {
            Err(c.0)
        }
    }

    pub async fn batch(
        &mut self,
        conn: &impl ConnectionTrait,
        who: &Principal,
        meta: &RequestMeta,
        rows: Vec<Row>,
        write: bool,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let mut parsed = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.parse(row) {
                Ok(p) => parsed.push(p),
                Err(issues) => report.fail(row.number, issues),
            }
        }
        let ids = super::student_ids(conn, parsed.iter().map(|p| p.roll.clone())).await?;
        let id_set: HashSet<i64> = ids.values().copied().collect();
        let mut existing: HashMap<(i64, String, Option<String>), grades::Model> = HashMap::new();
        for g in grades::Entity::find()
            .filter(grades::Column::StudentId.is_in(id_set))
            .order_by_desc(grades::Column::Id)
            .all(conn)
            .await?
        {
            // Descending ids: the oldest grade for a key is inserted last and wins.
            existing.insert((g.student_id, g.subject.to_lowercase(), g.term.clone()), g);
        }
        let now = Utc::now();
        let mut inserts = Vec::new();
        for p in parsed {
            let Some(&student_id) = ids.get(&p.roll) else {
                super::unknown_student(report, p.row, &p.roll);
                continue;
            };
            let key = format!(
                "{} / {} / {}",
                p.roll,
                p.subject,
                p.term.as_deref().unwrap_or("-")
            );
            match existing.get(&(student_id, p.subject.to_lowercase(), p.term.clone())) {
                None => {
                    report.added(p.row, key, vec!["subject", "score", "letter"]);
                    inserts.push(grades::ActiveModel {
                        student_id: Set(student_id),
                        subject: Set(p.subject),
                        score: Set(p.score),
                        letter: Set(p.letter),
                        term: Set(p.term),
                        credits: Set(p.credits.unwrap_or(1.0)),
                        graded_at: Set(p.graded_at.unwrap_or_else(|| now.date_naive())),
                        recorded_by: Set(Some(who.user_id)),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    });
                }
                Some(old) => {
                    let mut fields = Vec::new();
                    let mut a = grades::ActiveModel {
                        id: Set(old.id),
                        ..Default::default()
                    };
                    if p.score.is_some() && old.score != p.score {
                        fields.push("score");
                        a.score = Set(p.score);
                    }
                    if p.letter.is_some() && old.letter != p.letter {
                        fields.push("letter");
                        a.letter = Set(p.letter);
                    }
                    if let Some(cr) = p.credits.filter(|cr| *cr != old.credits) {
                        fields.push("credits");
                        a.credits = Set(cr);
                    }
                    if let Some(d) = p.graded_at.filter(|d| *d != old.graded_at) {
                        fields.push("graded_at");
                        a.graded_at = Set(d);
                    }
                    report.changed(p.row, key, fields.clone());
                    if write && !fields.is_empty() {
                        a.recorded_by = Set(Some(who.user_id));
                        a.updated_at = Set(now);
                        let after = grades::Entity::update(a).exec(conn).await?;
                        audit::record(
                            conn,
                            meta,
                            AuditEntry::new("grade.updated")
                                .actor(Some(who.user_id))
                                .target("grade", old.id)
                                .before(json!(Grade::from(old.clone())))
                                .after(json!(Grade::from(after))),
                        )
                        .await?;
                    }
                }
            }
        }
        if write && !inserts.is_empty() {
            grades::Entity::insert_many(inserts)
                .exec_without_returning(conn)
                .await?;
        }
        Ok(())
    }
}
