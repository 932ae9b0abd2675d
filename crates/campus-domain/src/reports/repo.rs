//! Queries on `reports` and `report_batches`.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use campus_db::entities::reports;

/// Most reports one list returns (newest first).
pub const MAX_LISTED: u64 = 500;

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<Option<reports::Model>, DbErr> {
    reports::Entity::find_by_id(id).one(conn).await
}

/// A stored report answering the same request with the same data.
pub async fn find_same(
    conn: &impl ConnectionTrait,
    student_id: i64,
    params_key: &str,
    data_hash: &str,
) -> Result<Option<reports::Model>, DbErr> {
    reports::Entity::find()
        .filter(reports::Column::StudentId.eq(student_id))
        .filter(reports::Column::ParamsKey.eq(params_key))
        .filter(reports::Column::DataHash.eq(data_hash))
        .order_by_asc(reports::Column::Id)
        .one(conn)
        .await
}

pub async fn find_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<reports::Model>, DbErr> {
    reports::Entity::find()
        .filter(reports::Column::Code.eq(code))
        .one(conn)
        .await
}

/// A student's reports of the given kinds, newest first.
pub async fn of_student(
    conn: &impl ConnectionTrait,
    student_id: i64,
    kinds: &[&str],
) -> Result<Vec<reports::Model>, DbErr> {
    reports::Entity::find()
        .filter(reports::Column::StudentId.eq(student_id))
        .filter(reports::Column::Kind.is_in(kinds.iter().copied()))
        .order_by_desc(reports::Column::Id)
        .limit(MAX_LISTED)
        .all(conn)
        .await
}

/// Every stored report's blob key (for `campus files check`).
pub async fn blob_keys(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    reports::Entity::find()
        .select_only()
        .column(reports::Column::BlobKey)
        .into_tuple()
        .all(conn)
        .await
}
