//! The tamper-evident audit trail: sealing links every entry to the one before; changing or
//! removing a sealed entry directly in the database is found and named.

use campus_db::entities::audit_log;
use campus_domain::audit::Verdict;
use campus_test_support::backend_test;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

backend_test!(async fn the_audit_chain_names_the_first_changed_or_removed_entry(app) {
    let admin = app.session("admin").await;
    for name in ["Ada", "Grace", "Alan"] {
        let res = app.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": name})).await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let audit = app.state.audit();
    assert!(audit.seal().await.unwrap() >= 4);
    let head = app.get_with_token("/api/v1/admin/audit/head", &admin.token).await.json();
    assert_eq!(head["unsealed"], 0, "{head}");
    let first_head = head["seal_seq"].as_i64().unwrap();
    assert!(matches!(audit.verify().await.unwrap(), Verdict::Intact { sealed, .. } if sealed == first_head));

    // New entries extend the chain from the old head.
    app.post_json_with_token("/api/v1/students", &admin.token, &json!({"name": "Edsger"})).await;
    audit.seal().await.unwrap();
    let second = audit.verify().await.unwrap();
    assert!(matches!(&second, Verdict::Intact { sealed, .. } if *sealed > first_head), "{second:?}");
    let linked = audit_log::Entity::find().filter(audit_log::Column::SealSeq.eq(first_head + 1)).one(app.state.db()).await.unwrap().unwrap();
    assert_eq!(linked.prev_hash.as_deref(), Some(head["hash"].as_str().unwrap()));

    // Changing a sealed entry in the database is found at that entry.
    let db = app.state.db();
    let victim = audit_log::Entity::find().filter(audit_log::Column::SealSeq.eq(2)).one(db).await.unwrap().unwrap();
    db.execute_unprepared(&format!("UPDATE audit_log SET action = 'nothing.happened' WHERE id = {}", victim.id)).await.unwrap();
    match audit.verify().await.unwrap() {
        Verdict::Broken { seal_seq, entry_id, reason } => {
            assert_eq!((seal_seq, entry_id), (2, Some(victim.id)));
            assert!(reason.contains("changed"), "{reason}");
        }
        intact => panic!("a changed entry went unnoticed: {intact:?}"),
    }
    db.execute_unprepared(&format!("UPDATE audit_log SET action = '{}' WHERE id = {}", victim.action, victim.id)).await.unwrap();
    assert!(matches!(audit.verify().await.unwrap(), Verdict::Intact { .. }));

    // Removing one is found too.
    db.execute_unprepared("DELETE FROM audit_log WHERE seal_seq = 3").await.unwrap();
    match audit.verify().await.unwrap() {
        Verdict::Broken { seal_seq, reason, .. } => {
            assert_eq!(seal_seq, 3);
            assert!(reason.contains("missing"), "{reason}");
        }
        intact => panic!("a removed entry went unnoticed: {intact:?}"),
    }

    let teacher = app.session("teacher").await;
    app.get_with_token("/api/v1/admin/audit/head", &teacher.token).await.assert_problem(403, "forbidden");
});
