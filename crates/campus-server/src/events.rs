//! Realtime fan-out on one instance. One watcher task asks the database which users have new
//! notifications — when woken (a write on this instance, or a hint from another instance over
//! Redis) and once a second while anyone is listening — and tells this instance's streams;
//! each stream then reads its own user's new notifications. So an event written through any
//! instance reaches a stream held by any other, and the notifications table is the only
//! record (nothing is lost with an instance, and a stream resumes from `Last-Event-ID`).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use campus_domain::notifications::Feed;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, broadcast, watch};

/// How often the watcher looks without being woken, while streams are open.
const POLL: Duration = Duration::from_secs(1);
/// The shortest gap between two watcher queries (hints under write load coalesce).
const MIN_GAP: Duration = Duration::from_millis(20);
/// Ids re-read behind the newest seen one: a transaction that took an id earlier but
/// committed later is still found (concurrent writers are bounded by the pool size).
const LOOKBACK: i64 = 256;
/// Rows one watcher query reads.
const BATCH: u64 = 1000;

/// This instance's streams and their watcher. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EventHub {
    feed: Feed,
    wake: Arc<Notify>,
    news: broadcast::Sender<Arc<HashSet<i64>>>,
    streams: Arc<Semaphore>,
    closing: watch::Sender<bool>,
}

impl EventHub {
    pub fn new(feed: Feed, max_streams: usize) -> Self {
        let (news, _) = broadcast::channel(256);
        let (closing, _) = watch::channel(false);
        Self {
            feed,
            wake: Arc::new(Notify::new()),
            news,
            streams: Arc::new(Semaphore::new(max_streams.max(1))),
            closing,
        }
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// What wakes the watcher (the cluster bus holds it too).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// A place for one more stream, or `None` when this instance holds its maximum.
    pub fn admit(&self) -> Option<StreamTicket> {
        let permit = self.streams.clone().try_acquire_owned().ok()?;
        Some(StreamTicket {
            _permit: permit,
            news: self.news.subscribe(),
            closing: self.closing.subscribe(),
        })
    }

    /// Open streams on this instance.
    pub fn open_streams(&self) -> usize {
        self.news.receiver_count()
    }

    /// Ends every stream (shutdown: clients reconnect to another instance).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// The watcher loop; runs until aborted.
    pub async fn watch(self) {
        let mut high: Option<i64> = None;
        let mut seen = Seen::default();
        loop {
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            if self.news.receiver_count() == 0 {
                // Nobody listens: forget the position; the first stream starts from now.
                high = None;
                continue;
            }
            match self.look(&mut high, &mut seen).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "reading new notifications for streams failed"),
            }
            tokio::time::sleep(MIN_GAP).await;
        }
    }

    async fn look(&self, high: &mut Option<i64>, seen: &mut Seen) -> Result<(), sea_orm::DbErr> {
        let from = match *high {
            Some(h) => h,
            None => {
                let newest = self.feed.newest_id().await?;
                *high = Some(newest);
                // Streams opened before this read their own backlog; wake them once.
                let _ = self.news.send(Arc::new(HashSet::new()));
                return Ok(());
            }
        };
        let mut after = from.saturating_sub(LOOKBACK).max(0);
        loop {
            let rows = self.feed.recipients_after(after, BATCH).await?;
            let full = rows.len() as u64 >= BATCH;
            let mut users = HashSet::new();
            for &(id, user) in &rows {
                if seen.insert(id) {
                    users.insert(user);
                }
                after = after.max(id);
            }
            *high = Some(high.map_or(after, |h| h.max(after)));
            if !users.is_empty() {
                let _ = self.news.send(Arc::new(users));
            }
            if !full {
                return Ok(());
            }
        }
    }
}

/// Ids the watcher has announced recently (so the look-back does not announce them twice).
#[derive(Debug, Default)]
struct Seen {
    order: VecDeque<i64>,
    set: HashSet<i64>,
}

impl Seen {
    const CAPACITY: usize = 4 * LOOKBACK as usize + BATCH as usize;

    /// True if `id` is new.
    fn insert(&mut self, id: i64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// One admitted stream's subscriptions; its place is freed when dropped.
#[derive(Debug)]
pub struct StreamTicket {
    _permit: OwnedSemaphorePermit,
    pub news: broadcast::Receiver<Arc<HashSet<i64>>>,
    pub closing: watch::Receiver<bool>,
}
