//! Attendance: keyed by (student, date), as in the API: a row for a marked day re-marks it
//! (audited with before and after). Codes are the configured ones, matched case-insensitively.

use std::collections::{HashMap, HashSet};

use campus_tabular::Row;
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use campus_db::entities::attendance;

use super::columns::{ColumnMap, ColumnSpec};
use super::{ImportError, ImportReport};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::school::AttendanceRecord;
use crate::school::model::Checks;
use crate::school::service::School;
use crate::validation::FieldIssue;

pub(super) const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("roll_number").aka(&["roll", "roll_no"]),
    ColumnSpec::required("date"),
    ColumnSpec::required("status"),
    ColumnSpec::optional("note"),
    ColumnSpec::optional("name"),
    ColumnSpec::optional("class_level").aka(&["class"]),
];

#[derive(Debug)]
struct Parsed {
    row: usize,
    roll: String,
    date: NaiveDate,
    status: String,
    note: Option<String>,
}

#[derive(Debug)]
pub(super) struct AttendanceImport {
    map: ColumnMap,
    seen: HashMap<(String, NaiveDate), usize>,
}

impl AttendanceImport {
    pub fn new(map: ColumnMap) -> Self {
        Self {
            map,
            seen: HashMap::new(),
        }
    }

    fn parse(&mut self, school: &School, row: &Row) -> Result<Parsed, Vec<FieldIssue>> {
        let m = &self.map;
        let mut c = Checks::default();
        let roll = c.required("roll_number", m.get(row, "roll_number").map(str::to_owned), 50);
        let date_text = m.get(row, "date").unwrap_or_default();
        let date = super::parse_date(date_text);
        if date.is_none() {
            c.0.push(FieldIssue::new(
                "date",
                "invalid_format",
                format!("`{date_text}` is not a date like 2026-09-01"),
            ));
        }
        let status = school.checked_code(&mut c, m.get(row, "status").unwrap_or_default());
        let note = c.text("note", m.get(row, "note").map(str::to_owned), 500);
        super::refuse_formula(&mut c, "note", note.as_deref());
        if let Some(d) = date
            && let Some(first) = self.seen.get(&(roll.clone(), d))
        {
            c.0.push(FieldIssue::new(
                "date",
                "duplicate",
                format!("the same student and date is also on row {first}"),
            ));
        }
        match date {
            Some(date) if c.0.is_empty() => {
                self.seen.insert((roll.clone(), date), row.number);
                Ok(Parsed {
                    row: row.number,
                    roll,
                    date,
                    status,
                    note,
                })
            }
            _ => Err(c.0),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn batch(
        &mut self,
        school: &School,
        conn: &impl ConnectionTrait,
        who: &Principal,
        meta: &RequestMeta,
        rows: Vec<Row>,
        write: bool,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let mut parsed = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.parse(school, row) {
                Ok(p) => parsed.push(p),
                Err(issues) => report.fail(row.number, issues),
            }
        }
        let ids = super::student_ids(conn, parsed.iter().map(|p| p.roll.clone())).await?;
        let id_set: HashSet<i64> = ids.values().copied().collect();
        let dates: HashSet<NaiveDate> = parsed.iter().map(|p| p.date).collect();
        let existing: HashMap<(i64, NaiveDate), attendance::Model> = attendance::Entity::find()
            .filter(attendance::Column::StudentId.is_in(id_set))
            .filter(attendance::Column::Date.is_in(dates))
            .all(conn)
            .await?
            .into_iter()
            .map(|a| ((a.student_id, a.date), a))
            .collect();
        let now = Utc::now();
        let mut inserts = Vec::new();
        for p in parsed {
            let Some(&student_id) = ids.get(&p.roll) else {
                super::unknown_student(report, p.row, &p.roll);
                continue;
            };
            let key = format!("{} / {}", p.roll, p.date);
            match existing.get(&(student_id, p.date)) {
                None => {
                    report.added(p.row, key, vec!["status"]);
                    inserts.push(attendance::ActiveModel {
                        student_id: Set(student_id),
                        date: Set(p.date),
                        status: Set(p.status),
                        note: Set(p.note),
                        marked_by: Set(Some(who.user_id)),
                        created_at: Set(now),
                        updated_at: Set(None),
                        ..Default::default()
                    });
                }
                Some(old) => {
                    let mut fields = Vec::new();
                    if old.status != p.status {
                        fields.push("status");
                    }
                    if p.note.is_some() && old.note != p.note {
                        fields.push("note");
                    }
                    report.changed(p.row, key, fields.clone());
                    if write && !fields.is_empty() {
                        let a = attendance::ActiveModel {
                            id: Set(old.id),
                            status: Set(p.status),
                            note: Set(p.note.or_else(|| old.note.clone())),
                            marked_by: Set(Some(who.user_id)),
                            updated_at: Set(Some(now)),
                            ..Default::default()
                        };
                        let after = attendance::Entity::update(a).exec(conn).await?;
                        audit::record(
                            conn,
                            meta,
                            AuditEntry::new("attendance.remarked")
                                .actor(Some(who.user_id))
                                .target("attendance", old.id)
                                .before(json!(AttendanceRecord::from(old.clone())))
                                .after(json!(AttendanceRecord::from(after))),
                        )
                        .await?;
                    }
                }
            }
        }
        if write && !inserts.is_empty() {
            attendance::Entity::insert_many(inserts)
                .exec_without_returning(conn)
                .await?;
        }
        Ok(())
    }
}
