//! School-record queries: students, the accounts linked to them, guardianships, and the reads
//! of grades, activities and attendance. Each takes any connection, so it runs inside the
//! caller's transaction. (Writes of one loaded row go through its ActiveModel in the operation;
//! attendance's upsert keeps its locking read beside the savepoint it belongs to.)

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use chrono::NaiveDate;

use campus_db::entities::{
    activities, attendance, enrollments, grades, guardianships, ledger_entries, student_balances, students,
    users,
};

use campus_db::Reads;

use super::students::StudentFilter;
use crate::pagination::PageRequest;

/// Student `id`.
pub async fn student(conn: &impl ConnectionTrait, id: i64) -> Result<Option<students::Model>, DbErr> {
    students::Entity::find_by_id(id).one(conn).await
}

/// The student record linked to account `user_id`.
pub async fn student_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<students::Model>, DbErr> {
    students::Entity::find()
        .filter(students::Column::UserId.eq(user_id))
        .one(conn)
        .await
}

/// Whether a student has roll number `roll`.
pub async fn roll_taken(conn: &impl ConnectionTrait, roll: &str) -> Result<bool, DbErr> {
    Ok(students::Entity::find()
        .filter(students::Column::RollNumber.eq(roll))
        .one(conn)
        .await?
        .is_some())
}

/// The role (as stored) of account `user_id`, if it exists.
pub async fn account_role(conn: &impl ConnectionTrait, user_id: i64) -> Result<Option<String>, DbErr> {
    Ok(users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .map(|u| u.role))
}

/// Whose students a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Visible {
    Every,
    /// The students a parent is linked to.
    ChildrenOf(i64),
    /// The student record of an account.
    OwnRecordOf(i64),
}

/// Students visible as `visible`, narrowed by `filter`, after the cursor in id order,
/// `limit + 1` rows.
pub async fn students(
    reads: Reads<'_>,
    visible: Visible,
    filter: &StudentFilter,
    page: PageRequest,
) -> Result<Vec<students::Model>, DbErr> {
    let mut q = students::Entity::find();
    match visible {
        Visible::ChildrenOf(parent) => {
            let linked = Query::select()
                .column(guardianships::Column::StudentId)
                .from(guardianships::Entity)
                .and_where(guardianships::Column::ParentUserId.eq(parent))
                .to_owned();
            q = q.filter(students::Column::Id.in_subquery(linked));
        }
        Visible::OwnRecordOf(user) => q = q.filter(students::Column::UserId.eq(user)),
        Visible::Every => {}
    }
    q = filter.apply(q);
    if let Some(after) = page.after_id {
        q = q.filter(students::Column::Id.gt(after));
    }
    reads
        .all_up_to(q.order_by_asc(students::Column::Id), page.limit + 1)
        .await
}

/// Whether student `id` has money history (which is never deleted).
pub async fn has_ledger_entries(conn: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    Ok(ledger_entries::Entity::find()
        .filter(ledger_entries::Column::StudentId.eq(id))
        .one(conn)
        .await?
        .is_some())
}

/// Deletes a student with what hangs off it (grades, attendance and guardianships go by
/// foreign-key cascade; enrollments and the balance row here).
pub async fn delete_student(conn: &impl ConnectionTrait, model: students::Model) -> Result<(), DbErr> {
    let id = model.id;
    enrollments::Entity::delete_many()
        .filter(enrollments::Column::StudentId.eq(id))
        .exec(conn)
        .await?;
    student_balances::Entity::delete_many()
        .filter(student_balances::Column::StudentId.eq(id))
        .exec(conn)
        .await?;
    model.delete(conn).await?;
    Ok(())
}

/// Whether parent account `parent_user_id` is linked to student `student_id`.
pub async fn is_guardian(
    conn: &impl ConnectionTrait,
    parent_user_id: i64,
    student_id: i64,
) -> Result<bool, DbErr> {
    Ok(guardianships::Entity::find()
        .filter(guardianships::Column::ParentUserId.eq(parent_user_id))
        .filter(guardianships::Column::StudentId.eq(student_id))
        .count(conn)
        .await?
        > 0)
}

/// [`is_guardian`] on the read path (direct on SQLite).
pub async fn guardian_link(reads: Reads<'_>, parent_user_id: i64, student_id: i64) -> Result<bool, DbErr> {
    Ok(reads
        .one(
            guardianships::Entity::find()
                .filter(guardianships::Column::ParentUserId.eq(parent_user_id))
                .filter(guardianships::Column::StudentId.eq(student_id)),
        )
        .await?
        .is_some())
}

/// A student's guardianships, oldest first, each with its parent account if it still exists.
pub async fn guardians_of(
    conn: &impl ConnectionTrait,
    student_id: i64,
) -> Result<Vec<(guardianships::Model, users::Model)>, DbErr> {
    let links = guardianships::Entity::find()
        .filter(guardianships::Column::StudentId.eq(student_id))
        .order_by_asc(guardianships::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(links.len());
    for link in links {
        if let Some(user) = users::Entity::find_by_id(link.parent_user_id).one(conn).await? {
            out.push((link, user));
        }
    }
    Ok(out)
}

/// Inserts a guardianship.
pub async fn link_guardian(
    conn: &impl ConnectionTrait,
    link: guardianships::ActiveModel,
) -> Result<(), DbErr> {
    link.insert(conn).await?;
    Ok(())
}

/// Removes a guardianship; `false` when there was none.
pub async fn unlink_guardian(
    conn: &impl ConnectionTrait,
    student_id: i64,
    parent_user_id: i64,
) -> Result<bool, DbErr> {
    let result = guardianships::Entity::delete_many()
        .filter(guardianships::Column::StudentId.eq(student_id))
        .filter(guardianships::Column::ParentUserId.eq(parent_user_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// A student's grades, oldest first.
pub async fn grades_of(reads: Reads<'_>, student_id: i64) -> Result<Vec<grades::Model>, DbErr> {
    reads
        .all(
            grades::Entity::find()
                .filter(grades::Column::StudentId.eq(student_id))
                .order_by_asc(grades::Column::Id),
        )
        .await
}

/// The grades of several students in one subject and term (no term: grades without one).
pub async fn grades_in(
    conn: &impl ConnectionTrait,
    student_ids: &[i64],
    subject: &str,
    term: Option<&str>,
) -> Result<Vec<grades::Model>, DbErr> {
    let q = grades::Entity::find()
        .filter(grades::Column::StudentId.is_in(student_ids.iter().copied()))
        .filter(grades::Column::Subject.eq(subject));
    let q = match term {
        Some(t) => q.filter(grades::Column::Term.eq(t)),
        None => q.filter(grades::Column::Term.is_null()),
    };
    q.order_by_asc(grades::Column::Id).all(conn).await
}

/// Grade `id`.
pub async fn grade(conn: &impl ConnectionTrait, id: i64) -> Result<Option<grades::Model>, DbErr> {
    grades::Entity::find_by_id(id).one(conn).await
}

/// A student's activities, oldest first.
pub async fn activities_of(reads: Reads<'_>, student_id: i64) -> Result<Vec<activities::Model>, DbErr> {
    reads
        .all(
            activities::Entity::find()
                .filter(activities::Column::StudentId.eq(student_id))
                .order_by_asc(activities::Column::Id),
        )
        .await
}

/// Activity `id`.
pub async fn activity(conn: &impl ConnectionTrait, id: i64) -> Result<Option<activities::Model>, DbErr> {
    activities::Entity::find_by_id(id).one(conn).await
}

/// The marks of several students on one date.
pub async fn attendance_on(
    conn: &impl ConnectionTrait,
    student_ids: &[i64],
    date: NaiveDate,
) -> Result<Vec<attendance::Model>, DbErr> {
    attendance::Entity::find()
        .filter(attendance::Column::StudentId.is_in(student_ids.iter().copied()))
        .filter(attendance::Column::Date.eq(date))
        .all(conn)
        .await
}

/// A student's attendance marks between two dates (inclusive, either open), by date.
pub async fn attendance_of(
    reads: Reads<'_>,
    student_id: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<attendance::Model>, DbErr> {
    let mut q = attendance::Entity::find().filter(attendance::Column::StudentId.eq(student_id));
    if let Some(f) = from {
        q = q.filter(attendance::Column::Date.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(attendance::Column::Date.lte(t));
    }
    reads.all(q.order_by_asc(attendance::Column::Date)).await
}
