//! Exports of students, grades and attendance as rows of cells: a header, then the data in
//! pages of [`PAGE`] read in id order, handed to a sink as they are read. The columns are the
//! ones an import of the same kind accepts, so an export can be edited and imported back.

use std::collections::HashMap;

use campus_tabular::Cell;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use campus_db::entities::{attendance, grades, students};

pub use super::dataset::Dataset;
use super::error::SchoolError;
use super::policy::{self, Access};
use super::service::School;
use super::students::StudentFilter;
use crate::identity::Principal;
use crate::identity::roles::{RoleSet, SchoolStaff};

const PAGE: u64 = 1000;

impl Dataset {
    /// The export's columns, in order (an export imports back unchanged).
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Students => &[
                "roll_number",
                "name",
                "class_level",
                "section",
                "date_of_birth",
                "gender",
                "address",
                "contact_number",
                "guardian_name",
                "guardian_contact",
                "status",
            ],
            Self::Grades => &[
                "roll_number",
                "name",
                "subject",
                "score",
                "letter",
                "term",
                "credits",
                "graded_at",
            ],
            Self::Attendance => &["roll_number", "name", "date", "status", "note"],
        }
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E> {
    #[error(transparent)]
    School(#[from] SchoolError),
    /// The sink failed (a full disk, a closed connection).
    #[error("writing the export failed: {0}")]
    Sink(E),
}

/// One exported row as a JSON object keyed by the header.
pub fn json_object(header: &[&str], cells: Vec<Cell>) -> serde_json::Value {
    let map = header
        .iter()
        .zip(cells)
        .map(|(h, c)| {
            let v = match c {
                Cell::Empty => serde_json::Value::Null,
                Cell::Text(t) => t.into(),
                Cell::Int(i) => i.into(),
                Cell::Float(f) => f.into(),
            };
            ((*h).to_owned(), v)
        })
        .collect();
    serde_json::Value::Object(map)
}

fn text(v: Option<String>) -> Cell {
    v.map_or(Cell::Empty, Cell::Text)
}

fn student_row(s: students::Model) -> Vec<Cell> {
    vec![
        Cell::Text(s.roll_number),
        Cell::Text(s.name),
        s.class_level.into(),
        text(s.section),
        text(s.date_of_birth.map(|d| d.to_string())),
        text(s.gender),
        text(s.address),
        text(s.contact_number),
        text(s.guardian_name),
        text(s.guardian_contact),
        Cell::Text(s.status),
    ]
}

impl School {
    /// Streams `dataset` (students narrowed by `filter`) into `sink`, header first. Admins and
    /// teachers may export everything; finance staff only the student list.
    pub async fn export<E>(
        &self,
        who: &Principal,
        dataset: Dataset,
        filter: &StudentFilter,
        mut sink: impl FnMut(Vec<Cell>) -> Result<(), E>,
    ) -> Result<u64, ExportError<E>> {
        let allowed = match dataset {
            Dataset::Students => SchoolStaff::contains(who.role),
            Dataset::Grades | Dataset::Attendance => policy::role_allows(who.role, Access::Write),
        };
        if !allowed {
            return Err(SchoolError::Forbidden.into());
        }
        sink(dataset.header().iter().map(|h| Cell::from(*h)).collect()).map_err(ExportError::Sink)?;
        let mut after = 0i64;
        let mut count = 0u64;
        loop {
            let students = self.students_page(filter, after).await?;
            let Some(last) = students.last() else { break };
            after = last.id;
            let n = students.len() as u64;
            match dataset {
                Dataset::Students => {
                    for s in students {
                        sink(student_row(s)).map_err(ExportError::Sink)?;
                        count += 1;
                    }
                }
                Dataset::Grades | Dataset::Attendance => {
                    count += self.progress_rows(dataset, students, &mut sink).await?;
                }
            }
            if n < PAGE {
                break;
            }
        }
        Ok(count)
    }

    async fn students_page(
        &self,
        filter: &StudentFilter,
        after: i64,
    ) -> Result<Vec<students::Model>, SchoolError> {
        let q = filter.apply(students::Entity::find().filter(students::Column::Id.gt(after)));
        Ok(q.order_by_asc(students::Column::Id)
            .limit(PAGE)
            .all(&self.db)
            .await?)
    }

    /// The grades or attendance of one page of students, in student then record order.
    async fn progress_rows<E>(
        &self,
        dataset: Dataset,
        students: Vec<students::Model>,
        sink: &mut impl FnMut(Vec<Cell>) -> Result<(), E>,
    ) -> Result<u64, ExportError<E>> {
        let ids: Vec<i64> = students.iter().map(|s| s.id).collect();
        let who: HashMap<i64, (String, String)> = students
            .into_iter()
            .map(|s| (s.id, (s.roll_number, s.name)))
            .collect();
        let ident = |id: i64| {
            who.get(&id)
                .map(|(r, n)| (Cell::Text(r.clone()), Cell::Text(n.clone())))
                .unwrap_or((Cell::Empty, Cell::Empty))
        };
        let mut count = 0;
        if dataset == Dataset::Grades {
            let rows = grades::Entity::find()
                .filter(grades::Column::StudentId.is_in(ids))
                .order_by_asc(grades::Column::StudentId)
                .order_by_asc(grades::Column::Id)
                .all(&self.db)
                .await
                .map_err(SchoolError::from)?;
            for g in rows {
                let (roll, name) = ident(g.student_id);
                sink(vec![
                    roll,
                    name,
                    Cell::Text(g.subject),
                    g.score.into(),
                    text(g.letter),
                    text(g.term),
                    Cell::Float(g.credits),
                    Cell::Text(g.graded_at.to_string()),
                ])
                .map_err(ExportError::Sink)?;
                count += 1;
            }
        } else {
            let rows = attendance::Entity::find()
                .filter(attendance::Column::StudentId.is_in(ids))
                .order_by_asc(attendance::Column::StudentId)
                .order_by_asc(attendance::Column::Date)
                .all(&self.db)
                .await
                .map_err(SchoolError::from)?;
            for a in rows {
                let (roll, name) = ident(a.student_id);
                sink(vec![
                    roll,
                    name,
                    Cell::Text(a.date.to_string()),
                    Cell::Text(a.status),
                    text(a.note),
                ])
                .map_err(ExportError::Sink)?;
                count += 1;
            }
        }
        Ok(count)
    }
}
