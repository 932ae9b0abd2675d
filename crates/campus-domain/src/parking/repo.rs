//! Parking queries. Each takes any connection, so it runs inside a transaction too.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use crate::pagination::PageRequest;

use campus_db::entities::{parking_events, parking_landmarks, parking_scores};

pub async fn event(conn: &impl ConnectionTrait, id: i64) -> Result<Option<parking_events::Model>, DbErr> {
    parking_events::Entity::find_by_id(id).one(conn).await
}

/// A user's events, newest first.
pub async fn events_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<parking_events::Model>, DbErr> {
    parking_events::Entity::find()
        .filter(parking_events::Column::UserId.eq(user_id))
        .order_by_desc(parking_events::Column::CreatedAt)
        .order_by_desc(parking_events::Column::Id)
        .all(conn)
        .await
}

/// A page of a user's events, newest first (the cursor is the last id seen), `limit + 1`
/// rows.
pub async fn events_page(
    conn: &impl ConnectionTrait,
    user_id: i64,
    page: PageRequest,
) -> Result<Vec<parking_events::Model>, DbErr> {
    let mut q = parking_events::Entity::find().filter(parking_events::Column::UserId.eq(user_id));
    if let Some(before) = page.after_id {
        q = q.filter(parking_events::Column::Id.lt(before));
    }
    q.order_by_desc(parking_events::Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await
}

/// A user's most recently started event with its landmarks (in id order) and score, in one
/// statement: the event chosen by a scalar subquery, its score and landmarks left-joined (one
/// row per landmark). The hot read of the app on PostgreSQL and MySQL, where each statement is
/// a round trip.
pub async fn latest_with_parts(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<campus_db::ParkingLatest>, DbErr> {
    let latest = parking_events::Entity::find()
        .select_only()
        .column(parking_events::Column::Id)
        .filter(parking_events::Column::UserId.eq(user_id))
        .order_by_desc(parking_events::Column::StartedAt)
        .order_by_desc(parking_events::Column::Id)
        .limit(1)
        .into_query();
    let rows = parking_events::Entity::find()
        .filter(
            Expr::col((parking_events::Entity, parking_events::Column::Id))
                .eq(Expr::SubQuery(None, Box::new(latest.into()))),
        )
        .find_also_related(parking_scores::Entity)
        .find_also_related(parking_landmarks::Entity)
        .order_by_asc(parking_landmarks::Column::Id)
        .all(conn)
        .await?;
    let mut rows = rows.into_iter();
    let Some((event, score, first)) = rows.next() else {
        return Ok(None);
    };
    let landmarks = first.into_iter().chain(rows.filter_map(|(_, _, l)| l)).collect();
    Ok(Some((event, landmarks, score)))
}

pub async fn landmarks(
    conn: &impl ConnectionTrait,
    event_id: i64,
) -> Result<Vec<parking_landmarks::Model>, DbErr> {
    parking_landmarks::Entity::find()
        .filter(parking_landmarks::Column::EventId.eq(event_id))
        .order_by_asc(parking_landmarks::Column::Id)
        .all(conn)
        .await
}

pub async fn landmark_count(conn: &impl ConnectionTrait, event_id: i64) -> Result<u64, DbErr> {
    parking_landmarks::Entity::find()
        .filter(parking_landmarks::Column::EventId.eq(event_id))
        .count(conn)
        .await
}

pub async fn score(
    conn: &impl ConnectionTrait,
    event_id: i64,
) -> Result<Option<parking_scores::Model>, DbErr> {
    parking_scores::Entity::find()
        .filter(parking_scores::Column::EventId.eq(event_id))
        .one(conn)
        .await
}

/// Scores of a user's events in `status`, newest score first, with their events.
pub async fn scores_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    status: &str,
) -> Result<Vec<(parking_scores::Model, parking_events::Model)>, DbErr> {
    let events: Vec<parking_events::Model> = parking_events::Entity::find()
        .filter(parking_events::Column::UserId.eq(user_id))
        .filter(parking_events::Column::Status.eq(status))
        .all(conn)
        .await?;
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let scores = parking_scores::Entity::find()
        .filter(parking_scores::Column::EventId.is_in(ids))
        .order_by_desc(parking_scores::Column::CreatedAt)
        .order_by_desc(parking_scores::Column::Id)
        .all(conn)
        .await?;
    Ok(scores
        .into_iter()
        .filter_map(|s| {
            let event = events.iter().find(|e| e.id == s.event_id)?.clone();
            Some((s, event))
        })
        .collect())
}
