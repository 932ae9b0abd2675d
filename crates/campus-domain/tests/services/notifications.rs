//! Who sends notifications and whose a user may read.

use campus_domain::identity::Role;
use campus_domain::notifications::{NotificationError, Recipients};
use campus_test_support::service_test;

service_test!(async fn staff_send_and_users_read_their_own(s) {
    let teacher = s.user(Role::Teacher).await;
    let parent = s.user(Role::Parent).await;
    let other = s.user(Role::Parent).await;
    let admin = s.user(Role::Admin).await;
    let sent = s
        .notifications
        .send(&teacher, Recipients::Users(vec![parent.user_id]), None, "Trip on Friday".to_owned(), &s.meta)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    let reply = s
        .notifications
        .send(&parent, Recipients::Users(vec![teacher.user_id]), None, "Thanks".to_owned(), &s.meta)
        .await;
    assert!(matches!(reply, Err(NotificationError::Forbidden)));
    assert_eq!(s.notifications.list_for(&parent, parent.user_id).await.unwrap().len(), 1);
    assert_eq!(s.notifications.list_for(&admin, parent.user_id).await.unwrap().len(), 1);
    assert!(matches!(s.notifications.list_for(&other, parent.user_id).await, Err(NotificationError::Forbidden)));
    let id = sent[0].id;
    assert!(matches!(s.notifications.mark_read(&other, id).await, Err(NotificationError::NotFound)));
    assert!(s.notifications.mark_read(&parent, id).await.unwrap().read);
});
