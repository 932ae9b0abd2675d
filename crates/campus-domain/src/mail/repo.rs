//! Queries on the outbox, preferences and alert marks. `enqueue` and `mark_once` take any
//! connection so other domains call them inside their own transactions: an email is queued
//! exactly when the change it tells of commits.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use campus_db::entities::{alert_marks, email_outbox, notification_preferences, users};

use super::model::{Channel, Outgoing, Topic, status};

/// Puts a message in the outbox (`held` for a digest, else `queued`).
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    message: Outgoing,
    held: bool,
    now_ms: i64,
) -> Result<email_outbox::Model, DbErr> {
    let (attachment_key, attachment_name) = message.attachment.unzip();
    email_outbox::ActiveModel {
        message_id: Set(format!("<{}@campus>", uuid::Uuid::new_v4())),
        to_user_id: Set(message.to_user_id),
        to_address: Set(message.to_address),
        template: Set(message.template.to_owned()),
        subject: Set(message.subject),
        body: Set(message.body),
        params: Set(message.params.map(|p| p.to_string())),
        attachment_key: Set(attachment_key),
        attachment_name: Set(attachment_name),
        status: Set(if held { status::HELD } else { status::QUEUED }.to_owned()),
        attempts: Set(0),
        next_attempt_ms: Set(now_ms),
        lease_until_ms: Set(None),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        sent_ms: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Records that an alert went out; `false` if it already had (by any instance, any time).
/// The insert runs in a savepoint, so a duplicate leaves the caller's transaction usable
/// (PostgreSQL aborts a transaction on any failed statement).
pub async fn mark_once(conn: &(impl ConnectionTrait + TransactionTrait), mark: &str) -> Result<bool, DbErr> {
    let savepoint = conn.begin().await?;
    let inserted = alert_marks::ActiveModel {
        mark: Set(mark.chars().take(120).collect()),
        created_at: Set(Utc::now()),
    }
    .insert(&savepoint)
    .await;
    match inserted {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(true)
        }
        Err(e) if campus_db::constraint_violation(&e) == Some(campus_db::ConstraintKind::Unique) => {
            savepoint.rollback().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// A user's channel for a topic (the topic's default unless they chose otherwise).
pub async fn channel_of(conn: &impl ConnectionTrait, user_id: i64, topic: Topic) -> Result<Channel, DbErr> {
    let row = notification_preferences::Entity::find_by_id((user_id, topic.as_str().to_owned()))
        .one(conn)
        .await?;
    Ok(row
        .and_then(|r| Channel::parse(&r.channel).ok())
        .unwrap_or(topic.default_channel()))
}

/// Every topic's channel for a user.
pub async fn channels_of(conn: &impl ConnectionTrait, user_id: i64) -> Result<Vec<(Topic, Channel)>, DbErr> {
    let rows = notification_preferences::Entity::find()
        .filter(notification_preferences::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    Ok(Topic::ALL
        .into_iter()
        .map(|t| {
            let chosen = rows
                .iter()
                .find(|r| r.topic == t.as_str())
                .and_then(|r| Channel::parse(&r.channel).ok());
            (t, chosen.unwrap_or(t.default_channel()))
        })
        .collect())
}

/// Sets one topic's channel.
pub async fn set_channel(
    conn: &impl ConnectionTrait,
    user_id: i64,
    topic: Topic,
    channel: Channel,
) -> Result<(), DbErr> {
    notification_preferences::Entity::delete_many()
        .filter(notification_preferences::Column::UserId.eq(user_id))
        .filter(notification_preferences::Column::Topic.eq(topic.as_str()))
        .exec(conn)
        .await?;
    notification_preferences::ActiveModel {
        user_id: Set(user_id),
        topic: Set(topic.as_str().to_owned()),
        channel: Set(channel.as_str().to_owned()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A user's email address, if they have one and are active.
pub async fn address_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<(String, String)>, DbErr> {
    Ok(users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .filter(|u| u.is_active)
        .and_then(|u| u.email.map(|e| (e, u.name))))
}

/// Messages a worker may take at `now_ms`: queued and due, or `sending` under a lease that ran
/// out (its worker died).
fn claimable(now_ms: i64) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(
            sea_orm::Condition::all()
                .add(email_outbox::Column::Status.eq(status::QUEUED))
                .add(email_outbox::Column::NextAttemptMs.lte(now_ms)),
        )
        .add(
            sea_orm::Condition::all()
                .add(email_outbox::Column::Status.eq(status::SENDING))
                .add(email_outbox::Column::LeaseUntilMs.lt(now_ms)),
        )
}

/// Takes up to `limit` due messages for `lease_ms`: each is `sending` under this worker's
/// lease, so another instance skips it until the lease runs out.
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    now_ms: i64,
    lease_ms: i64,
    limit: u64,
) -> Result<Vec<email_outbox::Model>, DbErr> {
    let candidates: Vec<i64> = email_outbox::Entity::find()
        .select_only()
        .column(email_outbox::Column::Id)
        .filter(claimable(now_ms))
        .order_by_asc(email_outbox::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for id in candidates {
        // One guarded update per message: of N instances racing, exactly one changes the row.
        // The attempt counts when it starts: a message that kills its worker is not claimed
        // forever.
        let taken = email_outbox::Entity::update_many()
            .col_expr(email_outbox::Column::Status, Expr::value(status::SENDING))
            .col_expr(email_outbox::Column::LeaseUntilMs, Expr::value(now_ms + lease_ms))
            .col_expr(
                email_outbox::Column::Attempts,
                Expr::col(email_outbox::Column::Attempts).add(1),
            )
            .filter(email_outbox::Column::Id.eq(id))
            .filter(claimable(now_ms))
            .exec(conn)
            .await?;
        if taken.rows_affected == 1
            && let Some(m) = email_outbox::Entity::find_by_id(id).one(conn).await?
        {
            claimed.push(m);
        }
    }
    Ok(claimed)
}

/// The message was accepted by the SMTP server. Guarded by the claim's lease: a worker whose
/// lease ran out (another instance took the message) changes nothing. A reset link's token
/// is dropped from the row once sent.
pub async fn mark_sent(conn: &impl ConnectionTrait, id: i64, lease: i64, now_ms: i64) -> Result<bool, DbErr> {
    let done = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(status::SENT))
        .col_expr(email_outbox::Column::SentMs, Expr::value(now_ms))
        .col_expr(
            email_outbox::Column::LeaseUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .filter(email_outbox::Column::Id.eq(id))
        .filter(email_outbox::Column::Status.eq(status::SENDING))
        .filter(email_outbox::Column::LeaseUntilMs.eq(lease))
        .exec(conn)
        .await?;
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Params, Expr::value(Option::<String>::None))
        .filter(email_outbox::Column::Id.eq(id))
        .filter(email_outbox::Column::Template.eq(super::model::templates::PASSWORD_RESET))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The attempt failed: try again at `retry_at_ms`, or give up (`dead`) when `retry_at_ms` is
/// `None`.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    id: i64,
    lease: i64,
    error: &str,
    retry_at_ms: Option<i64>,
) -> Result<(), DbErr> {
    let state = if retry_at_ms.is_some() {
        status::QUEUED
    } else {
        status::DEAD
    };
    let mut update = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(state))
        .col_expr(
            email_outbox::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .col_expr(
            email_outbox::Column::LeaseUntilMs,
            Expr::value(Option::<i64>::None),
        );
    if let Some(at) = retry_at_ms {
        update = update.col_expr(email_outbox::Column::NextAttemptMs, Expr::value(at));
    }
    update
        .filter(email_outbox::Column::Id.eq(id))
        .filter(email_outbox::Column::Status.eq(status::SENDING))
        .filter(email_outbox::Column::LeaseUntilMs.eq(lease))
        .exec(conn)
        .await?;
    Ok(())
}
