//! Who sees which student's record and progress.

use campus_domain::identity::{Principal, Role};
use campus_domain::school::{GradeInput, SchoolError, StudentInput};
use campus_test_support::{TestServices, service_test};

/// A student record created by an administrator.
async fn student(s: &TestServices, admin: &Principal, name: &str, user: Option<&Principal>) -> i64 {
    let input = StudentInput {
        name: name.to_owned(),
        user_id: user.map(|u| u.user_id),
        ..StudentInput::default()
    };
    s.school.create_student(admin, input, &s.meta).await.unwrap().id
}

service_test!(async fn a_parent_reaches_only_their_linked_children(s) {
    let admin = s.user(Role::Admin).await;
    let parent = s.user(Role::Parent).await;
    let mine = student(&s, &admin, "Asha", None).await;
    let other = student(&s, &admin, "Bilal", None).await;
    s.school.link_guardian(&admin, mine, parent.user_id, Some("mother".to_owned()), true, &s.meta).await.unwrap();
    let grade = GradeInput { subject: "Maths".to_owned(), score: Some(91.0), ..GradeInput::default() };
    s.school.add_grade(&admin, mine, grade.clone(), &s.meta).await.unwrap();
    s.school.add_grade(&admin, other, grade, &s.meta).await.unwrap();

    assert_eq!(s.school.student(&parent, mine, &s.meta).await.unwrap().name, "Asha");
    assert_eq!(s.school.grades(&parent, mine).await.unwrap().len(), 1);
    // Another child's record does not exist as far as this parent can tell.
    assert!(matches!(s.school.student(&parent, other, &s.meta).await, Err(SchoolError::NotFound)));
    assert!(matches!(s.school.grades(&parent, other).await, Err(SchoolError::NotFound)));
    assert!(matches!(s.school.gpa(&parent, other).await, Err(SchoolError::NotFound)));
    // Reading is all a parent may do.
    let write = GradeInput { subject: "Art".to_owned(), score: Some(50.0), ..GradeInput::default() };
    assert!(matches!(s.school.add_grade(&parent, mine, write, &s.meta).await, Err(SchoolError::Forbidden)));
});

service_test!(async fn a_student_reaches_only_their_own_record(s) {
    let admin = s.user(Role::Admin).await;
    let me = s.user(Role::Student).await;
    let own = student(&s, &admin, "Chen", Some(&me)).await;
    let other = student(&s, &admin, "Dara", None).await;
    assert_eq!(s.school.student(&me, own, &s.meta).await.unwrap().name, "Chen");
    assert!(s.school.grades(&me, own).await.unwrap().is_empty());
    assert!(matches!(s.school.student(&me, other, &s.meta).await, Err(SchoolError::NotFound)));
    assert!(matches!(s.school.grades(&me, other).await, Err(SchoolError::NotFound)));
});

service_test!(async fn staff_roles_see_what_their_work_needs(s) {
    let admin = s.user(Role::Admin).await;
    let id = student(&s, &admin, "Esme", None).await;
    let teacher = s.user(Role::Teacher).await;
    let finance = s.user(Role::Finance).await;
    let plain = s.user(Role::User).await;
    // Teachers read and write every record's progress.
    assert!(s.school.grades(&teacher, id).await.unwrap().is_empty());
    let grade = GradeInput { subject: "Science".to_owned(), score: Some(70.0), ..GradeInput::default() };
    s.school.add_grade(&teacher, id, grade, &s.meta).await.unwrap();
    // The finance office reads the record (to bill it), not the grades.
    assert_eq!(s.school.student(&finance, id, &s.meta).await.unwrap().name, "Esme");
    assert!(matches!(s.school.grades(&finance, id).await, Err(SchoolError::Forbidden)));
    // A plain account reaches nothing; only administrators delete.
    assert!(matches!(s.school.student(&plain, id, &s.meta).await, Err(SchoolError::Forbidden)));
    assert!(matches!(s.school.delete_student(&teacher, id, &s.meta).await, Err(SchoolError::Forbidden)));
});

// A read-only page checks access once per fact: inside `seen::remembering` the student's row
// and a parent's link are read once and reused by every later check (school's and finance's);
// outside it each check reads afresh. Unlinking between two checks shows which one ran.
service_test!(async fn a_page_reads_a_parents_link_once_and_every_check_reuses_it(s) {
    use campus_domain::school::seen::remembering;
    let admin = s.user(Role::Admin).await;
    let parent = s.user(Role::Parent).await;
    let child = student(&s, &admin, "Femi", None).await;
    let other = student(&s, &admin, "Gita", None).await;
    s.school.link_guardian(&admin, child, parent.user_id, None, true, &s.meta).await.unwrap();
    remembering(async {
        assert_eq!(s.school.student(&parent, child, &s.meta).await.unwrap().name, "Femi");
        s.school.unlink_guardian(&admin, child, parent.user_id, &s.meta).await.unwrap();
        // The page's later sections reuse what its first check learnt.
        assert!(s.school.grades(&parent, child).await.unwrap().is_empty());
        assert_eq!(s.finance.balance(&parent, child).await.unwrap().balance_cents, 0);
        // Nothing is granted that was not checked.
        assert!(matches!(s.school.grades(&parent, other).await, Err(SchoolError::NotFound)));
    })
    .await;
    // Outside a page every check reads the link afresh.
    assert!(matches!(s.school.grades(&parent, child).await, Err(SchoolError::NotFound)));
    assert!(s.finance.balance(&parent, child).await.is_err());
});
