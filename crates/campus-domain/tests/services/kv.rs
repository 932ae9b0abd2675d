//! Key-value ownership and expiry.

use std::time::Duration;

use campus_domain::identity::Role;
use campus_domain::kv::{Expiry, KvError, KvWrite, Precondition};
use campus_domain::pagination::PageRequest;
use campus_test_support::service_test;

fn write(value: &str, expiry: Expiry) -> KvWrite {
    KvWrite {
        value: value.to_owned(),
        expiry,
        ..KvWrite::default()
    }
}

const FIRST_PAGE: PageRequest = PageRequest {
    limit: 50,
    after_id: None,
};

service_test!(async fn each_user_reaches_only_their_own_keys(s) {
    let ana = s.user(Role::Student).await;
    let ben = s.user(Role::Admin).await;
    s.kv.put(&ana, "colour", write("green", Expiry::Never)).await.unwrap();
    s.kv.put(&ben, "colour", write("blue", Expiry::Never)).await.unwrap();
    assert_eq!(s.kv.get(&ana, "colour").await.unwrap().value, "green");
    assert_eq!(s.kv.get(&ben, "colour").await.unwrap().value, "blue");
    s.kv.delete(&ben, "colour", Precondition::None).await.unwrap();
    assert_eq!(s.kv.get(&ana, "colour").await.unwrap().value, "green", "another user's delete");
    assert!(matches!(s.kv.get(&ben, "colour").await, Err(KvError::NotFound)));
    // An administrator lists another user's keys (audited); nobody else may.
    let listed = s.kv.admin_list(&ben, ana.user_id, "", FIRST_PAGE, &s.meta).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let peek = s.kv.admin_list(&ana, ben.user_id, "", FIRST_PAGE, &s.meta).await;
    assert!(matches!(peek, Err(KvError::Forbidden)));
});

service_test!(async fn keys_expire_when_the_clock_passes_them(s) {
    let who = s.user(Role::User).await;
    s.kv.put(&who, "short", write("v", Expiry::In(60))).await.unwrap();
    s.kv.put(&who, "long", write("v", Expiry::In(3600))).await.unwrap();
    assert!(s.kv.get(&who, "short").await.is_ok());
    s.clock.advance(Duration::from_secs(61));
    assert!(matches!(s.kv.get(&who, "short").await, Err(KvError::NotFound)));
    assert_eq!(s.kv.list(&who, "", FIRST_PAGE).await.unwrap().items.len(), 1);
    assert_eq!(s.kv.purge_expired().await.unwrap(), 1);
    assert!(s.kv.get(&who, "long").await.is_ok());
});
