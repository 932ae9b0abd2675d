//! Students: upsert by `roll_number`. An empty cell leaves the stored value as it is (a sheet
//! with only some columns updates only those). Guardian columns create parent accounts (no
//! password until an administrator sets one) and link them to the student.

use std::collections::{HashMap, HashSet};

use campus_tabular::Row;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use campus_db::entities::{guardianships, students, users};

use super::columns::{ColumnMap, ColumnSpec};
use super::student_rows::{Parsed, diff, given_fields, new_model, parse_number};
use super::{ImportError, ImportReport};
use crate::identity::password::NO_PASSWORD;
use crate::identity::{Email, Role, repo};
use crate::school::model::Checks;
use crate::validation::FieldIssue;

pub(super) const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("roll_number").aka(&["roll", "roll_no"]),
    ColumnSpec::required("name"),
    ColumnSpec::optional("class_level").aka(&["class", "grade_level"]),
    ColumnSpec::optional("section"),
    ColumnSpec::optional("date_of_birth").aka(&["dob"]),
    ColumnSpec::optional("gender"),
    ColumnSpec::optional("address"),
    ColumnSpec::optional("contact_number").aka(&["contact", "phone"]),
    ColumnSpec::optional("guardian_name"),
    ColumnSpec::optional("guardian_contact"),
    ColumnSpec::optional("status"),
    ColumnSpec::optional("guardian_email").aka(&["parent_email"]),
    ColumnSpec::optional("guardian_relationship").aka(&["relationship"]),
];

/// A guardian email's account, as the import treats it.
#[derive(Debug, Clone, Copy)]
enum GuardianAccount {
    /// One the school made (an earlier import's, still without a password), or none yet:
    /// linked, and created when missing.
    Linkable(Option<i64>),
    /// A parent account someone set up themself (or took over): never linked by email alone.
    SetUpElsewhere,
    /// Not a parent account: the row fails.
    NotAParent,
}

#[derive(Debug)]
pub(super) struct StudentImport {
    map: ColumnMap,
    /// Roll numbers seen so far, with their row.
    seen: HashMap<String, usize>,
    /// Parent emails already created (or planned, on a dry run) by this import.
    parents: HashMap<String, Option<i64>>,
}

impl StudentImport {
    pub fn new(map: ColumnMap) -> Self {
        Self {
            map,
            seen: HashMap::new(),
            parents: HashMap::new(),
        }
    }

    fn parse(&mut self, row: &Row) -> Result<Parsed, Vec<FieldIssue>> {
        let m = &self.map;
        let mut c = Checks::default();
        let cell = |col: &str| m.get(row, col).map(str::to_owned);
        let roll = c.required("roll_number", cell("roll_number"), 50);
        let name = c.required("name", cell("name"), 200);
        let class_level = parse_number(&mut c, "class_level", m.get(row, "class_level"));
        let class_level = c.class_level(class_level);
        let date_of_birth = match m.get(row, "date_of_birth") {
            None => None,
            Some(text) => match super::parse_date(text) {
                Some(d) => c.date_of_birth(Some(d)),
                None => {
                    c.0.push(FieldIssue::new(
                        "date_of_birth",
                        "invalid_format",
                        format!("`{text}` is not a date like 2015-04-03"),
                    ));
                    None
                }
            },
        };
        let text = [
            ("section", 20),
            ("gender", 50),
            ("address", 500),
            ("contact_number", 30),
            ("guardian_name", 200),
            ("guardian_contact", 100),
            ("guardian_relationship", 50),
        ]
        .map(|(field, max)| (field, c.text(field, cell(field), max)));
        let status = c.status(cell("status"));
        let relationship = text[6].1.clone();
        let guardian = match m.get(row, "guardian_email") {
            None => None,
            Some(cell_text) => match Email::parse(cell_text) {
                Ok(email) => Some((email.into_string(), relationship)),
                Err(reason) => {
                    c.0.push(FieldIssue::new(
                        "guardian_email",
                        "invalid_format",
                        format!("`{cell_text}` {reason}"),
                    ));
                    None
                }
            },
        };
        for (field, value) in [("roll_number", Some(&roll)), ("name", Some(&name))]
            .into_iter()
            .chain(text.iter().map(|(f, v)| (*f, v.as_ref())))
        {
            super::refuse_formula(&mut c, field, value.map(String::as_str));
        }
        if let Some(first) = self.seen.get(&roll) {
            c.0.push(FieldIssue::new(
                "roll_number",
                "duplicate",
                format!("roll number {roll} is also on row {first}"),
            ));
        }
        if c.0.is_empty() {
            self.seen.insert(roll.clone(), row.number);
            Ok(Parsed {
                row: row.number,
                roll,
                name,
                class_level,
                text,
                date_of_birth,
                status,
                guardian,
            })
        } else {
            Err(c.0)
        }
    }

    pub async fn batch(
        &mut self,
        conn: &impl ConnectionTrait,
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
        let rolls: Vec<&str> = parsed.iter().map(|p| p.roll.as_str()).collect();
        let existing: HashMap<String, students::Model> = students::Entity::find()
            .filter(students::Column::RollNumber.is_in(rolls))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.roll_number.clone(), s))
            .collect();
        let parents = self.known_parents(conn, &parsed, report).await?;
        // Rows whose guardian turned out to be unusable were failed; drop them.
        parsed.retain(|p| {
            p.guardian
                .as_ref()
                .is_none_or(|(email, _)| !matches!(parents.get(email), Some(GuardianAccount::NotAParent)))
        });
        let now = Utc::now();
        let mut inserts = Vec::new();
        let mut student_ids: HashMap<String, i64> = HashMap::new();
        for p in &parsed {
            match existing.get(&p.roll) {
                None => {
                    report.added(p.row, p.roll.clone(), given_fields(p));
                    inserts.push(new_model(p, now));
                }
                Some(old) => {
                    student_ids.insert(p.roll.clone(), old.id);
                    let (fields, model) = diff(old, p, now);
                    report.changed(p.row, p.roll.clone(), fields.clone());
                    if write && !fields.is_empty() {
                        students::Entity::update(model).exec(conn).await?;
                    }
                }
            }
        }
        if write && !inserts.is_empty() {
            let new_rolls: Vec<String> = inserts
                .iter()
                .filter_map(|m| match &m.roll_number {
                    Set(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            students::Entity::insert_many(inserts)
                .exec_without_returning(conn)
                .await?;
            let ids: Vec<(i64, String)> = students::Entity::find()
                .select_only()
                .column(students::Column::Id)
                .column(students::Column::RollNumber)
                .filter(students::Column::RollNumber.is_in(new_rolls))
                .into_tuple()
                .all(conn)
                .await?;
            student_ids.extend(ids.into_iter().map(|(id, roll)| (roll, id)));
        }
        self.link_guardians(conn, &parsed, &student_ids, &parents, write, report)
            .await
    }

    /// What each guardian email of the batch is (rows naming a non-parent are failed here;
    /// rows naming an account someone else set up import without the link, reported).
    async fn known_parents(
        &self,
        conn: &impl ConnectionTrait,
        parsed: &[Parsed],
        report: &mut ImportReport,
    ) -> Result<HashMap<String, GuardianAccount>, ImportError> {
        let emails: HashSet<&str> = parsed
            .iter()
            .filter_map(|p| p.guardian.as_ref().map(|(e, _)| e.as_str()))
            .collect();
        let mut out: HashMap<String, GuardianAccount> = HashMap::new();
        if emails.is_empty() {
            return Ok(out);
        }
        let found: Vec<(i64, Option<String>, String, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Email)
            .column(users::Column::Role)
            .column(users::Column::PasswordHash)
            .filter(users::Column::Email.is_in(emails.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, email, role, hash) in found {
            let Some(email) = email else { continue };
            let parent = if role != Role::Parent.as_str() {
                GuardianAccount::NotAParent
            } else if hash == NO_PASSWORD {
                // Created by an import and not yet taken over: the school made it.
                GuardianAccount::Linkable(Some(id))
            } else {
                GuardianAccount::SetUpElsewhere
            };
            out.insert(email, parent);
        }
        for email in emails {
            if !out.contains_key(email) {
                out.insert(
                    email.to_owned(),
                    GuardianAccount::Linkable(self.parents.get(email).copied().flatten()),
                );
            }
        }
        for p in parsed {
            let Some((email, _)) = &p.guardian else { continue };
            match out.get(email) {
                Some(GuardianAccount::NotAParent) => report.fail_one(
                    p.row,
                    "guardian_email",
                    "invalid_choice",
                    format!("{email} belongs to an account that is not a parent account"),
                ),
                Some(GuardianAccount::SetUpElsewhere) => report.hold_link(
                    p.row,
                    format!(
                        "{email} belongs to an existing account the school did not create; \
                         check it is this student's guardian and link it by hand"
                    ),
                ),
                _ => {}
            }
        }
        Ok(out)
    }

    async fn link_guardians(
        &mut self,
        conn: &impl ConnectionTrait,
        parsed: &[Parsed],
        student_ids: &HashMap<String, i64>,
        parents: &HashMap<String, GuardianAccount>,
        write: bool,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let with_guardian: Vec<&Parsed> = parsed.iter().filter(|p| p.guardian.is_some()).collect();
        if with_guardian.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = with_guardian
            .iter()
            .filter_map(|p| student_ids.get(&p.roll).copied())
            .collect();
        let mut links: HashSet<(i64, i64)> = guardianships::Entity::find()
            .select_only()
            .column(guardianships::Column::ParentUserId)
            .column(guardianships::Column::StudentId)
            .filter(guardianships::Column::StudentId.is_in(ids))
            .into_tuple()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        for p in with_guardian {
            let Some((email, relationship)) = &p.guardian else {
                continue;
            };
            let mut parent = match parents.get(email) {
                Some(GuardianAccount::Linkable(id)) => *id,
                _ => continue,
            };
            parent = parent.or_else(|| self.parents.get(email).copied().flatten());
            if parent.is_none() && !self.parents.contains_key(email) {
                report.parents_created += 1;
                let name = p.text[4].1.clone().unwrap_or_else(|| email.clone());
                let id = if write {
                    Some(repo::insert_without_password(conn, email, &name, Role::Parent).await?)
                } else {
                    None
                };
                self.parents.insert(email.clone(), id);
                parent = id;
            }
            let student = student_ids.get(&p.roll).copied();
            match (parent, student) {
                (Some(parent), Some(student)) if links.contains(&(parent, student)) => {}
                (Some(parent), Some(student)) if write => {
                    guardianships::ActiveModel {
                        parent_user_id: Set(parent),
                        student_id: Set(student),
                        relationship: Set(relationship.clone()),
                        may_receive_notices: Set(true),
                        created_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(conn)
                    .await?;
                    links.insert((parent, student));
                    report.guardians_linked += 1;
                }
                // A dry run: the parent or the student does not exist yet, or the link is new.
                _ => report.guardians_linked += 1,
            }
        }
        Ok(())
    }
}
