//! Guardian alerts: what a school tells a child's linked parents (those the link lets receive
//! notices), as in-app notifications that also go out by email per each parent's preferences.
//! Called by the school, finance and reports services inside the transaction of the change
//! they tell of; each rule is switched and tuned in `[alerts]`.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use campus_config::AlertSettings;
use campus_db::entities::{guardianships, students};

use super::model::{Channel, Outgoing, Topic, templates};
use super::repo;
use crate::notifications::{self, kinds};

/// Emails a notification to its user if their preference for its topic allows (called by
/// `notifications::push`, so every in-app notification can also arrive by email).
pub(crate) async fn email_notification(
    conn: &impl ConnectionTrait,
    user_id: i64,
    kind: &str,
    message: &str,
    attachment: Option<(String, String)>,
) -> Result<(), DbErr> {
    let topic = Topic::of_notification(kind);
    let channel = repo::channel_of(conn, user_id, topic).await?;
    if channel == Channel::Off {
        return Ok(());
    }
    let Some((address, name)) = repo::address_of(conn, user_id).await? else {
        return Ok(());
    };
    repo::enqueue(
        conn,
        Outgoing {
            to_user_id: Some(user_id),
            to_address: address,
            template: templates::NOTICE,
            subject: topic.subject().to_owned(),
            body: message.to_owned(),
            params: Some(json!({"name": name, "topic": topic.as_str()})),
            // A digest gathers words only; an attachment goes out with an instant email.
            attachment: if channel == Channel::Digest {
                None
            } else {
                attachment
            },
        },
        channel == Channel::Digest,
        Utc::now().timestamp_millis(),
    )
    .await?;
    Ok(())
}

/// The parents of `student_id` who receive notices.
async fn guardians(conn: &impl ConnectionTrait, student_id: i64) -> Result<Vec<i64>, DbErr> {
    Ok(guardianships::Entity::find()
        .filter(guardianships::Column::StudentId.eq(student_id))
        .filter(guardianships::Column::MayReceiveNotices.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.parent_user_id)
        .collect())
}

async fn tell_guardians(
    conn: &impl ConnectionTrait,
    student_id: i64,
    kind: &str,
    message: String,
    data: serde_json::Value,
) -> Result<(), DbErr> {
    for parent in guardians(conn, student_id).await? {
        notifications::push(conn, parent, kind, message.clone(), Some(data.clone())).await?;
    }
    Ok(())
}

/// A mark with a code that does not count as present: once per child and day, however often
/// the mark is changed back and forth.
pub(crate) async fn absence(
    conn: &(impl ConnectionTrait + TransactionTrait),
    rules: &AlertSettings,
    student: &students::Model,
    date: NaiveDate,
    code: &str,
) -> Result<(), DbErr> {
    if !rules.absence || !repo::mark_once(conn, &format!("absence:{}:{date}", student.id)).await? {
        return Ok(());
    }
    tell_guardians(
        conn,
        student.id,
        kinds::ABSENCE,
        format!("{} was marked {code} on {date}.", student.name),
        json!({"student_id": student.id, "date": date, "status": code}),
    )
    .await
}

/// A grade under `alerts.low_grade_points_below`.
pub(crate) async fn low_grade(
    conn: &impl ConnectionTrait,
    rules: &AlertSettings,
    student: &students::Model,
    subject: &str,
    shown: &str,
    points: f64,
) -> Result<(), DbErr> {
    if rules.low_grade_points_below <= 0.0 || points >= rules.low_grade_points_below {
        return Ok(());
    }
    tell_guardians(
        conn,
        student.id,
        kinds::LOW_GRADE,
        format!("{} received {shown} in {subject}.", student.name),
        json!({"student_id": student.id, "subject": subject, "points": points}),
    )
    .await
}

/// A new progress report; the email carries the PDF (`blob_key`, `file_name`).
pub(crate) async fn report_card(
    conn: &impl ConnectionTrait,
    rules: &AlertSettings,
    student: &students::Model,
    report_id: i64,
    pdf: (String, String),
) -> Result<(), DbErr> {
    if !rules.report_card {
        return Ok(());
    }
    let message = format!(
        "A new report card for {} is available in Campus; it is attached.",
        student.name
    );
    let data = json!({"student_id": student.id, "report_id": report_id});
    for parent in guardians(conn, student.id).await? {
        notifications::repo::push(
            conn,
            parent,
            kinds::REPORT_CARD,
            message.clone(),
            Some(data.clone()),
        )
        .await?;
        email_notification(conn, parent, kinds::REPORT_CARD, &message, Some(pdf.clone())).await?;
    }
    Ok(())
}

/// A payment on the child's account.
pub(crate) async fn payment(
    conn: &impl ConnectionTrait,
    rules: &AlertSettings,
    student: &students::Model,
    amount: &str,
    balance: &str,
) -> Result<(), DbErr> {
    if !rules.payment_received {
        return Ok(());
    }
    tell_guardians(
        conn,
        student.id,
        kinds::PAYMENT_RECEIVED,
        format!(
            "A payment of {amount} was recorded for {}. Balance now: {balance}.",
            student.name
        ),
        json!({"student_id": student.id}),
    )
    .await
}

/// Dues owed longer than `alerts.dues_overdue_days`: at most once per child and ISO week.
pub(crate) async fn dues_overdue(
    conn: &(impl ConnectionTrait + TransactionTrait),
    student: &students::Model,
    balance: &str,
    today: NaiveDate,
) -> Result<bool, DbErr> {
    let week = today.iso_week();
    if !repo::mark_once(
        conn,
        &format!("dues:{}:{}-W{:02}", student.id, week.year(), week.week()),
    )
    .await?
    {
        return Ok(false);
    }
    tell_guardians(
        conn,
        student.id,
        kinds::DUES_OVERDUE,
        format!(
            "{} has {balance} in dues outstanding for more than the school's limit.",
            student.name
        ),
        json!({"student_id": student.id}),
    )
    .await?;
    Ok(true)
}
