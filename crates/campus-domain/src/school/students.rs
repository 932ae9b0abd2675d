//! Student records: create, read, list, update, delete.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use serde_json::json;

use campus_db::entities::students;

use super::error::SchoolError;
use super::model::{Checks, Student, StudentInput, StudentPatch, StudentStatus};
use super::policy::{self, Access};
use super::repo::{self, Visible};
use super::service::School;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::roles::{RoleSet, SchoolStaff};
use crate::identity::{Principal, Role};
use crate::pagination::{Page, PageRequest};

/// Filters of the student list; all optional.
#[derive(Debug, Clone, Default)]
pub struct StudentFilter {
    pub class_level: Option<i32>,
    pub section: Option<String>,
    pub status: Option<StudentStatus>,
    /// Prefix of the name.
    pub name: Option<String>,
}

impl StudentFilter {
    /// Narrows a student query by every filter that is set (lists and exports share it).
    pub(crate) fn apply(
        &self,
        mut q: sea_orm::Select<students::Entity>,
    ) -> sea_orm::Select<students::Entity> {
        if let Some(c) = self.class_level {
            q = q.filter(students::Column::ClassLevel.eq(c));
        }
        if let Some(s) = &self.section {
            q = q.filter(students::Column::Section.eq(s.as_str()));
        }
        if let Some(s) = self.status {
            q = q.filter(students::Column::Status.eq(s.as_str()));
        }
        if let Some(n) = self.name.as_deref().filter(|n| !n.is_empty()) {
            q = q.filter(students::Column::Name.like(crate::search::like_prefix(n)));
        }
        q
    }
}

impl School {
    pub async fn create_student(
        &self,
        who: &Principal,
        input: StudentInput,
        meta: &RequestMeta,
    ) -> Result<Student, SchoolError> {
        if !policy::role_allows(who.role, Access::Write) {
            return Err(SchoolError::Forbidden);
        }
        let mut c = Checks::default();
        let name = c.required("name", Some(input.name), 200);
        let roll = c.text("roll_number", input.roll_number, 50);
        let section = c.text("section", input.section, 20);
        let gender = c.text("gender", input.gender, 50);
        let address = c.text("address", input.address, 500);
        let contact = c.text("contact_number", input.contact_number, 30);
        let guardian_name = c.text("guardian_name", input.guardian_name, 200);
        let guardian_contact = c.text("guardian_contact", input.guardian_contact, 100);
        let class_level = c.class_level(input.class_level);
        let dob = c.date_of_birth(input.date_of_birth);
        let status = c.status(input.status).unwrap_or(StudentStatus::Active);
        c.finish()?;
        if let Some(user_id) = input.user_id {
            match repo::account_role(&self.db, user_id).await? {
                None => return Err(SchoolError::invalid("user_id", "not_found", "no such user")),
                Some(role) if role != Role::Student.as_str() => {
                    return Err(SchoolError::invalid(
                        "user_id",
                        "invalid_choice",
                        "must be a user with the student role",
                    ));
                }
                Some(_) => {}
            }
            if repo::student_of_user(&self.db, user_id).await?.is_some() {
                return Err(SchoolError::Conflict("That user already has a student record."));
            }
        }
        if let Some(r) = &roll
            && repo::roll_taken(&self.db, r).await?
        {
            return Err(SchoolError::Conflict(
                "A student with this roll number already exists.",
            ));
        }
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        let provisional = roll
            .clone()
            .unwrap_or_else(|| format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let mut model = students::ActiveModel {
            user_id: Set(input.user_id),
            roll_number: Set(provisional),
            name: Set(name),
            class_level: Set(class_level),
            section: Set(section),
            date_of_birth: Set(dob),
            gender: Set(gender),
            address: Set(address),
            contact_number: Set(contact),
            guardian_name: Set(guardian_name),
            guardian_contact: Set(guardian_contact),
            status: Set(status.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(conflict)?;
        if roll.is_none() {
            // No roll number given: number the student by id.
            let id = model.id;
            let mut active = model.into_active_model();
            active.roll_number = Set(format!("S{id:05}"));
            model = active.update(&txn).await.map_err(conflict)?;
        }
        let student = Student::from(model);
        audit::record(
            &txn,
            meta,
            AuditEntry::new("student.created")
                .actor(Some(who.user_id))
                .target("student", student.id)
                .after(json!(student)),
        )
        .await?;
        txn.commit().await?;
        Ok(student)
    }

    /// One student, if `who` may see it. Staff reads are audited (who viewed this child).
    pub async fn student(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<Student, SchoolError> {
        let model = policy::check_read(self.reads(), who, id, Access::ReadRecord).await?;
        if SchoolStaff::contains(who.role) {
            audit::record(
                &self.db,
                meta,
                AuditEntry::new("student.viewed")
                    .actor(Some(who.user_id))
                    .target("student", id),
            )
            .await?;
        }
        Ok(model.into())
    }

    /// Students `who` may see, filtered, in id order.
    pub async fn list_students(
        &self,
        who: &Principal,
        filter: &StudentFilter,
        page: PageRequest,
    ) -> Result<Page<Student>, SchoolError> {
        if !policy::role_allows(who.role, Access::ReadRecord) {
            return Err(SchoolError::Forbidden);
        }
        let visible = match who.role {
            Role::Parent => Visible::ChildrenOf(who.user_id),
            Role::Student => Visible::OwnRecordOf(who.user_id),
            _ => Visible::Every,
        };
        let rows = repo::students(self.reads(), visible, filter, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Student::from))
    }

    pub async fn update_student(
        &self,
        who: &Principal,
        id: i64,
        patch: StudentPatch,
        meta: &RequestMeta,
    ) -> Result<Student, SchoolError> {
        policy::check(&self.db, who, id, Access::Write).await?;
        let model = repo::student(&self.db, id).await?.ok_or(SchoolError::NotFound)?;
        let before = Student::from(model.clone());
        let mut c = Checks::default();
        let mut a = model.into_active_model();
        if let Some(v) = patch.roll_number {
            a.roll_number = Set(c.required("roll_number", Some(v), 50));
        }
        if let Some(v) = patch.name {
            a.name = Set(c.required("name", Some(v), 200));
        }
        if let Some(v) = patch.class_level {
            a.class_level = Set(c.class_level(v));
        }
        if let Some(v) = patch.date_of_birth {
            a.date_of_birth = Set(c.date_of_birth(v));
        }
        for (field, value, max, slot) in [
            ("section", patch.section, 20, &mut a.section),
            ("gender", patch.gender, 50, &mut a.gender),
            ("address", patch.address, 500, &mut a.address),
            ("contact_number", patch.contact_number, 30, &mut a.contact_number),
            ("guardian_name", patch.guardian_name, 200, &mut a.guardian_name),
            (
                "guardian_contact",
                patch.guardian_contact,
                100,
                &mut a.guardian_contact,
            ),
        ] {
            if let Some(v) = value {
                *slot = Set(c.text(field, v, max));
            }
        }
        if let Some(s) = c.status(patch.status) {
            a.status = Set(s.as_str().to_owned());
        }
        c.finish()?;
        a.updated_at = Set(Utc::now());
        let txn = campus_db::begin_write(&self.db).await?;
        let after = Student::from(a.update(&txn).await.map_err(conflict)?);
        audit::record(
            &txn,
            meta,
            AuditEntry::new("student.updated")
                .actor(Some(who.user_id))
                .target("student", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Deletes a student with their grades, attendance and guardianships (admins only).
    pub async fn delete_student(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<(), SchoolError> {
        policy::check(&self.db, who, id, Access::Delete).await?;
        let model = repo::student(&self.db, id).await?.ok_or(SchoolError::NotFound)?;
        let before = Student::from(model.clone());
        let txn = campus_db::begin_write(&self.db).await?;
        if repo::has_ledger_entries(&txn, id).await? {
            return Err(SchoolError::Conflict(
                "The student has ledger entries and cannot be deleted; set their status to withdrawn instead.",
            ));
        }
        // Enrollments without money history (none exist today: every enrollment is charged).
        repo::delete_student(&txn, model).await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("student.deleted")
                .actor(Some(who.user_id))
                .target("student", id)
                .before(json!(before)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A unique violation that raced past the pre-checks.
pub(crate) fn conflict(err: sea_orm::DbErr) -> SchoolError {
    match campus_db::constraint_violation(&err) {
        Some(campus_db::ConstraintKind::Unique) => {
            SchoolError::Conflict("A record with the same unique value already exists.")
        }
        _ => SchoolError::Db(err),
    }
}
