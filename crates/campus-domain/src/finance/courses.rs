//! Courses: public catalogue; admins and finance staff maintain it. A course with enrollments
//! cannot be deleted (its charges would lose their meaning); deactivate it instead.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use campus_db::entities::{courses, enrollments};

use super::error::FinanceError;
use super::model::Course;
use super::policy::is_finance_staff;
use super::{Finance, money};
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::identity::Principal;
use crate::validation::FieldIssue;

#[derive(Debug, Clone, Default)]
pub struct CourseInput {
    pub code: String,
    pub name: String,
    pub credits: i32,
    pub fee_cents: i64,
    pub description: Option<String>,
}

/// Changes to a course; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub name: Option<String>,
    pub credits: Option<i32>,
    pub fee_cents: Option<i64>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

fn check_text(issues: &mut Vec<FieldIssue>, field: &'static str, value: &str, max: usize) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        issues.push(FieldIssue::new(field, "required", "is required"));
    } else if v.chars().count() > max || v.chars().any(char::is_control) {
        issues.push(FieldIssue::new(
            field,
            "invalid_format",
            format!("must be at most {max} printable characters"),
        ));
    }
    v
}

fn check_numbers(issues: &mut Vec<FieldIssue>, credits: Option<i32>, fee: Option<i64>) {
    if credits.is_some_and(|c| !(0..=100).contains(&c)) {
        issues.push(FieldIssue::new(
            "credits",
            "out_of_range",
            "must be between 0 and 100",
        ));
    }
    if fee.is_some_and(|f| !(0..=money::MAX_CENTS).contains(&f)) {
        issues.push(FieldIssue::new(
            "fee",
            "out_of_range",
            "must be between 0 and 100000000000",
        ));
    }
}

impl Finance {
    pub async fn courses(&self, include_inactive: bool) -> Result<Vec<Course>, FinanceError> {
        let mut q = courses::Entity::find();
        if !include_inactive {
            q = q.filter(courses::Column::Active.eq(true));
        }
        let rows = q.order_by_asc(courses::Column::Id).all(&self.db).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn course(&self, id: i64) -> Result<Course, FinanceError> {
        courses::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(Into::into)
            .ok_or(FinanceError::NotFound("Course"))
    }

    pub async fn create_course(
        &self,
        who: &Principal,
        input: CourseInput,
        meta: &RequestMeta,
    ) -> Result<Course, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let mut issues = Vec::new();
        let code = check_text(&mut issues, "code", &input.code, 50);
        let name = check_text(&mut issues, "name", &input.name, 150);
        check_numbers(&mut issues, Some(input.credits), Some(input.fee_cents));
        let description = input
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        if description.as_ref().is_some_and(|d| d.chars().count() > 5000) {
            issues.push(FieldIssue::new(
                "description",
                "too_long",
                "must be at most 5000 characters",
            ));
        }
        if !issues.is_empty() {
            return Err(FinanceError::Invalid(issues));
        }
        if courses::Entity::find()
            .filter(courses::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            .is_some()
        {
            return Err(FinanceError::Conflict("Course ID already exists"));
        }
        let now = Utc::now();
        let txn = campus_db::begin_write(&self.db).await?;
        let course = Course::from(
            courses::ActiveModel {
                code: Set(code),
                name: Set(name),
                credits: Set(input.credits),
                fee_cents: Set(input.fee_cents),
                description: Set(description),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unique_code)?,
        );
        audit::record(
            &txn,
            meta,
            AuditEntry::new("course.created")
                .actor(Some(who.user_id))
                .target("course", course.id)
                .after(json!(course)),
        )
        .await?;
        txn.commit().await?;
        Ok(course)
    }

    pub async fn update_course(
        &self,
        who: &Principal,
        id: i64,
        patch: CoursePatch,
        meta: &RequestMeta,
    ) -> Result<Course, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let model = courses::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(FinanceError::NotFound("Course"))?;
        let before = Course::from(model.clone());
        let mut issues = Vec::new();
        check_numbers(&mut issues, patch.credits, patch.fee_cents);
        let mut a = model.into_active_model();
        if let Some(name) = patch.name {
            a.name = Set(check_text(&mut issues, "name", &name, 150));
        }
        if let Some(c) = patch.credits {
            a.credits = Set(c);
        }
        if let Some(f) = patch.fee_cents {
            a.fee_cents = Set(f);
        }
        if let Some(d) = patch.description {
            a.description = Set(d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()));
        }
        if let Some(active) = patch.active {
            a.active = Set(active);
        }
        if !issues.is_empty() {
            return Err(FinanceError::Invalid(issues));
        }
        a.updated_at = Set(Utc::now());
        let txn = campus_db::begin_write(&self.db).await?;
        let after = Course::from(a.update(&txn).await?);
        audit::record(
            &txn,
            meta,
            AuditEntry::new("course.updated")
                .actor(Some(who.user_id))
                .target("course", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Deletes a course without enrollments; with enrollments: 409 (enrollments are money records).
    pub async fn delete_course(
        &self,
        who: &Principal,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<Course, FinanceError> {
        if !is_finance_staff(who.role) {
            return Err(FinanceError::Forbidden);
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let model = courses::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(FinanceError::NotFound("Course"))?;
        let enrolled = enrollments::Entity::find()
            .filter(enrollments::Column::CourseId.eq(id))
            .count(&txn)
            .await?;
        if enrolled > 0 {
            return Err(FinanceError::Conflict(
                "Course has enrollments and cannot be deleted; deactivate it instead",
            ));
        }
        let course = Course::from(model.clone());
        model.delete(&txn).await?;
        audit::record(
            &txn,
            meta,
            AuditEntry::new("course.deleted")
                .actor(Some(who.user_id))
                .target("course", id)
                .before(json!(course)),
        )
        .await?;
        txn.commit().await?;
        Ok(course)
    }
}

fn unique_code(e: sea_orm::DbErr) -> FinanceError {
    match campus_db::constraint_violation(&e) {
        Some(campus_db::ConstraintKind::Unique) => FinanceError::Conflict("Course ID already exists"),
        _ => FinanceError::Db(e),
    }
}
