//! The time services read. Production uses the system clock; tests use [`TestClock`] and move
//! it forward instead of sleeping, so expiry is tested exactly and fast.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// A source of the current time.
pub trait Clock: Debug + Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// A clock shared by every service of an instance.
pub type SharedClock = Arc<dyn Clock>;

/// The system's time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system's time moved forward by however much a test has [advanced](Self::advance) it.
/// It keeps running, so time-outs measured elsewhere (database, HTTP) behave as usual.
#[derive(Debug, Default)]
pub struct TestClock {
    ahead_ms: AtomicI64,
}

impl TestClock {
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.ahead_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_the_test_clock_and_nothing_else() {
        let clock = TestClock::default();
        let before = clock.now();
        clock.advance(std::time::Duration::from_secs(3600));
        let gap = clock.now() - before;
        assert!(
            gap >= Duration::seconds(3600) && gap < Duration::seconds(3610),
            "{gap}"
        );
        assert!(SystemClock.now() < clock.now() - Duration::seconds(3590));
    }
}
