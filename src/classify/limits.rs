//! Per-model limits: requests per minute and tokens per minute (GCRA from `governor`), a cap on
//! requests in flight, and a circuit breaker; and the [`Clock`] they all read, which tests pause.
//!
//! Guarantees: a request waits (never fails) for the rate limits and the concurrency cap. A
//! token estimate larger than the per-minute allowance waits for the whole allowance rather
//! than forever. The breaker opens after `circuit_failures` consecutive failed requests (429,
//! 5xx, timeouts: the provider's trouble, not the answer's), fails fast while open, lets one
//! probe through after `circuit_open_ms`, and closes on its success. Its state is the gauge
//! `sightline_llm_circuit_state` (0 closed, 1 half-open, 2 open).

use super::config::ModelConfig;
use crate::telemetry::metrics::metrics;
use chrono::{DateTime, Utc};
use governor::{Quota, RateLimiter, state::InMemoryState, state::NotKeyed};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The time the limits, breaker and budgets read: real, or paused (advancing only when
/// something sleeps, so tests and benchmarks count waits instead of waiting).
#[derive(Debug, Clone)]
pub struct Clock {
    origin: Instant,
    wall_origin: DateTime<Utc>,
    paused: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The real clock.
    pub fn real() -> Self {
        Clock { origin: Instant::now(), wall_origin: Utc::now(), paused: None }
    }

    /// A paused clock that starts at `wall`.
    pub fn paused_at(wall: DateTime<Utc>) -> Self {
        Clock { origin: Instant::now(), wall_origin: wall, paused: Some(Arc::new(AtomicU64::new(0))) }
    }

    /// Whether time only moves by [`Clock::sleep`].
    pub fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Time since the clock started.
    pub fn elapsed(&self) -> Duration {
        match &self.paused {
            Some(nanos) => Duration::from_nanos(nanos.load(Ordering::Acquire)),
            None => self.origin.elapsed(),
        }
    }

    /// The wall-clock time.
    pub fn wall(&self) -> DateTime<Utc> {
        self.wall_origin + chrono::Duration::from_std(self.elapsed()).unwrap_or_default()
    }

    /// Waits: sleeps on the real clock, advances a paused one.
    pub fn sleep(&self, duration: Duration) {
        match &self.paused {
            Some(nanos) => {
                nanos.fetch_add(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX), Ordering::AcqRel);
            }
            None => std::thread::sleep(duration),
        }
    }
}

impl governor::clock::Clock for Clock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        self.elapsed()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, Clock, governor::middleware::NoOpMiddleware<Duration>>;

/// A model's limits.
pub struct Limits {
    requests: Option<Limiter>,
    tokens: Option<(Limiter, NonZeroU32)>,
    in_flight: Option<(Mutex<u32>, Condvar, u32)>,
    breaker: Breaker,
    clock: Clock,
}

/// Holds a concurrency slot until dropped.
pub struct Permit<'a> {
    limits: &'a Limits,
    /// Time spent waiting for the rate limits.
    pub waited: Duration,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some((count, condvar, _)) = &self.limits.in_flight {
            let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
            *count = count.saturating_sub(1);
            condvar.notify_one();
        }
    }
}

fn per_minute(count: u32) -> Option<Quota> {
    NonZeroU32::new(count).map(Quota::per_minute)
}

impl Limits {
    /// The limits `config` sets, on `clock`; `labels` are the metrics' provider and model.
    pub fn new(config: &ModelConfig, clock: Clock, labels: [String; 2]) -> Self {
        let requests =
            per_minute(config.requests_per_minute).map(|quota| Limiter::direct_with_clock(quota, clock.clone()));
        let tokens = per_minute(config.tokens_per_minute)
            .zip(NonZeroU32::new(config.tokens_per_minute))
            .map(|(quota, burst)| (Limiter::direct_with_clock(quota, clock.clone()), burst));
        let in_flight = (config.max_concurrency > 0).then(|| (Mutex::new(0), Condvar::new(), config.max_concurrency));
        let breaker = Breaker::new(config.circuit_failures, Duration::from_millis(config.circuit_open_ms), labels);
        Limits { requests, tokens, in_flight, breaker, clock }
    }

    /// Time on the limits' clock (what the breaker reads).
    pub fn now(&self) -> Duration {
        self.clock.elapsed()
    }

    /// The breaker.
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Waits for a concurrency slot, then for the request and token allowances of a request
    /// estimated at `tokens`; `sleep` waits (and is how tests see the waits).
    pub fn acquire(&self, tokens: u32, sleep: &dyn Fn(Duration)) -> Permit<'_> {
        if let Some((count, condvar, max)) = &self.in_flight {
            let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
            while *count >= *max {
                count = condvar.wait(count).unwrap_or_else(PoisonError::into_inner);
            }
            *count += 1;
        }
        let mut permit = Permit { limits: self, waited: Duration::ZERO };
        let waits = &metrics().llm_rate_limit_waits;
        if let Some(limiter) = &self.requests {
            while let Err(not_until) = limiter.check() {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
                waits.with_label_values(&self.breaker.label_refs()).inc();
                permit.waited += wait;
                sleep(wait);
            }
        }
        if let Some((limiter, burst)) = &self.tokens {
            let wanted = NonZeroU32::new(tokens.clamp(1, burst.get())).unwrap_or(*burst);
            while let Ok(Err(not_until)) = limiter.check_n(wanted) {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
                waits.with_label_values(&self.breaker.label_refs()).inc();
                permit.waited += wait;
                sleep(wait);
            }
        }
        permit
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Requests go through; counting consecutive failures.
    Closed { failures: u32 },
    /// Requests fail fast until `until` (clock time).
    Open { until: Duration },
    /// One probe is out; the rest fail fast until it answers.
    HalfOpen,
}

/// A circuit breaker for one model.
pub struct Breaker {
    state: Mutex<CircuitState>,
    threshold: u32,
    open_for: Duration,
    labels: [String; 2],
}

impl Breaker {
    fn new(threshold: u32, open_for: Duration, labels: [String; 2]) -> Self {
        let breaker = Breaker { state: Mutex::new(CircuitState::Closed { failures: 0 }), threshold, open_for, labels };
        breaker.publish(CircuitState::Closed { failures: 0 });
        breaker
    }

    fn label_refs(&self) -> [&str; 2] {
        [&self.labels[0], &self.labels[1]]
    }

    fn publish(&self, state: CircuitState) {
        let value = match state {
            CircuitState::Closed { .. } => 0,
            CircuitState::HalfOpen => 1,
            CircuitState::Open { .. } => 2,
        };
        metrics().llm_circuit_state.with_label_values(&self.label_refs()).set(value);
    }

    /// The current state.
    pub fn state(&self) -> CircuitState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a request may go now (at `now` on the clock); the error says why not.
    pub fn allow(&self, now: Duration) -> Result<(), String> {
        if self.threshold == 0 {
            return Ok(());
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match *state {
            CircuitState::Closed { .. } => Ok(()),
            CircuitState::Open { until } if now >= until => {
                *state = CircuitState::HalfOpen;
                self.publish(*state);
                Ok(())
            }
            CircuitState::Open { until } => Err(format!(
                "circuit open after {} consecutive failed requests; next try in {} ms",
                self.threshold,
                (until - now).as_millis()
            )),
            CircuitState::HalfOpen => Err("circuit half-open; a probe request is out".into()),
        }
    }

    /// Records how a request went: `failed` for the provider's trouble (429, 5xx, timeouts).
    pub fn record(&self, failed: bool, now: Duration) {
        if self.threshold == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let next = match (*state, failed) {
            (_, false) => CircuitState::Closed { failures: 0 },
            (CircuitState::Closed { failures }, true) if failures + 1 < self.threshold => {
                CircuitState::Closed { failures: failures + 1 }
            }
            (CircuitState::Open { until }, true) => CircuitState::Open { until },
            (_, true) => CircuitState::Open { until: now + self.open_for },
        };
        if next != *state {
            if matches!(next, CircuitState::Open { .. }) {
                tracing::warn!(model = %self.labels[1], open_ms = self.open_for.as_millis() as u64, "circuit opened");
            }
            *state = next;
            self.publish(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_fails_fast_probes_and_closes() {
        let breaker = Breaker::new(3, Duration::from_secs(30), ["test".into(), "breaker-unit".into()]);
        let at = Duration::from_secs;
        for _ in 0..2 {
            breaker.record(true, at(0));
        }
        assert_eq!(breaker.state(), CircuitState::Closed { failures: 2 });
        breaker.record(true, at(1));
        assert_eq!(breaker.state(), CircuitState::Open { until: at(31) });
        assert!(breaker.allow(at(30)).unwrap_err().contains("circuit open"));
        assert!(breaker.allow(at(31)).is_ok());
        assert_eq!(breaker.state(), CircuitState::HalfOpen);
        assert!(breaker.allow(at(31)).is_err(), "one probe at a time");
        breaker.record(true, at(32));
        assert_eq!(breaker.state(), CircuitState::Open { until: at(62) });
        assert!(breaker.allow(at(62)).is_ok());
        breaker.record(false, at(62));
        assert_eq!(breaker.state(), CircuitState::Closed { failures: 0 });
    }

    #[test]
    fn a_paused_clock_moves_only_when_slept() {
        let clock = Clock::paused_at(Utc::now());
        let before = clock.wall();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.elapsed(), Duration::ZERO);
        clock.sleep(Duration::from_secs(90));
        assert_eq!(clock.elapsed(), Duration::from_secs(90));
        assert_eq!((clock.wall() - before).num_seconds(), 90);
    }
}
