//! Rate-limited logging: a poison flood or a flapping dependency must not turn the log into a
//! firehose. At most `burst` lines per window; the next allowed line says how many were
//! suppressed (the metrics still count every event).

use std::time::{Duration, Instant};

/// Allows at most `burst` log lines per `window`.
#[derive(Debug)]
pub struct LogLimiter {
    window: Duration,
    burst: u32,
    window_start: Option<Instant>,
    in_window: u32,
    suppressed: u64,
}

impl LogLimiter {
    /// A limiter of `burst` lines per `window`.
    pub fn new(burst: u32, window: Duration) -> Self {
        LogLimiter { window, burst, window_start: None, in_window: 0, suppressed: 0 }
    }

    /// `Some(suppressed_before)` when this line may be logged, `None` when it is suppressed.
    pub fn allow(&mut self, now: Instant) -> Option<u64> {
        if self.window_start.is_none_or(|start| now.duration_since(start) >= self.window) {
            self.window_start = Some(now);
            self.in_window = 0;
        }
        if self.in_window < self.burst {
            self.in_window += 1;
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_per_window_and_reports_what_it_suppressed() {
        let mut limiter = LogLimiter::new(2, Duration::from_secs(5));
        let start = Instant::now();
        assert_eq!(limiter.allow(start), Some(0));
        assert_eq!(limiter.allow(start), Some(0));
        assert_eq!(limiter.allow(start), None);
        assert_eq!(limiter.allow(start + Duration::from_secs(1)), None);
        assert_eq!(limiter.allow(start + Duration::from_secs(5)), Some(2));
    }
}
