//! The log queue: every log line is appended to one bounded buffer under a short lock, and one
//! background thread writes what has gathered to stdout in a single `write` every few
//! milliseconds.
//!
//! This replaced `tracing-appender`'s non-blocking writer, whose worker receives each line as
//! its own channel message (a copy per line) and goes back to sleep whenever the channel is
//! empty, so under load every few requests paid a wake-up of the writer thread (a `futex`
//! call and a context switch on a 2-core machine) and the writer spun on `sched_yield`
//! between lines (docs/PERFORMANCE.md, "Speed (issue 17), 2026-12-01, second pass"). Here a
//! line only wakes the writer when it is the first of a batch; the writer then waits
//! [`BATCH_WINDOW`] for more before writing.
//!
//! Bounded: at most `limit` lines wait. When stdout cannot keep up and the buffer is full, new
//! lines are dropped and counted, never queued without bound and never waited for. Lines
//! that fail to write are counted the same way.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

/// How long the writer gathers lines after the first of a batch, and between batches under
/// load: the most a line waits before it is written.
pub(crate) const BATCH_WINDOW: Duration = Duration::from_millis(5);

/// The writing end shared by every thread that logs; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct LogQueue {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    limit: usize,
    dropped: AtomicU64,
    /// The writer thread, set by the writer itself before it first waits.
    writer: OnceLock<Thread>,
    closing: AtomicBool,
}

#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    lines: usize,
}

/// Stops the writer when dropped, after it has written every line still waiting.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub(crate) struct QueueGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LogQueue {
    /// Starts the writer thread `name`, writing to `out`; at most `limit` lines wait.
    pub(crate) fn start(
        out: impl Write + Send + 'static,
        limit: usize,
        name: &str,
    ) -> std::io::Result<(Self, QueueGuard)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            limit: limit.max(1),
            dropped: AtomicU64::new(0),
            writer: OnceLock::new(),
            closing: AtomicBool::new(false),
        });
        let for_writer = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || write_batches(&for_writer, out))?;
        let guard = QueueGuard {
            shared: Arc::clone(&shared),
            thread: Some(thread),
        };
        Ok((LogQueue { shared }, guard))
    }

    /// Queues one line (or one formatted event), or drops and counts it when the queue is
    /// full. Never blocks on the output.
    pub(crate) fn push(&self, line: &[u8]) {
        let first = {
            let mut pending = self.shared.lock();
            if pending.lines >= self.shared.limit {
                drop(pending);
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            pending.bytes.extend_from_slice(line);
            pending.lines += 1;
            pending.lines == 1
        };
        if first && let Some(writer) = self.shared.writer.get() {
            writer.unpark();
        }
    }

    /// Lines dropped (queue full) or failed to write, since start.
    pub(crate) fn dropped_lines(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer thread: takes what is waiting, writes it with one call, waits a batch window;
/// sleeps until the next line when nothing waits; on close, writes the rest and returns.
fn write_batches(shared: &Shared, mut out: impl Write) {
    let _ = shared.writer.set(std::thread::current());
    let mut batch = Vec::new();
    loop {
        let closing = shared.closing.load(Ordering::Acquire);
        let lines = {
            let mut pending = shared.lock();
            std::mem::swap(&mut pending.bytes, &mut batch);
            std::mem::take(&mut pending.lines)
        };
        if lines == 0 {
            if closing {
                let _ = out.flush();
                return;
            }
            // Woken by the first line of the next batch (or by the guard), then gathers.
            std::thread::park();
            if !shared.closing.load(Ordering::Acquire) {
                std::thread::sleep(BATCH_WINDOW);
            }
            continue;
        }
        if out.write_all(&batch).and_then(|()| out.flush()).is_err() {
            shared
                .dropped
                .fetch_add(u64::try_from(lines).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
        batch.clear();
        if !closing {
            std::thread::sleep(BATCH_WINDOW);
        }
    }
}

impl Drop for QueueGuard {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// One event's writer for `tracing_subscriber`: the formatter writes an event with one
/// `write_all`, which becomes one queued line.
impl std::io::Write for &LogQueue {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogQueue {
    type Writer = &'a LogQueue;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// An output that records what it is given, and can be held shut.
    #[derive(Clone)]
    struct Sink {
        written: Arc<Mutex<Vec<u8>>>,
        gate: Arc<Mutex<Option<mpsc::Receiver<()>>>>,
        entered: mpsc::SyncSender<()>,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let _ = self.entered.try_send(());
            if let Some(gate) = self.gate.lock().unwrap().as_ref() {
                // Bounded, so a failing test ends instead of holding the writer forever.
                let _ = gate.recv_timeout(Duration::from_secs(10));
            }
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn sink(held: bool) -> (Sink, Option<mpsc::Sender<()>>, mpsc::Receiver<()>) {
        let (open, gate) = mpsc::channel();
        let (entered, writing) = mpsc::sync_channel(64);
        let sink = Sink {
            written: Arc::default(),
            gate: Arc::new(Mutex::new(held.then_some(gate))),
            entered,
        };
        (sink, held.then_some(open), writing)
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_is_dropped() {
        let (out, _, _) = sink(false);
        let (queue, guard) = LogQueue::start(out.clone(), 1000, "test-log").unwrap();
        for i in 0..500 {
            queue.push(format!("line {i}\n").as_bytes());
        }
        drop(guard);
        let written = String::from_utf8(out.written.lock().unwrap().clone()).unwrap();
        let expected: String = (0..500).map(|i| format!("line {i}\n")).collect();
        assert_eq!(written, expected);
        assert_eq!(queue.dropped_lines(), 0);
    }

    #[test]
    fn a_full_queue_drops_new_lines_and_counts_them_without_waiting() {
        let (out, open, writing) = sink(true);
        let (queue, guard) = LogQueue::start(out.clone(), 2, "test-log").unwrap();
        queue.push(b"first\n");
        // The writer has taken "first" and is held inside the output.
        writing.recv_timeout(Duration::from_secs(5)).unwrap();
        queue.push(b"second\n");
        queue.push(b"third\n");
        queue.push(b"fourth\n");
        queue.push(b"fifth\n");
        assert_eq!(queue.dropped_lines(), 2);
        // Release the output for good; the guard writes what waited.
        drop(open);
        drop(guard);
        let written = String::from_utf8(out.written.lock().unwrap().clone()).unwrap();
        assert_eq!(written, "first\nsecond\nthird\n");
    }
}
