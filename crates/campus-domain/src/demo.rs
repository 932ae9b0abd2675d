//! Demo and benchmark data: `campus seed --demo` loads seed 000's ten marks rows, its lookups
//! and `APP_INTRO` document, plus a small demo school; `campus seed --size N` generates a large
//! synthetic school for benchmarks (bulk inserts, no audit rows: it is not real activity).

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use campus_db::entities::{grades, students};

use crate::RequestMeta;
use crate::content::{Content, MarkColumn};
use crate::identity::{Identity, IdentityError, Principal, Registration, Role};
use crate::school::{GradeInput, School, SchoolError, StudentInput};

/// Seed 000's marks rows: (roll, name, subject, class, marks).
pub const NURTURE_MARKS: [(i64, &str, &str, i32, i32); 10] = [
    (101, "Arnav", "Science", 1, 88),
    (102, "Sonakshi", "Science", 1, 92),
    (103, "Roy", "English", 2, 85),
    (104, "Sanya", "Maths", 2, 91),
    (105, "Rahul", "Science", 1, 76),
    (106, "Riya", "English", 3, 89),
    (107, "Aman", "Maths", 3, 90),
    (108, "Neha", "Science", 2, 83),
    (109, "Tushar", "English", 1, 78),
    (110, "Kriti", "Maths", 2, 95),
];

/// Demo accounts: (username, email, name, role, password). `admin`/`admin123` is seed 002's.
pub const DEMO_USERS: [(&str, &str, &str, Role, &str); 4] = [
    (
        "admin",
        "admin@demo.campus",
        "Demo Administrator",
        Role::Admin,
        "admin123",
    ),
    (
        "teacher",
        "teacher@demo.campus",
        "Demo Teacher",
        Role::Teacher,
        "Teacher!2026",
    ),
    (
        "parent",
        "parent@demo.campus",
        "Demo Parent",
        Role::Parent,
        "Parent!2026",
    ),
    (
        "finance",
        "finance@demo.campus",
        "Demo Finance Officer",
        Role::Finance,
        "Finance!2026",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    School(#[from] SchoolError),
    #[error(transparent)]
    Content(#[from] crate::content::ContentError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What `load_demo` did.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub users_created: Vec<&'static str>,
    pub students_created: usize,
    pub already_loaded: bool,
}

/// Loads the demo data; running it again changes nothing.
pub async fn load_demo(identity: &Identity, school: &School) -> Result<DemoReport, DemoError> {
    let meta = RequestMeta {
        user_agent: Some("campus seed --demo".to_owned()),
        ..RequestMeta::default()
    };
    let mut report = DemoReport::default();
    let mut ids = Vec::new();
    for (username, email, name, role, password) in DEMO_USERS {
        let user = match identity.find_by_identifier(username).await? {
            Some(u) => u,
            None => {
                let r = Registration {
                    username: Some(username.to_owned()),
                    email: Some(email.to_owned()),
                    name: name.to_owned(),
                    password: password.to_owned(),
                    ..Registration::default()
                };
                report.users_created.push(username);
                identity.create_demo_user(r, role, &meta).await?
            }
        };
        ids.push(user.id);
    }
    let admin = Principal::acting_as(ids[0], Role::Admin);
    let exists = students::Entity::find()
        .filter(students::Column::RollNumber.eq("101"))
        .one(&school.db)
        .await?
        .is_some();
    if exists {
        report.already_loaded = true;
        return Ok(report);
    }
    for (roll, name, subject, class, marks) in NURTURE_MARKS {
        let student = school
            .create_student(
                &admin,
                StudentInput {
                    roll_number: Some(roll.to_string()),
                    name: name.to_owned(),
                    class_level: Some(class),
                    ..StudentInput::default()
                },
                &meta,
            )
            .await?;
        school
            .add_grade(
                &admin,
                student.id,
                GradeInput {
                    subject: subject.to_owned(),
                    score: Some(f64::from(marks)),
                    ..GradeInput::default()
                },
                &meta,
            )
            .await?;
        if roll == 101 {
            school
                .link_guardian(&admin, student.id, ids[2], Some("mother".to_owned()), true, &meta)
                .await?;
        }
        report.students_created += 1;
    }
    let content = Content::new(school.db.clone());
    content
        .add_lookups(
            &admin,
            MarkColumn::Subject,
            &["SANSKRIT".to_owned(), "ART".to_owned()],
        )
        .await?;
    content
        .add_lookups(&admin, MarkColumn::Class, &["4".to_owned(), "5".to_owned()])
        .await?;
    content
        .set_document(
            &admin,
            "APP_INTRO",
            "Hello! This is your app intro.\nYou can edit any line via the kvdoc API.",
        )
        .await?;
    Ok(report)
}

const SUBJECTS: [&str; 10] = [
    "Maths",
    "Science",
    "English",
    "History",
    "Geography",
    "Art",
    "Music",
    "Physics",
    "Chemistry",
    "Biology",
];

/// Generates `count` synthetic students (roll numbers `G0000001`...) with `grades_each`
/// grades, in batches of 1000 students. Calls `progress` after each batch.
pub async fn generate(
    school: &School,
    count: usize,
    grades_each: usize,
    mut progress: impl FnMut(usize),
) -> Result<(), DbErr> {
    let db = &school.db;
    let now = Utc::now();
    let today = now.date_naive();
    let start = i64::try_from(students::Entity::find().count(db).await?).unwrap_or(0);
    let mut done = 0usize;
    while done < count {
        let batch = (count - done).min(1000);
        let before: i64 = students::Entity::find()
            .select_only()
            .column(students::Column::Id)
            .order_by_desc(students::Column::Id)
            .into_tuple::<i64>()
            .one(db)
            .await?
            .unwrap_or(0);
        let rows = (0..batch).map(|i| {
            let n = start + (done + i) as i64 + 1;
            students::ActiveModel {
                user_id: Set(None),
                roll_number: Set(format!("G{n:07}")),
                name: Set(format!("Student {n}")),
                class_level: Set(Some((n % 12 + 1) as i32)),
                section: Set(Some(["A", "B", "C", "D"][(n % 4) as usize].to_owned())),
                date_of_birth: Set(None),
                gender: Set(None),
                address: Set(None),
                contact_number: Set(None),
                guardian_name: Set(None),
                guardian_contact: Set(None),
                status: Set("active".to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        students::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        let ids: Vec<i64> = students::Entity::find()
            .select_only()
            .column(students::Column::Id)
            .filter(students::Column::Id.gt(before))
            .order_by_asc(students::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let mut pending = Vec::with_capacity(2000);
        for id in ids {
            for g in 0..grades_each {
                pending.push(grades::ActiveModel {
                    student_id: Set(id),
                    subject: Set(SUBJECTS[g % SUBJECTS.len()].to_owned()),
                    score: Set(Some(((id as usize * 7 + g * 13) % 61 + 40) as f64)),
                    letter: Set(None),
                    term: Set(Some(format!("T{}", g % 3 + 1))),
                    credits: Set(((g % 4) + 1) as f64),
                    graded_at: Set(today),
                    recorded_by: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                if pending.len() == 2000 {
                    grades::Entity::insert_many(std::mem::take(&mut pending))
                        .exec_without_returning(db)
                        .await?;
                }
            }
        }
        if !pending.is_empty() {
            grades::Entity::insert_many(pending)
                .exec_without_returning(db)
                .await?;
        }
        done += batch;
        progress(done);
    }
    Ok(())
}

/// Seed 002's `python seed.py`: courses (code, name, credits, fee), students `student1..5` /
/// `pass123`, enrollments and payments leaving dues 5000, 2500, 6500, 8000, 2000.
pub const FINANCE_COURSES: [(&str, &str, i32, i64); 5] = [
    ("ENG101", "English Literature", 3, 4000),
    ("CS101", "Computer Science", 4, 5000),
    ("DA101", "Data Analytics", 3, 4500),
    ("MATH101", "Mathematics", 4, 4000),
    ("BUS101", "Business Management", 3, 3500),
];

/// Per student: enrolled course codes and payments (major units).
pub const FINANCE_STUDENTS: [(&[&str], &[i64]); 5] = [
    (&["ENG101", "CS101"], &[4000]),
    (&["CS101"], &[2500]),
    (&["ENG101", "DA101", "MATH101"], &[3000, 3000]),
    (&["DA101", "BUS101"], &[]),
    (&["MATH101"], &[2000]),
];

/// Loads seed 002's finance data once (skipped when course CS101 exists). Returns the student
/// usernames created.
pub async fn load_finance_demo(
    identity: &Identity,
    finance: &crate::finance::Finance,
) -> Result<Vec<String>, DemoError> {
    use crate::finance::{CourseInput, PaymentInput};
    let meta = RequestMeta {
        user_agent: Some("campus seed --demo".to_owned()),
        ..RequestMeta::default()
    };
    let existing = finance.courses(true).await.map_err(finance_error)?;
    if existing.iter().any(|c| c.code == "CS101") {
        return Ok(Vec::new());
    }
    let admin_user = identity
        .find_by_identifier("admin")
        .await?
        .ok_or(DemoError::Db(DbErr::RecordNotFound("demo admin".into())))?;
    let principal = Principal::acting_as;
    let admin = principal(admin_user.id, Role::Admin);
    let mut course_ids = std::collections::HashMap::new();
    for (code, name, credits, fee) in FINANCE_COURSES {
        let c = finance
            .create_course(
                &admin,
                CourseInput {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    credits,
                    fee_cents: fee * 100,
                    description: None,
                },
                &meta,
            )
            .await
            .map_err(finance_error)?;
        course_ids.insert(code, c.id);
    }
    let mut created = Vec::new();
    for (i, (courses, payments)) in FINANCE_STUDENTS.iter().enumerate() {
        let username = format!("student{}", i + 1);
        let user = match identity.find_by_identifier(&username).await? {
            Some(u) => u,
            None => {
                created.push(username.clone());
                identity
                    .create_demo_user(
                        Registration {
                            username: Some(username.clone()),
                            email: Some(format!("student{}@edu.com", i + 1)),
                            name: format!("Student {}", i + 1),
                            password: "pass123".to_owned(),
                            ..Registration::default()
                        },
                        Role::Student,
                        &meta,
                    )
                    .await?
            }
        };
        let student = finance
            .student_of_user(&principal(user.id, Role::Student), true)
            .await
            .map_err(finance_error)?;
        let none: &(dyn Fn(&_) -> (u16, String) + Send + Sync) = &|_| (201, String::new());
        for code in courses.iter() {
            finance
                .enroll(&admin, student.id, course_ids[code], None, none, &meta)
                .await
                .map_err(finance_error)?;
        }
        for amount in payments.iter() {
            let input = PaymentInput {
                amount_cents: amount * 100,
                ..PaymentInput::default()
            };
            let none: &(dyn Fn(&_) -> (u16, String) + Send + Sync) = &|_| (201, String::new());
            finance
                .pay(&admin, student.id, input, None, none, &meta)
                .await
                .map_err(finance_error)?;
        }
    }
    Ok(created)
}

fn finance_error(e: crate::finance::FinanceError) -> DemoError {
    match e {
        crate::finance::FinanceError::Db(db) => DemoError::Db(db),
        other => DemoError::Db(DbErr::Custom(other.to_string())),
    }
}
