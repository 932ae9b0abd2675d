//! What one read-only page has already learnt about access: a student's row and whether a
//! parent is linked to them.
//!
//! A portal page shows one student through several services (record, grades, attendance,
//! activities, balance, ledger, documents), and each service checks the caller's access
//! itself — the student's row, and for a parent the guardian link. Inside [`remembering`] those
//! two facts are read once and reused for the rest of the page: the checks still run, each
//! with its own rules, over the same facts. Only read-only handlers use it (a write between
//! two checks would make a remembered row stale); outside it every check reads afresh.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;

use campus_db::Reads;
use campus_db::entities::students;
use sea_orm::{DbErr, EntityTrait};

use super::repo;

#[derive(Debug, Default)]
struct Seen {
    students: HashMap<i64, Option<students::Model>>,
    links: HashMap<(i64, i64), bool>,
}

tokio::task_local! {
    static SEEN: RefCell<Seen>;
}

/// Runs `page` (a read-only request) with its access facts remembered; see the module docs.
pub async fn remembering<F: Future>(page: F) -> F::Output {
    SEEN.scope(RefCell::new(Seen::default()), page).await
}

/// Student `id`'s row, remembered within [`remembering`].
pub(crate) async fn student(reads: Reads<'_>, id: i64) -> Result<Option<students::Model>, DbErr> {
    if let Ok(Some(hit)) = SEEN.try_with(|s| s.borrow().students.get(&id).cloned()) {
        return Ok(hit);
    }
    let row = reads.one(students::Entity::find_by_id(id)).await?;
    let _ = SEEN.try_with(|s| s.borrow_mut().students.insert(id, row.clone()));
    Ok(row)
}

/// Whether parent account `parent` is linked to `student`, remembered within [`remembering`].
pub(crate) async fn guardian_link(reads: Reads<'_>, parent: i64, student: i64) -> Result<bool, DbErr> {
    if let Ok(Some(hit)) = SEEN.try_with(|s| s.borrow().links.get(&(parent, student)).copied()) {
        return Ok(hit);
    }
    let linked = repo::guardian_link(reads, parent, student).await?;
    let _ = SEEN.try_with(|s| s.borrow_mut().links.insert((parent, student), linked));
    Ok(linked)
}
