//! The typed read layer: every `DirectRow` type read through SQLite's direct reader equals the
//! same select read through the pool, with the parameter kinds the hot reads bind (integers,
//! text, dates, instants, NULL-able columns).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use campus_config::{DatabaseSettings, DatabaseUrl};
use campus_db::entities::{activities, attendance, grades, guardianships, student_balances, students, users};
use campus_db::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use campus_db::{Migrator, Reads, SqliteReads};
use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm_migration::MigratorTrait;

#[tokio::test]
async fn direct_reads_equal_pool_reads() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("campus.db").display()
    ))
    .unwrap();
    let db = campus_db::connect(&url, &DatabaseSettings::default())
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let stamp = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap() + chrono::Duration::microseconds(123_456);
    let parent = users::ActiveModel {
        email: Set(Some("p@direct.test".into())),
        name: Set("Parent".into()),
        role: Set("parent".into()),
        password_hash: Set("!".into()),
        language: Set("en".into()),
        text_size: Set("medium".into()),
        icon_size: Set("default".into()),
        high_contrast_mode: Set(false),
        is_active: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        let s = students::ActiveModel {
            user_id: Set(None),
            roll_number: Set(format!("R{i}")),
            name: Set(format!("Pupil {i} «ü»")),
            class_level: Set(if i % 2 == 0 { Some(3) } else { None }),
            section: Set(Some("A".into())),
            date_of_birth: Set(if i == 0 {
                None
            } else {
                NaiveDate::from_ymd_opt(2015, 1, i)
            }),
            gender: Set(None),
            address: Set(Some("1 Road".into())),
            contact_number: Set(None),
            guardian_name: Set(Some("G".into())),
            guardian_contact: Set(None),
            status: Set("active".into()),
            created_at: Set(stamp),
            updated_at: Set(stamp + chrono::Duration::seconds(i64::from(i))),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        ids.push(s.id);
        grades::ActiveModel {
            student_id: Set(s.id),
            subject: Set("Maths".into()),
            score: Set(if i == 1 { None } else { Some(70.5 + f64::from(i)) }),
            letter: Set(Some("B+".into())),
            term: Set(if i == 2 { None } else { Some("2026-T1".into()) }),
            credits: Set(1.5),
            graded_at: Set(NaiveDate::from_ymd_opt(2026, 2, 1 + i).unwrap()),
            recorded_by: Set(Some(parent.id)),
            created_at: Set(stamp),
            updated_at: Set(stamp),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
    }
    guardianships::ActiveModel {
        parent_user_id: Set(parent.id),
        student_id: Set(ids[1]),
        relationship: Set(None),
        may_receive_notices: Set(true),
        created_at: Set(stamp),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    student_balances::ActiveModel {
        student_id: Set(ids[0]),
        balance_cents: Set(-1_250),
        last_payment_at: Set(Some(stamp)),
        updated_at: Set(stamp),
    }
    .insert(&db)
    .await
    .unwrap();
    student_balances::ActiveModel {
        student_id: Set(ids[1]),
        balance_cents: Set(40_000),
        last_payment_at: Set(None),
        updated_at: Set(stamp),
    }
    .insert(&db)
    .await
    .unwrap();

    let direct = SqliteReads::open(&url, 2).unwrap().expect("an SQLite file");
    let fast = Reads::new(&db, Some(&direct));
    let pool = Reads::new(&db, None);
    assert!(fast.is_direct() && !pool.is_direct());

    let list = || {
        students::Entity::find()
            .filter(students::Column::ClassLevel.eq(3))
            .filter(students::Column::Section.eq("A"))
            .filter(students::Column::DateOfBirth.gte(NaiveDate::from_ymd_opt(2015, 1, 2).unwrap()))
            .filter(students::Column::UpdatedAt.gt(stamp))
            .filter(students::Column::Name.like("Pupil%"))
            .order_by_asc(students::Column::Id)
            .limit(50)
    };
    let expected = pool.all(list()).await.unwrap();
    assert_eq!(expected.len(), 2, "pupils 2 and 4: {expected:?}");
    assert_eq!(fast.all(list()).await.unwrap(), expected);
    let all = || students::Entity::find().order_by_asc(students::Column::Id);
    assert_eq!(fast.all(all()).await.unwrap(), pool.all(all()).await.unwrap());
    // A page cut by reading (direct) equals one cut by LIMIT (pool), at and past the end.
    let total = pool.all(all()).await.unwrap().len();
    for limit in [1, 2, 3, 100] {
        let page = fast.all_up_to(all(), limit).await.unwrap();
        assert_eq!(page, pool.all_up_to(all(), limit).await.unwrap(), "limit {limit}");
        assert_eq!(page.len(), usize::try_from(limit).unwrap().min(total));
    }

    let g = || grades::Entity::find().order_by_asc(grades::Column::Id);
    let expected = pool.all(g()).await.unwrap();
    assert_eq!(expected.len(), 6);
    assert_eq!(fast.all(g()).await.unwrap(), expected);

    for id in [ids[0], ids[1], ids[2]] {
        let b = || student_balances::Entity::find_by_id(id);
        assert_eq!(fast.one(b()).await.unwrap(), pool.one(b()).await.unwrap());
    }
    let link = |student: i64| {
        guardianships::Entity::find()
            .filter(guardianships::Column::ParentUserId.eq(parent.id))
            .filter(guardianships::Column::StudentId.eq(student))
    };
    assert!(fast.one(link(ids[1])).await.unwrap().is_some());
    assert_eq!(
        fast.one(link(ids[1])).await.unwrap(),
        pool.one(link(ids[1])).await.unwrap()
    );
    assert!(fast.one(link(ids[2])).await.unwrap().is_none());
    for (i, note) in [(1, None), (2, Some("late bus"))] {
        attendance::ActiveModel {
            student_id: Set(ids[1]),
            date: Set(NaiveDate::from_ymd_opt(2026, 3, i).unwrap()),
            status: Set("Absent".into()),
            note: Set(note.map(Into::into)),
            marked_by: Set(None),
            created_at: Set(stamp),
            updated_at: Set(if i == 2 { Some(stamp) } else { None }),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        activities::ActiveModel {
            student_id: Set(ids[1]),
            activity_name: Set("Chess".into()),
            role_or_award: Set(note.map(Into::into)),
            participation_date: Set(if i == 2 {
                NaiveDate::from_ymd_opt(2026, 1, 9)
            } else {
                None
            }),
            recorded_by: Set(Some(parent.id)),
            created_at: Set(stamp),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let marks = || {
        attendance::Entity::find()
            .filter(attendance::Column::Date.gte(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()))
            .order_by_asc(attendance::Column::Date)
    };
    assert_eq!(pool.all(marks()).await.unwrap().len(), 2);
    assert_eq!(fast.all(marks()).await.unwrap(), pool.all(marks()).await.unwrap());
    let acts = || activities::Entity::find().order_by_asc(activities::Column::Id);
    assert_eq!(fast.all(acts()).await.unwrap(), pool.all(acts()).await.unwrap());

    // A commit is seen by the next direct read (WAL: a read transaction per statement).
    grades::Entity::delete_many().exec(&db).await.unwrap();
    assert!(fast.all(g()).await.unwrap().is_empty());
}
