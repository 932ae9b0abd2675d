//! Who reads children's data through lookups and marks, and who edits content.

use campus_domain::content::{ContentError, MarkColumn};
use campus_domain::identity::Role;
use campus_test_support::service_test;

service_test!(async fn childrens_data_needs_a_record_keeper_and_open_columns_need_no_one(s) {
    let teacher = s.user(Role::Teacher).await;
    let parent = s.user(Role::Parent).await;
    let subjects = ["ART".to_owned()];
    s.content.add_lookups(&teacher, MarkColumn::Subject, &subjects).await.unwrap();
    assert_eq!(s.content.lookups(None, MarkColumn::Subject).await.unwrap(), ["ART"]);
    assert!(matches!(s.content.lookups(None, MarkColumn::Name).await, Err(ContentError::Forbidden)));
    assert!(matches!(s.content.lookups(Some(&parent), MarkColumn::Roll).await, Err(ContentError::Forbidden)));
    assert!(s.content.lookups(Some(&teacher), MarkColumn::Name).await.unwrap().is_empty());
    assert!(matches!(s.content.marks(&parent, &[]).await, Err(ContentError::Forbidden)));
    assert!(s.content.marks(&teacher, &[]).await.unwrap().is_empty());
});

service_test!(async fn only_record_keepers_edit_and_an_invalid_addition_adds_nothing(s) {
    let teacher = s.user(Role::Teacher).await;
    let student = s.user(Role::Student).await;
    let edit = s.content.set_document(&student, "INTRO", "hello").await;
    assert!(matches!(edit, Err(ContentError::Forbidden)));
    s.content.set_document(&teacher, "INTRO", "hello\r\nworld").await.unwrap();
    assert_eq!(s.content.document("INTRO").await.unwrap().unwrap().lines, ["hello", "world"]);
    let bad = ["GOOD".to_owned(), "bad\u{7}".to_owned()];
    let added = s.content.add_lookups(&teacher, MarkColumn::Subject, &bad).await;
    assert!(matches!(added, Err(ContentError::Invalid(_))));
    assert!(s.content.lookups(None, MarkColumn::Subject).await.unwrap().is_empty(), "all or nothing");
});
