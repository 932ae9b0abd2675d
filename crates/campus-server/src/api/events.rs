//! `GET /api/v1/events`: the signed-in user's notifications as Server-Sent Events, live.
//!
//! Each event is one notification (`id:` its id, `event: notification`, `data:` the same JSON
//! as `GET /api/v1/me/notifications`). A client that reconnects with `Last-Event-ID` first
//! receives what it missed (notifications of the last seven days with higher ids), then live
//! ones; without it, only new ones. A comment line every 15 s keeps proxies from closing an
//! idle stream. Before every delivery the credential is checked again: a stream whose token
//! or web session has been revoked, or whose token has expired, ends with `event: end`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use crate::api::routing::routes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use campus_domain::identity::Principal;
use campus_domain::notifications::{Notification, REPLAY_DAYS};
use futures_util::Stream;

use super::Routes;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::events::StreamTicket;
use crate::state::AppState;

pub(crate) fn routes() -> Routes {
    vec![routes!(stream)]
}

/// A comment line this often keeps an idle stream open through proxies.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Ids delivered recently, re-read so a notification that committed late is not skipped.
const RECENT: usize = 64;
/// Notifications sent in one read.
const BATCH: u64 = 200;
/// What an `EventSource` waits before reconnecting, in milliseconds.
const RETRY_MS: u64 = 2000;

/// The credential a stream was opened with, checked again before each delivery.
#[derive(Debug, Clone)]
enum Credential {
    Bearer(String),
    Cookie(String),
}

impl Credential {
    fn of(state: &AppState, headers: &HeaderMap) -> Option<Self> {
        if let Some(value) = headers.get(header::AUTHORIZATION) {
            let text = value.to_str().ok()?;
            let (scheme, token) = text.split_once(' ')?;
            return scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| Self::Bearer(token.trim().to_owned()));
        }
        crate::web::cookies::read(state, headers, crate::web::cookies::SESSION_COOKIE)
            .map(|c| Self::Cookie(c.to_owned()))
    }

    async fn still_valid(&self, state: &AppState) -> bool {
        let identity = state.identity();
        match self {
            Self::Bearer(token) => identity.authenticate(token).await.is_ok(),
            Self::Cookie(session) => identity.authenticate_web_session(session).await.is_ok(),
        }
    }
}

/// The caller's notifications, live (Server-Sent Events).
#[utoipa::path(get, path = "/api/v1/events", tag = "me", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id")),
    responses(
        (status = 200, description = "An event stream: `event: notification` with a Notification as `data`, `event: end` when the credential stops being valid", content_type = "text/event-stream", body = String),
        (status = 400, description = "Last-Event-ID is not an event id"),
        (status = 401, description = "Not signed in"),
        (status = 503, description = "This instance holds its maximum of streams; retry (Retry-After)"),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let resume = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|id| *id >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Last-Event-ID must be the id of an event this stream sent (a whole number).",
                    )
                })?,
        ),
    };
    let credential = Credential::of(&state, &headers)
        .ok_or_else(|| ApiError::unauthorized("Sign in to open an event stream."))?;
    let ticket = state.events().admit().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            "This server holds as many event streams as it may; try again shortly.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("5"))
    })?;
    let floor = match resume {
        Some(id) => id,
        None => state
            .events()
            .feed()
            .newest_id_of(who.user_id)
            .await
            .map_err(ApiError::internal)?,
    };
    let cursor = Cursor {
        state,
        who,
        credential,
        ticket,
        floor,
        recent: VecDeque::new(),
        pending: VecDeque::new(),
        first: true,
        ended: false,
    };
    let mut response = Sse::new(events(cursor))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response();
    // Tell nginx-style proxies not to buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Where one stream stands.
struct Cursor {
    state: AppState,
    who: Principal,
    credential: Credential,
    ticket: StreamTicket,
    /// Every notification at or below this id has been delivered (or predates the stream).
    floor: i64,
    /// Ids delivered above `floor`, ascending.
    recent: VecDeque<i64>,
    pending: VecDeque<Event>,
    first: bool,
    ended: bool,
}

enum Wake {
    Look,
    Closing,
    Expired,
}

impl Cursor {
    /// Waits until there may be something for this user (or the stream must end).
    async fn wait(&mut self) -> Wake {
        let until_expiry = if self.who.web_session.is_none() && !self.who.jti.is_empty() {
            (self.who.expires_at - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
        } else {
            Duration::from_secs(365 * 24 * 3600)
        };
        let expiry = tokio::time::sleep(until_expiry);
        tokio::pin!(expiry);
        loop {
            tokio::select! {
                news = self.ticket.news.recv() => match news {
                    // An empty set means "look anyway" (the watcher just started).
                    Ok(users) if users.is_empty() || users.contains(&self.who.user_id) => return Wake::Look,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return Wake::Look,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Wake::Closing,
                },
                changed = self.ticket.closing.changed() => {
                    if changed.is_err() || *self.ticket.closing.borrow() {
                        return Wake::Closing;
                    }
                }
                () = &mut expiry => return Wake::Expired,
            }
        }
    }

    /// Reads this user's notifications above the floor that have not been delivered.
    async fn read(&mut self) -> Result<(), sea_orm::DbErr> {
        let since = chrono::Utc::now() - chrono::Duration::days(REPLAY_DAYS);
        let rows = self
            .state
            .events()
            .feed()
            .of_user_after(self.who.user_id, self.floor, since, BATCH + RECENT as u64)
            .await?;
        for n in rows {
            if self.recent.contains(&n.id) {
                continue;
            }
            let id = n.id;
            self.pending.push_back(notification_event(&n));
            let at = self.recent.partition_point(|x| *x < id);
            self.recent.insert(at, id);
            while self.recent.len() > RECENT {
                if let Some(old) = self.recent.pop_front() {
                    self.floor = self.floor.max(old);
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, reason: &str) -> Event {
        self.ended = true;
        Event::default()
            .event("end")
            .data(serde_json::json!({ "reason": reason }).to_string())
    }
}

fn notification_event(n: &Notification) -> Event {
    Event::default()
        .id(n.id.to_string())
        .event("notification")
        .data(serde_json::to_string(n).unwrap_or_else(|_| "{}".to_owned()))
}

fn events(cursor: Cursor) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.pending.pop_front() {
                return Some((Ok(event), c));
            }
            if c.ended {
                return None;
            }
            let wake = if c.first {
                c.first = false;
                // Tells the browser how soon to reconnect, and reads any backlog.
                c.pending.push_back(
                    Event::default()
                        .retry(Duration::from_millis(RETRY_MS))
                        .comment("ready"),
                );
                Wake::Look
            } else {
                c.wait().await
            };
            match wake {
                Wake::Look => {
                    if !c.credential.still_valid(&c.state).await {
                        let end = c.end("credential_revoked");
                        c.pending.push_back(end);
                        continue;
                    }
                    if let Err(e) = c.read().await {
                        tracing::warn!(error = %e, "reading a stream's notifications failed");
                    }
                }
                Wake::Closing => {
                    let end = c.end("server_closing");
                    c.pending.push_back(end);
                }
                Wake::Expired => {
                    let end = c.end("token_expired");
                    c.pending.push_back(end);
                }
            }
        }
    })
}
