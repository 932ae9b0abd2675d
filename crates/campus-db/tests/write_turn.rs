//! SQLite write transactions queue for their database's write turn: writers are served in the
//! order they asked, a writer that waits too long is told the database is unavailable (never a
//! hang), and a committed, rolled-back or dropped transaction gives its turn back.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use campus_config::{DatabaseSettings, DatabaseUrl};
use campus_db::sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

async fn open(dir: &tempfile::TempDir, settings: &DatabaseSettings) -> DatabaseConnection {
    let url = DatabaseUrl::parse(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("turns.db").display()
    ))
    .unwrap();
    let db = campus_db::connect(&url, settings).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL)",
    )
    .await
    .unwrap();
    db
}

/// Writers get the write lock in the order they asked for it. SQLite's own busy handler is not
/// a queue — a waiter sleeps 1, 2, 5 … 100 ms between tries, so a writer that has waited longest
/// sleeps longest and newer ones overtake it (at 64 concurrent writers some requests waited
/// seconds). Six writers queue one after another behind a held transaction; when it commits,
/// they commit in arrival order, and all of them commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_writers_get_the_write_lock_in_the_order_they_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir, &DatabaseSettings::default()).await;
    let held = campus_db::begin_write(&db).await.unwrap();
    let mut writers = Vec::new();
    for writer in 1..=6i64 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            let txn = campus_db::begin_write(&db).await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO writes (writer) VALUES (?)",
                [writer.into()],
            ))
            .await?;
            txn.commit().await
        }));
        // Long enough for this writer to be waiting before the next one asks.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    held.commit().await.unwrap();
    for w in writers {
        tokio::time::timeout(Duration::from_secs(20), w)
            .await
            .expect("every writer finishes")
            .unwrap()
            .expect("every writer commits");
    }
    let order: Vec<i64> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT writer FROM writes ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i64>("", "writer").unwrap())
        .collect();
    assert_eq!(order, vec![1, 2, 3, 4, 5, 6], "commit order");
}

/// A second write transaction opened while the first is held (a nested `begin_write`, or a
/// writer stuck behind a slow one) waits `database.connect_timeout_secs` and then fails as
/// "unavailable" instead of waiting forever; rollback and drop both give the turn back.
#[tokio::test]
async fn a_writer_waiting_past_the_limit_is_refused_and_turns_are_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let settings = DatabaseSettings {
        connect_timeout_secs: 1,
        ..DatabaseSettings::default()
    };
    let db = open(&dir, &settings).await;

    let held = campus_db::begin_write(&db).await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), campus_db::begin_write(&db))
        .await
        .expect("the second writer must give up by itself");
    let err = second.expect_err("the turn is held");
    assert!(
        matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        "{err:?}"
    );
    assert!(campus_db::is_unavailable(&err));

    held.rollback().await.unwrap();
    let after_rollback = tokio::time::timeout(Duration::from_millis(500), campus_db::begin_write(&db))
        .await
        .expect("rollback gives the turn back")
        .unwrap();
    drop(after_rollback);
    let after_drop = tokio::time::timeout(Duration::from_millis(500), campus_db::begin_write(&db))
        .await
        .expect("drop gives the turn back")
        .unwrap();
    after_drop
        .execute_unprepared("INSERT INTO writes (writer) VALUES (1)")
        .await
        .unwrap();
    after_drop.commit().await.unwrap();
}
