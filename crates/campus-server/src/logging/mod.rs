//! Log output: pretty on a terminal, JSON lines otherwise (or as configured), written to stdout
//! by a background thread.
//!
//! Formatting happens on the thread that logs (into a buffer), writing does not: each line is
//! appended to the [`queue`] of at most `log.buffer_lines` lines, which one thread writes out
//! in batches. A request never waits for stdout. When stdout cannot keep up and the queue is
//! full, new lines are **dropped**, not queued without bound and not waited for; the count is
//! `campus_log_lines_dropped_total` in `/metrics`, so an operator sees it. Anything still
//! queued is written when the [`LogGuard`] is dropped at exit.

mod queue;
mod span_fields;

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use campus_config::{LogFormat, LogSettings};
use tracing_subscriber::EnvFilter;

use queue::{LogQueue, QueueGuard};

/// The process's log queue, once logging is installed (the subscriber is process-global).
static QUEUE: OnceLock<LogQueue> = OnceLock::new();

/// The same queue when lines are JSON: the access line is then written to it directly.
static ACCESS: OnceLock<LogQueue> = OnceLock::new();

/// The target of access lines: `log.filter = "info,campus_server::access=warn"` keeps only
/// the failed requests' lines (5xx, at `error`).
pub const ACCESS_TARGET: &str = "campus_server::access";

/// Keeps the background writer alive; dropping it flushes what is queued.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<QueueGuard>,
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
    // The queue hands stdout whole lines in batches: each batch is one `write`.
    let Ok((queue, guard)) = LogQueue::start(std::io::stdout(), settings.buffer_lines, "campus-log") else {
        eprintln!("campus: could not start the log writer thread; logging is off");
        return LogGuard { _worker: None };
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(queue.clone());
    let installed = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(span_fields::SpanFields)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    if installed.is_err() {
        return LogGuard { _worker: None };
    }
    if json {
        let _ = ACCESS.set(queue.clone());
    }
    let _ = QUEUE.set(queue);
    LogGuard { _worker: Some(guard) }
}

/// Log lines dropped because the writer's queue was full, since start (0 before [`init`]).
pub fn dropped_lines() -> u64 {
    QUEUE.get().map_or(0, LogQueue::dropped_lines)
}

/// One request's access line: `info` "request finished", or `error` "request failed" for a
/// 5xx, with `method`, `route`, `request_id`, `status` and `latency_ms`, filtered like any other
/// event of target [`ACCESS_TARGET`].
///
/// With JSON logs the line is written here, field by field, in the shape the JSON formatter
/// gives every other line (`timestamp`, `level`, `message`, the fields, `target`): going
/// through the generic formatter cost more than the rest of a `/healthz` request's middleware
/// (docs/PERFORMANCE.md). With pretty logs it is an ordinary event.
pub fn access_line(method: &str, route: &str, request_id: &str, status: u16, latency: Duration) {
    let latency_ms = latency.as_secs_f64() * 1000.0;
    let failed = status >= 500;
    let enabled = if failed {
        tracing::enabled!(target: ACCESS_TARGET, tracing::Level::ERROR)
    } else {
        tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO)
    };
    if !enabled {
        return;
    }
    let Some(queue) = ACCESS.get() else {
        if failed {
            tracing::error!(target: ACCESS_TARGET, method, route, request_id, status, latency_ms, "request failed");
        } else {
            tracing::info!(target: ACCESS_TARGET, method, route, request_id, status, latency_ms, "request finished");
        }
        return;
    };
    LINE.with_borrow_mut(|line| {
        line.clear();
        line.extend_from_slice(b"{\"timestamp\":\"");
        write_timestamp(line, chrono::Utc::now());
        line.extend_from_slice(if failed {
            b"\",\"level\":\"ERROR\",\"message\":\"request failed\",\"method\":"
        } else {
            b"\",\"level\":\"INFO\",\"message\":\"request finished\",\"method\":"
        });
        // Strings go through serde_json for escaping; writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *line, method);
        line.extend_from_slice(b",\"route\":");
        let _ = serde_json::to_writer(&mut *line, route);
        line.extend_from_slice(b",\"request_id\":");
        let _ = serde_json::to_writer(&mut *line, request_id);
        line.extend_from_slice(b",\"status\":");
        let _ = serde_json::to_writer(&mut *line, &status);
        line.extend_from_slice(b",\"latency_ms\":");
        let _ = serde_json::to_writer(&mut *line, &latency_ms);
        line.extend_from_slice(b",\"target\":\"");
        line.extend_from_slice(ACCESS_TARGET.as_bytes());
        line.extend_from_slice(b"\"}\n");
        // One line on the bounded queue; a full queue drops it and counts the drop.
        queue.push(line);
    });
}

thread_local! {
    /// The access line being built on this thread, reused.
    static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(256));
}

/// `2026-11-30T12:34:56.123456Z`, as the JSON formatter writes `timestamp`.
fn write_timestamp(out: &mut Vec<u8>, now: chrono::DateTime<chrono::Utc>) {
    out.extend_from_slice(
        now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            .as_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_is_rfc3339_with_microseconds() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07.008009Z")
            .unwrap()
            .to_utc();
        let mut out = Vec::new();
        write_timestamp(&mut out, at);
        assert_eq!(String::from_utf8(out).unwrap(), "2026-03-04T05:06:07.008009Z");
    }
}
