//! How a roster row becomes a student record: the parsed row, the fields it gives, a new
//! record from it, and the changes it makes to an existing one.

use chrono::Utc;
use sea_orm::ActiveValue::Set;

use campus_db::entities::students;

use crate::school::model::{Checks, StudentStatus};
use crate::validation::FieldIssue;

/// One valid row.
#[derive(Debug)]
pub(super) struct Parsed {
    pub row: usize,
    pub roll: String,
    pub name: String,
    pub class_level: Option<i32>,
    pub text: [(&'static str, Option<String>); 7],
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub status: Option<StudentStatus>,
    pub guardian: Option<(String, Option<String>)>,
}

pub(super) fn parse_number(c: &mut Checks, field: &'static str, text: Option<&str>) -> Option<i32> {
    let text = text?;
    match text.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            c.0.push(FieldIssue::new(
                field,
                "invalid_format",
                format!("`{text}` is not a whole number"),
            ));
            None
        }
    }
}

pub(super) fn given_fields(p: &Parsed) -> Vec<&'static str> {
    let mut fields = vec!["roll_number", "name"];
    if p.class_level.is_some() {
        fields.push("class_level");
    }
    if p.date_of_birth.is_some() {
        fields.push("date_of_birth");
    }
    fields.extend(
        p.text
            .iter()
            .filter(|(f, v)| v.is_some() && *f != "guardian_relationship")
            .map(|(f, _)| *f),
    );
    if p.status.is_some() {
        fields.push("status");
    }
    fields
}

pub(super) fn new_model(p: &Parsed, now: chrono::DateTime<Utc>) -> students::ActiveModel {
    let t = |i: usize| p.text[i].1.clone();
    students::ActiveModel {
        user_id: Set(None),
        roll_number: Set(p.roll.clone()),
        name: Set(p.name.clone()),
        class_level: Set(p.class_level),
        section: Set(t(0)),
        date_of_birth: Set(p.date_of_birth),
        gender: Set(t(1)),
        address: Set(t(2)),
        contact_number: Set(t(3)),
        guardian_name: Set(t(4)),
        guardian_contact: Set(t(5)),
        status: Set(p.status.unwrap_or(StudentStatus::Active).as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The fields `p` changes on `old`, and the update that applies them.
pub(super) fn diff(
    old: &students::Model,
    p: &Parsed,
    now: chrono::DateTime<Utc>,
) -> (Vec<&'static str>, students::ActiveModel) {
    let mut fields = Vec::new();
    let mut a = students::ActiveModel {
        id: Set(old.id),
        ..Default::default()
    };
    if old.name != p.name {
        fields.push("name");
        a.name = Set(p.name.clone());
    }
    if p.class_level.is_some() && old.class_level != p.class_level {
        fields.push("class_level");
        a.class_level = Set(p.class_level);
    }
    if p.date_of_birth.is_some() && old.date_of_birth != p.date_of_birth {
        fields.push("date_of_birth");
        a.date_of_birth = Set(p.date_of_birth);
    }
    let slots = [
        (&old.section, &mut a.section),
        (&old.gender, &mut a.gender),
        (&old.address, &mut a.address),
        (&old.contact_number, &mut a.contact_number),
        (&old.guardian_name, &mut a.guardian_name),
        (&old.guardian_contact, &mut a.guardian_contact),
    ];
    for (i, (old_value, slot)) in slots.into_iter().enumerate() {
        let (field, new_value) = &p.text[i];
        if new_value.is_some() && old_value != new_value {
            fields.push(*field);
            *slot = Set(new_value.clone());
        }
    }
    if let Some(s) = p.status
        && old.status != s.as_str()
    {
        fields.push("status");
        a.status = Set(s.as_str().to_owned());
    }
    if !fields.is_empty() {
        a.updated_at = Set(now);
    }
    (fields, a)
}
