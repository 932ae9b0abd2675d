//! Log output: pretty on a terminal, JSON lines otherwise (or as configured), written to stdout
//! by a background thread.
//!
//! Formatting happens on the thread that logs (into a buffer), writing does not: each line is
//! handed to `tracing-appender`'s non-blocking worker through a bounded queue of
//! `log.buffer_lines` lines. A request never waits for stdout. When stdout cannot keep up and
//! the queue is full, new lines are **dropped**, not queued without bound and not waited for;
//! the count is `campus_log_lines_dropped_total` in `/metrics`, so an operator sees it.
//! Anything still queued is written when the [`LogGuard`] is dropped at exit.

use std::io::IsTerminal;
use std::sync::OnceLock;

use campus_config::{LogFormat, LogSettings};
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// The process's drop counter, once logging is installed (the subscriber is process-global).
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Keeps the background writer alive; dropping it flushes what is queued.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

/// Installs the global subscriber. `RUST_LOG` wins over `log.filter`. A second call (tests)
/// leaves the first subscriber in place.
pub fn init(settings: &LogSettings) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match settings.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(settings.buffer_lines)
        .thread_name("campus-log")
        // Buffered: the worker writes a batch with one system call and flushes when its
        // queue is empty, instead of one `write` per line (stdout alone is line-buffered).
        .finish(std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()));
    let counter = writer.error_counter();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let installed = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    if installed.is_err() {
        return LogGuard { _worker: None };
    }
    let _ = DROPPED.set(counter);
    LogGuard { _worker: Some(guard) }
}

/// Log lines dropped because the writer's queue was full, since start (0 before [`init`]).
pub fn dropped_lines() -> u64 {
    DROPPED
        .get()
        .map_or(0, |c| u64::try_from(c.dropped_lines()).unwrap_or(u64::MAX))
}
