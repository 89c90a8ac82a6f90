//! Delivery to a direct sink: one trait the sinks implement (prepare a record, batch, make one
//! attempt), and the retry loop they share.
//!
//! Guarantees of [`Deliverer::deliver`]: every prepared record ends either delivered or
//! rejected with its reason (for the dead-letter path), unless the caller abandons the wait
//! (shutdown, rebalance), in which case nothing is claimed and the records are read again.
//! Retryable failures back off exponentially with jitter, or as long as `Retry-After` says;
//! a refused batch of several records is split in halves until the refused records are alone,
//! so one bad record does not dead-letter its neighbours.

use super::config::{DeliveryConfig, RecordKindName};
use super::http::Attempt;
use super::route::Item;
use super::size_guard::Trimmed;
use crate::telemetry::metrics;
use std::time::Duration;

/// A record encoded for a sink.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The record's deterministic id.
    pub id: String,
    /// The session it is about.
    pub session_id: String,
    /// `verdict` or `audit`.
    pub kind: RecordKindName,
    /// The encoded record (one event, entry or request body).
    pub body: Vec<u8>,
    /// What the size guard cut, if anything.
    pub trimmed: Option<Trimmed>,
}

/// A direct sink.
pub trait DirectSink: Send {
    /// The sink's configured name (metrics label, dead-letter header).
    fn name(&self) -> &str;
    /// Encodes a routed record, trimmed to the sink's limit; `None` when the sink does not take
    /// this kind of record (PagerDuty takes verdicts only).
    fn prepare(&self, item: &Item) -> Option<Prepared>;
    /// Splits records into requests within the sink's count and size limits (order kept).
    fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>>;
    /// One attempt to deliver one batch.
    fn attempt(&mut self, batch: &[Prepared]) -> Attempt;
}

impl Prepared {
    /// A record encoded as `value`, trimmed to `max_bytes` first.
    pub fn new(item: &Item, mut value: serde_json::Value, max_bytes: usize) -> Prepared {
        let trimmed = super::size_guard::fit(&mut value, max_bytes);
        Prepared {
            id: item.id().to_string(),
            session_id: item.session_id().to_string(),
            kind: item.kind_name(),
            body: serde_json::to_vec(&value).unwrap_or_default(),
            trimmed: trimmed.any().then_some(trimmed),
        }
    }
}

/// Groups `records` in order into batches of at most `max_count` records and `max_bytes`
/// (bodies plus `overhead` bytes per record). A record larger than `max_bytes` goes alone.
pub fn batch_by(records: Vec<Prepared>, max_count: usize, max_bytes: usize, overhead: usize) -> Vec<Vec<Prepared>> {
    let mut batches: Vec<Vec<Prepared>> = Vec::new();
    let mut bytes = 0;
    for record in records {
        let size = record.body.len() + overhead;
        let full = match batches.last() {
            Some(last) => last.len() >= max_count || bytes + size > max_bytes,
            None => true,
        };
        if full {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(last) = batches.last_mut() {
            last.push(record);
        }
    }
    batches
}

/// What became of a batch.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records delivered.
    pub delivered: usize,
    /// Records refused for good, with the reason.
    pub rejected: Vec<(Prepared, String)>,
    /// The caller stopped the wait; the remaining records were neither delivered nor rejected.
    pub abandoned: bool,
    /// Attempts made (for logs and tests).
    pub attempts: u32,
}

/// The retry loop around a sink.
pub struct Deliverer {
    sink: Box<dyn DirectSink>,
    delivery: DeliveryConfig,
}

impl Deliverer {
    /// Wraps `sink` with its retry settings.
    pub fn new(sink: Box<dyn DirectSink>, delivery: DeliveryConfig) -> Self {
        Deliverer { sink, delivery }
    }

    /// The sink's name.
    pub fn name(&self) -> &str {
        self.sink.name()
    }

    /// Prepares and batches routed records.
    pub fn prepare(&self, items: &[Item]) -> Vec<Vec<Prepared>> {
        let prepared: Vec<Prepared> = items.iter().filter_map(|item| self.sink.prepare(item)).collect();
        self.sink.batches(prepared)
    }

    /// The delay before retry number `attempt` (1-based): `Retry-After` when given (capped at
    /// `max_retry_after_ms`), else exponential backoff with full jitter between half and all of
    /// `initial * 2^(attempt-1)`, capped at `max_backoff_ms`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(Duration::from_millis(self.delivery.max_retry_after_ms));
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self.delivery.initial_backoff_ms.saturating_mul(1 << exponent).min(self.delivery.max_backoff_ms);
        let jittered = rand::random_range(ceiling / 2..=ceiling.max(1));
        Duration::from_millis(jittered)
    }

    /// Delivers one batch. `wait` sleeps for the given delay and returns false to abandon
    /// (the forwarder polls its consumer meanwhile and stops on shutdown).
    pub fn deliver(&mut self, batch: Vec<Prepared>, wait: &mut dyn FnMut(Duration) -> bool) -> Outcome {
        let mut outcome = Outcome::default();
        let mut pending = vec![batch];
        let sink_metrics = metrics::metrics();
        while let Some(batch) = pending.pop() {
            if batch.is_empty() {
                continue;
            }
            let mut failures = 0u32;
            loop {
                outcome.attempts += 1;
                match self.sink.attempt(&batch) {
                    Attempt::Delivered => {
                        outcome.delivered += batch.len();
                        sink_metrics.sink_deliveries.with_label_values(&[self.sink.name()]).inc_by(batch.len() as u64);
                        break;
                    }
                    Attempt::Reject { reason } if batch.len() > 1 => {
                        tracing::info!(sink = self.sink.name(), records = batch.len(), %reason, "batch refused; splitting it to find the refused records");
                        let mut first = batch;
                        let second = first.split_off(first.len() / 2);
                        pending.push(second);
                        pending.push(first);
                        break;
                    }
                    Attempt::Reject { reason } => {
                        sink_metrics.sink_failures.with_label_values(&[self.sink.name(), "rejected"]).inc();
                        outcome.rejected.extend(batch.into_iter().map(|record| (record, reason.clone())));
                        break;
                    }
                    Attempt::Retry { reason, after } => {
                        failures += 1;
                        sink_metrics.sink_failures.with_label_values(&[self.sink.name(), "retried"]).inc();
                        if self.delivery.max_attempts > 0 && failures >= self.delivery.max_attempts {
                            sink_metrics.sink_failures.with_label_values(&[self.sink.name(), "rejected"]).inc();
                            let reason = format!("gave up after {failures} attempts: {reason}");
                            outcome.rejected.extend(batch.into_iter().map(|record| (record, reason.clone())));
                            break;
                        }
                        let delay = self.delay(failures, after);
                        tracing::warn!(sink = self.sink.name(), records = batch.len(), attempt = failures, delay_ms = delay.as_millis() as u64, %reason, "sink delivery failed; retrying");
                        if !wait(delay) {
                            outcome.abandoned = true;
                            return outcome;
                        }
                    }
                }
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: usize, bytes: usize) -> Prepared {
        Prepared {
            id: id.to_string(),
            session_id: "s".into(),
            kind: RecordKindName::Verdict,
            body: vec![b'x'; bytes],
            trimmed: None,
        }
    }

    #[test]
    fn batches_respect_count_and_bytes_and_keep_order() {
        let records: Vec<Prepared> = (0..10).map(|id| record(id, 100)).collect();
        let batches = batch_by(records.clone(), 4, 10_000, 1);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let batches = batch_by(records.clone(), 100, 303, 1);
        assert!(batches.iter().all(|batch| batch.len() == 3 || batch.len() == 1));
        let flat: Vec<Prepared> = batches.into_iter().flatten().collect();
        assert_eq!(flat, records);
        let batches = batch_by(vec![record(0, 10), record(1, 5000), record(2, 10)], 100, 1000, 0);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 1]);
    }

    /// Answers from a script, then delivers; refuses records whose id is in `bad`.
    struct Scripted {
        script: Vec<Attempt>,
        bad: Vec<String>,
        seen: Vec<usize>,
    }

    impl DirectSink for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        fn prepare(&self, _: &Item) -> Option<Prepared> {
            None
        }
        fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>> {
            vec![records]
        }
        fn attempt(&mut self, batch: &[Prepared]) -> Attempt {
            self.seen.push(batch.len());
            if !self.script.is_empty() {
                return self.script.remove(0);
            }
            if batch.iter().any(|record| self.bad.contains(&record.id)) {
                return Attempt::Reject { reason: "HTTP 400: bad".into() };
            }
            Attempt::Delivered
        }
    }

    fn deliverer(script: Vec<Attempt>, bad: &[&str], max_attempts: u32) -> Deliverer {
        let sink = Scripted { script, bad: bad.iter().map(|id| id.to_string()).collect(), seen: Vec::new() };
        let delivery =
            DeliveryConfig { initial_backoff_ms: 100, max_backoff_ms: 1_000, max_attempts, ..Default::default() };
        Deliverer::new(Box::new(sink), delivery)
    }

    #[test]
    fn retries_with_retry_after_then_backoff() {
        let retry =
            |after: Option<u64>| Attempt::Retry { reason: "HTTP 429".into(), after: after.map(Duration::from_secs) };
        let mut deliverer = deliverer(vec![retry(Some(7)), retry(None), retry(None), retry(None), retry(None)], &[], 0);
        let mut waits = Vec::new();
        let outcome = deliverer.deliver((0..3).map(|id| record(id, 10)).collect(), &mut |delay| {
            waits.push(delay);
            true
        });
        assert_eq!(outcome.delivered, 3);
        assert_eq!(outcome.attempts, 6);
        assert_eq!(waits[0], Duration::from_secs(7), "Retry-After honoured");
        for (index, ceiling) in [(1, 200), (2, 400), (3, 800), (4, 1000)] {
            let wait = waits[index].as_millis() as u64;
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "retry {index}: {wait} ms outside {}..={ceiling}",
                ceiling / 2
            );
        }
    }

    #[test]
    fn a_refused_batch_is_split_until_the_bad_records_are_alone() {
        let mut deliverer = deliverer(Vec::new(), &["3", "6"], 0);
        let outcome = deliverer.deliver((0..8).map(|id| record(id, 10)).collect(), &mut |_| true);
        assert_eq!(outcome.delivered, 6);
        let rejected: Vec<&str> = outcome.rejected.iter().map(|(record, _)| record.id.as_str()).collect();
        assert_eq!(rejected, vec!["3", "6"]);
        assert!(outcome.rejected.iter().all(|(_, reason)| reason.contains("HTTP 400")));
    }

    #[test]
    fn gives_up_after_max_attempts_and_abandons_on_request() {
        let retry = || Attempt::Retry { reason: "HTTP 503".into(), after: None };
        let mut bounded = deliverer(vec![retry(), retry(), retry()], &[], 3);
        let outcome = bounded.deliver(vec![record(0, 10)], &mut |_| true);
        assert_eq!((outcome.delivered, outcome.rejected.len(), outcome.attempts), (0, 1, 3));
        assert!(outcome.rejected[0].1.starts_with("gave up after 3 attempts"));

        let mut forever = deliverer(vec![retry(), retry(), retry()], &[], 0);
        let mut calls = 0;
        let outcome = forever.deliver(vec![record(0, 10)], &mut |_| {
            calls += 1;
            calls < 2
        });
        assert!(outcome.abandoned);
        assert_eq!((outcome.delivered, outcome.rejected.len()), (0, 0));
    }
}
