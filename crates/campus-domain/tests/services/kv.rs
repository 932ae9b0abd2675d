//! Key-value ownership and expiry.

use std::time::Duration;

use campus_domain::identity::Role;
use campus_domain::kv::{BatchOp, Expiry, Kv, KvError, KvWrite, Precondition, Quota};
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

/// A store with tiny quotas: 3 keys, 40 bytes.
fn small(s: &campus_test_support::TestServices) -> Kv {
    let settings = campus_config::KvSettings {
        max_keys_per_user: 3,
        max_bytes_per_user: 40,
        ..campus_config::KvSettings::default()
    };
    Kv::new(s.db.clone(), &settings).with_clock(s.clock.clone())
}

fn quota(result: Result<impl std::fmt::Debug, KvError>) -> Option<Quota> {
    match result {
        Err(KvError::QuotaExceeded { quota, .. }) => Some(quota),
        other => {
            assert!(other.is_ok(), "{other:?}");
            None
        }
    }
}

service_test!(async fn quotas_bound_each_users_keys_and_bytes(s) {
    let kv = small(&s);
    let ana = s.user(Role::User).await;
    let ben = s.user(Role::User).await;
    for key in ["a", "b", "c"] {
        assert_eq!(quota(kv.put(&ana, key, write("1234", Expiry::Never)).await), None);
    }
    assert_eq!(quota(kv.put(&ana, "d", write("1", Expiry::Never)).await), Some(Quota::Keys));
    assert!(matches!(kv.get(&ana, "d").await, Err(KvError::NotFound)), "the refused write left nothing");
    // Overwriting an existing key adds no key; another user has a quota of their own.
    assert_eq!(quota(kv.put(&ana, "a", write("5678", Expiry::Never)).await), None);
    assert_eq!(quota(kv.put(&ben, "d", write("1", Expiry::Never)).await), None);
    // Bytes: "b" and "c" hold 1 + 4 each; "a" with a 30-byte value would make 31 + 10 > 40.
    let long = "x".repeat(30);
    assert_eq!(quota(kv.put(&ana, "a", write(&long, Expiry::Never)).await), Some(Quota::Bytes));
    assert_eq!(quota(kv.put(&ana, "a", write(&long[..29], Expiry::Never)).await), None);
    // Shrinking always passes; deleting frees room.
    assert_eq!(quota(kv.put(&ana, "a", write("", Expiry::Never)).await), None);
    kv.delete(&ana, "b", Precondition::None).await.unwrap();
    assert_eq!(quota(kv.put(&ana, "d", write("1", Expiry::Never)).await), None);
});

service_test!(async fn a_batch_is_counted_as_a_whole(s) {
    let kv = small(&s);
    let ana = s.user(Role::User).await;
    for key in ["a", "b", "c"] {
        kv.put(&ana, key, write("v", Expiry::Never)).await.unwrap();
    }
    let put = |key: &str| BatchOp::Put { key: key.to_owned(), write: write("v", Expiry::Never) };
    let delete = |key: &str| BatchOp::Delete { key: key.to_owned(), precondition: Precondition::None };
    // A put past the quota and a delete in one batch: the end state is within it.
    assert!(kv.batch(&ana, vec![put("d"), delete("a")]).await.is_ok());
    // Two new keys and one delete: one over, so nothing is applied.
    let refused = kv.batch(&ana, vec![put("e"), put("f"), delete("b")]).await;
    assert!(matches!(refused, Err((_, KvError::QuotaExceeded { quota: Quota::Keys, .. }))), "{refused:?}");
    assert!(kv.get(&ana, "b").await.is_ok(), "the refused batch deleted nothing");
    assert!(matches!(kv.get(&ana, "e").await, Err(KvError::NotFound)));
});

service_test!(async fn purged_keys_give_their_room_back(s) {
    let kv = small(&s);
    let ana = s.user(Role::User).await;
    for key in ["a", "b", "c"] {
        kv.put(&ana, key, write("v", Expiry::In(60))).await.unwrap();
    }
    s.clock.advance(Duration::from_secs(61));
    // Expired keys still count until they are purged...
    assert_eq!(quota(kv.put(&ana, "d", write("v", Expiry::Never)).await), Some(Quota::Keys));
    assert_eq!(kv.purge_expired().await.unwrap(), 3);
    assert_eq!(kv.purge_expired().await.unwrap(), 0, "a second purge finds nothing");
    // ...and no longer after.
    for key in ["d", "e", "f"] {
        assert_eq!(quota(kv.put(&ana, key, write("v", Expiry::Never)).await), None);
    }
});

service_test!(async fn concurrent_writers_never_pass_the_quota_together(s) {
    let kv = small(&s);
    let ana = s.user(Role::User).await;
    let writes = (0..8).map(|i| {
        let (kv, ana) = (kv.clone(), ana.clone());
        tokio::spawn(async move { kv.put(&ana, &format!("k{i}"), write("v", Expiry::Never)).await })
    });
    // Spawned all at once (`map` is lazy: without the collect each would run alone).
    let writes: Vec<_> = writes.collect();
    let mut stored = 0;
    for w in writes {
        match w.await.unwrap() {
            Ok(_) => stored += 1,
            Err(KvError::QuotaExceeded { .. }) => {}
            // A deadlock victim or a serialisation failure is a refused write too; the
            // quota must hold either way.
            Err(KvError::Db(_)) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(stored <= 3, "{stored} keys stored past a quota of 3");
    assert_eq!(kv.list(&ana, "", FIRST_PAGE).await.unwrap().items.len(), stored);
});

service_test!(async fn concurrent_writers_of_one_key_all_succeed_and_it_is_counted_once(s) {
    let kv = small(&s);
    let ana = s.user(Role::User).await;
    for round in 0..3 {
        // Eight unconditional writers create (first round) or replace the same key at once:
        // each succeeds, as if they had come one after the other.
        let writes = (0..8).map(|i| {
            let (kv, ana) = (kv.clone(), ana.clone());
            tokio::spawn(async move { kv.put(&ana, "same", write(&format!("w{i}"), Expiry::Never)).await })
        });
        let writes: Vec<_> = writes.collect();
        let mut created = 0;
        for w in writes {
            let (_, was_created) = w.await.unwrap().unwrap_or_else(|e| panic!("round {round}: {e:?}"));
            created += usize::from(was_created);
        }
        assert_eq!(created, usize::from(round == 0), "round {round}");
    }
    assert_eq!(kv.get(&ana, "same").await.unwrap().version, 24);
    for round in 0..5 {
        if round > 0 {
            kv.put(&ana, "same", write("again", Expiry::Never)).await.unwrap();
        }
        // Sixteen deletes at once: one removes the key, the others find nothing to remove.
        let deletes = (0..16).map(|_| {
            let (kv, ana) = (kv.clone(), ana.clone());
            tokio::spawn(async move { kv.delete(&ana, "same", Precondition::None).await })
        });
        let deletes: Vec<_> = deletes.collect();
        let mut deleted = 0;
        for d in deletes {
            match d.await.unwrap() {
                Ok(()) => deleted += 1,
                Err(KvError::NotFound) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(deleted, 1, "round {round}");
    }
    // The key was counted once and freed once: three keys fit the quota, a fourth does not.
    for key in ["a", "b", "c"] {
        assert_eq!(quota(kv.put(&ana, key, write("v", Expiry::Never)).await), None);
    }
    assert_eq!(quota(kv.put(&ana, "d", write("v", Expiry::Never)).await), Some(Quota::Keys));
});
