//! Messages between instances over Redis pub/sub: session changes (revocation, sign-out
//! everywhere, role and password changes) and "new events" hints for the realtime streams.
//!
//! Publishing never waits: messages go into a bounded queue that one task sends. The
//! subscriber task reconnects after any failure, and on every (re)connection marks the
//! session cache stale and wakes the event watcher, so whatever was missed while the
//! connection was down is read from the database.

use std::sync::Arc;
use std::time::Duration;

use campus_domain::identity::sessions::SessionCache;
use campus_domain::identity::{SessionBroadcast, SessionChange};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};

use super::RedisLink;

/// Queued messages beyond this are dropped (and caught up by the database).
const QUEUE: usize = 4096;
/// How often the subscriber checks that its connection is alive.
const PING_EVERY: Duration = Duration::from_secs(5);

/// One message on the sessions channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BusMessage {
    /// The sending instance (it skips its own).
    pub from: String,
    #[serde(flatten)]
    pub change: SessionChange,
}

#[derive(Debug)]
enum Outgoing {
    Session(SessionChange),
    EventsHint,
}

/// This instance's end of the bus. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Bus {
    instance: Arc<str>,
    link: Option<RedisLink>,
    queue: mpsc::Sender<Outgoing>,
    hint_pending: Arc<std::sync::atomic::AtomicBool>,
    receiver: Arc<tokio::sync::Mutex<Option<mpsc::Receiver<Outgoing>>>>,
    /// Wakes this instance's event watcher.
    events: Arc<Notify>,
}

impl Bus {
    pub fn new(cluster: &super::Cluster, events: Arc<Notify>) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        Self {
            instance: cluster.instance().into(),
            link: cluster.redis().cloned(),
            queue,
            hint_pending: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            receiver: Arc::new(tokio::sync::Mutex::new(Some(receiver))),
            events,
        }
    }

    /// Something that may have written notifications has committed: wake the event watchers
    /// here and (through Redis) on every instance. Hints coalesce: while one is queued,
    /// more are not.
    pub fn events_changed(&self) {
        self.events.notify_one();
        if self.link.is_some()
            && !self.hint_pending.swap(true, std::sync::atomic::Ordering::AcqRel)
            && self.queue.try_send(Outgoing::EventsHint).is_err()
        {
            self.hint_pending
                .store(false, std::sync::atomic::Ordering::Release);
        }
    }

    /// Runs the publisher and the subscriber until the returned handles are aborted. Without
    /// Redis there is nothing to run.
    pub async fn spawn(&self, sessions: Arc<SessionCache>) -> Vec<tokio::task::JoinHandle<()>> {
        let Some(link) = self.link.clone() else {
            return Vec::new();
        };
        let Some(receiver) = self.receiver.lock().await.take() else {
            return Vec::new();
        };
        vec![
            tokio::spawn(publish(self.clone(), link.clone(), receiver)),
            tokio::spawn(subscribe(self.clone(), link, sessions)),
        ]
    }
}

impl SessionBroadcast for Bus {
    fn publish(&self, change: SessionChange) {
        if self.link.is_some() && self.queue.try_send(Outgoing::Session(change)).is_err() {
            tracing::warn!("the cluster message queue is full; other instances catch up from the database");
        }
    }
}

async fn publish(bus: Bus, link: RedisLink, mut receiver: mpsc::Receiver<Outgoing>) {
    let sessions = link.key("sessions");
    let events = link.key("events");
    while let Some(message) = receiver.recv().await {
        let (channel, payload) = match message {
            Outgoing::Session(change) => {
                let message = BusMessage {
                    from: bus.instance.to_string(),
                    change,
                };
                match serde_json::to_string(&message) {
                    Ok(text) => (&sessions, text),
                    Err(_) => continue,
                }
            }
            Outgoing::EventsHint => {
                bus.hint_pending
                    .store(false, std::sync::atomic::Ordering::Release);
                (&events, bus.instance.to_string())
            }
        };
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        // A failure is logged by `query`; the database catches the others up.
        let _: Option<i64> = link.query(&cmd).await;
    }
}

async fn subscribe(bus: Bus, link: RedisLink, sessions: Arc<SessionCache>) {
    let sessions_channel = link.key("sessions");
    let events_channel = link.key("events");
    let mut was_down = false;
    loop {
        match listen(&bus, &link, &sessions, &sessions_channel, &events_channel).await {
            Ok(()) => tracing::warn!("the Redis subscription ended; reconnecting"),
            Err(e) => {
                if !was_down {
                    tracing::warn!(error = %e, "the Redis subscription failed; retrying every second");
                }
                was_down = true;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(
    bus: &Bus,
    link: &RedisLink,
    sessions: &SessionCache,
    sessions_channel: &str,
    events_channel: &str,
) -> redis::RedisResult<()> {
    let timeout = link.timeout();
    let timed_out = || redis::RedisError::from((redis::ErrorKind::Io, "timed out"));
    let pubsub = tokio::time::timeout(timeout * 2, link.client().get_async_pubsub())
        .await
        .map_err(|_| timed_out())??;
    let (mut sink, mut stream) = pubsub.split();
    sink.subscribe(sessions_channel).await?;
    sink.subscribe(events_channel).await?;
    tracing::info!("subscribed to the cluster's Redis channels");
    // Messages sent while this instance was not listening are caught up from the database.
    sessions.mark_stale();
    bus.events.notify_one();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else { return Ok(()) };
                let payload = message.get_payload_bytes();
                if message.get_channel_name() == events_channel {
                    if payload != bus.instance.as_bytes() {
                        bus.events.notify_one();
                    }
                } else if let Ok(parsed) = serde_json::from_slice::<BusMessage>(payload)
                    && parsed.from != *bus.instance
                {
                    sessions.apply(&parsed.change);
                }
            }
            _ = ping.tick() => {
                tokio::time::timeout(timeout, sink.ping::<String>())
                    .await
                    .map_err(|_| timed_out())??;
            }
        }
    }
}
