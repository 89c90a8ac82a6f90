//! The pipeline's state and the steps of its loop: read a batch, make it durable, judge due
//! sessions, produce their records, settle deliveries, commit.
//!
//! Everything here runs on the consumer's thread (the loop and librdkafka's rebalance callbacks,
//! which run inside `poll`), so the state needs no locking beyond the one mutex the consumer
//! context holds it in.

use super::output::Outstanding;
use super::worker::{Job, JobResult};
use crate::assemble::store::now_ms;
use crate::assemble::{SessionAssembler, SessionStore, WriteBatch};
use crate::config::Config;
use crate::sink::kafka::{Delivery, OutgoingRecord, OutputProducer};
use crate::source::kafka::commit_point::CommitPoint;
use crate::source::kafka::decode::{Decoded, Decoder, InputTopic};
use crate::telemetry::metrics;
use rdkafka::Message;
use rdkafka::message::OwnedMessage;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::Duration;
use tracing::{debug, error, info, warn};

/// Counters for the log and `/state`.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub records: u64,
    pub dlq: u64,
    pub duplicates: u64,
    pub after_finalized: u64,
    pub verdicts: u64,
    pub rebalances: u64,
}

/// The pipeline's state.
pub struct Core {
    pub(super) config: Arc<Config>,
    pub(super) assembler: SessionAssembler,
    pub(super) store: Box<dyn SessionStore>,
    /// Sessions new to this instance, held in memory before they go to the store (`held.rs`).
    pub(super) held: super::held::HeldSessions,
    /// Sessions delivered in this round, to finish in one store transaction.
    pub(super) finishing: Vec<(i32, String, Option<super::worker::JudgedSession>)>,
    pub(super) decoder: Decoder,
    pub(super) producer: OutputProducer,
    pub(super) deliveries: Receiver<Delivery>,
    pub(super) jobs: Option<SyncSender<Job>>,
    pub(super) results: Receiver<JobResult>,
    pub(super) commit_points: HashMap<(String, i32), CommitPoint>,
    pub(super) assigned: BTreeSet<i32>,
    /// DLQ copies not yet acknowledged, by (topic, partition, offset).
    pub(super) dlq_pending: HashMap<(String, i32, i64), OutgoingRecord>,
    /// DLQ copies to send again at a time (Unix ms).
    pub(super) dlq_retry: Vec<(u64, (String, i32, i64))>,
    pub(super) ready: VecDeque<(crate::assemble::SessionState, crate::assemble::CloseReason)>,
    pub(super) outstanding: HashMap<String, Outstanding>,
    pub(super) attempts: HashMap<String, u32>,
    /// Partitions stopped after a permanent output failure.
    pub(super) stopped: BTreeSet<i32>,
    pub(super) counters: Counters,
    pub(super) shutdown: Arc<AtomicBool>,
    /// Whether the last store operation succeeded (for `/readyz`).
    pub(super) store_ok: bool,
    /// Limits "record sent to dlq" lines during poison floods.
    pub(super) dlq_log: crate::telemetry::limit::LogLimiter,
}

/// Input topic of a message.
fn input_topic(config: &Config, topic: &str) -> InputTopic {
    if topic == config.kafka.end_topic { InputTopic::Ends } else { InputTopic::Chunks }
}

/// Exponential backoff with jitter: `base * 2^attempt`, capped at 60 s, times 0.5–1.0.
pub fn backoff_ms(base_ms: u64, attempt: u32) -> u64 {
    let exponential = base_ms.saturating_mul(1u64 << attempt.min(16)).min(60_000);
    let jitter = rand::random_range(0.5..=1.0);
    (exponential as f64 * jitter) as u64
}

impl Core {
    /// Runs `operation` until it succeeds, backing off between attempts; gives up when shutting
    /// down (the caller then exits without committing what depended on it), or when the store
    /// fences this instance off partitions (they are handed back here).
    pub(super) fn retry_store<T>(
        &mut self,
        what: &str,
        mut operation: impl FnMut(&mut dyn SessionStore) -> Result<T, crate::assemble::StoreError>,
    ) -> Option<T> {
        let mut attempt = 0;
        loop {
            match operation(self.store.as_mut()) {
                Ok(value) => {
                    self.store_ok = true;
                    if attempt > 0 {
                        info!(operation = what, attempts = attempt + 1, "session store recovered");
                    }
                    return Some(value);
                }
                Err(crate::assemble::StoreError::Fenced { partitions }) => {
                    let partitions: BTreeSet<i32> = partitions.into_iter().collect();
                    warn!(operation = what, ?partitions, "partitions claimed by another instance; handing them back");
                    self.forget_partitions(&partitions);
                    return None;
                }
                Err(error) => {
                    self.store_ok = false;
                    metrics().store_errors.with_label_values(&[what]).inc();
                    warn!(operation = what, attempt, error = %error, "session store failed; retrying");
                    if self.shutdown.load(Ordering::Relaxed) && attempt > 2 {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(backoff_ms(
                        self.config.timeouts.retry_backoff_ms,
                        attempt,
                    )));
                    attempt += 1;
                }
            }
        }
    }

    /// Processes a batch of input records: decode, assemble, make durable, then mark done.
    pub fn process_batch(&mut self, mut messages: Vec<OwnedMessage>) {
        let now = now_ms();
        // Only records of partitions this instance owns: anything else is the owner's to read
        // (it is not committed here, so the owner reads it from the committed offset).
        let before = messages.len();
        messages.retain(|message| self.assigned.contains(&message.partition()));
        if messages.len() < before {
            debug!(skipped = before - messages.len(), "records of partitions not owned skipped");
        }
        let mut decoded = Vec::with_capacity(messages.len());
        for message in messages {
            let topic = input_topic(&self.config, message.topic());
            let result = self.decode_with_retry(topic, &message);
            decoded.push((message, result));
        }
        // Which sessions new to this instance were finalized before (replays, restarts)?
        let mut unknown: Vec<String> = Vec::new();
        for (_, result) in &decoded {
            if let Ok(record) = result {
                let sid = record.session_id();
                if !self.assembler.knows(sid) && !unknown.iter().any(|seen| seen == sid) {
                    unknown.push(sid.to_string());
                }
            }
        }
        if !unknown.is_empty() {
            let sids: Vec<&str> = unknown.iter().map(String::as_str).collect();
            let Some(finalized) = self.retry_store("finalized", |store| store.finalized(&sids)) else { return };
            for (sid, finalized) in unknown.iter().zip(finalized) {
                if finalized {
                    self.assembler.remember_finalized(sid);
                }
            }
        }

        let mut consumed: HashMap<(String, i32), u64> = HashMap::new();
        for (message, _) in &decoded {
            *consumed.entry((message.topic().to_string(), message.partition())).or_default() += 1;
        }
        for ((topic, partition), count) in consumed {
            metrics().records_consumed.with_label_values(&[topic.as_str(), &partition.to_string()]).inc_by(count);
        }
        let mut batch = WriteBatch::default();
        let mut read_up_to: HashMap<(String, i32), i64> = HashMap::new();
        for (message, _) in &decoded {
            let next = read_up_to.entry((message.topic().to_string(), message.partition())).or_insert(0);
            *next = (*next).max(message.offset() + 1);
        }
        batch.positions = read_up_to.into_iter().map(|((topic, partition), next)| (topic, partition, next)).collect();
        // Each record whose effect this batch's store write makes durable, with its session.
        let mut durable = Vec::new();
        for (message, result) in decoded {
            let topic = message.topic().to_string();
            let partition = message.partition();
            let offset = message.offset();
            self.counters.records += 1;
            let point = self.commit_points.entry((topic.clone(), partition)).or_default();
            if let Err(error) = point.received(offset) {
                // Re-delivery of an offset already seen (after a seek): its effect is already
                // recorded, so it needs no tracking.
                debug!(topic, partition, offset, error = %error, "record not tracked");
                continue;
            }
            match result {
                Ok(Decoded::Chunk { chunk, json }) => {
                    let accepted = self.assembler.add_chunk(partition, &chunk, json, now, &mut batch);
                    self.count(accepted);
                    durable.push(((topic, partition, offset), chunk.session_id));
                }
                Ok(Decoded::End { end, json }) => {
                    let accepted = self.assembler.add_end(partition, &end, json, now, &mut batch);
                    self.count(accepted);
                    durable.push(((topic, partition, offset), end.session_id));
                }
                Err(error) => self.send_to_dlq(&message, &error.to_string(), error.kind()),
            }
        }
        // Records of held sessions and sessions new in this batch stay in memory (their
        // offsets wait for their verdicts, or for their spill to the store).
        self.held.take(&unknown, &self.assembler, now, &mut batch, &mut durable);
        let mut durable: Vec<(String, i32, i64)> = durable.into_iter().map(|(key, _)| key).collect();
        self.held.spill(&self.assembler, now, &mut batch, &mut durable);
        self.write_durably(batch, durable);
    }

    /// Writes held sessions past their hold time to the store, when no batch came to carry them.
    pub fn spill_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let mut batch = WriteBatch::default();
        let mut durable = Vec::new();
        self.held.spill(&self.assembler, now_ms(), &mut batch, &mut durable);
        if !batch.is_empty() || !durable.is_empty() {
            self.write_durably(batch, durable);
        }
    }

    /// Makes `batch` durable in one store transaction, then marks the offsets in `durable` done.
    /// Fenced off some partitions meanwhile (now forgotten): writes the rest. Shutting down with
    /// the store failing: gives up, nothing marked done.
    fn write_durably(&mut self, mut batch: WriteBatch, mut durable: Vec<(String, i32, i64)>) {
        loop {
            if self.retry_store("write", |store| store.write(&batch)).is_some() {
                break;
            }
            let before = batch.states.len() + batch.positions.len();
            batch.states.retain(|state| self.assigned.contains(&state.partition));
            batch.positions.retain(|(_, partition, _)| self.assigned.contains(partition));
            if batch.states.len() + batch.positions.len() == before {
                return;
            }
            let kept: std::collections::HashSet<String> = batch.states.iter().map(|state| state.sid.clone()).collect();
            batch.chunks.retain(|(sid, _, _)| kept.contains(sid));
            durable.retain(|(_, partition, _)| self.assigned.contains(partition));
        }
        for key in durable {
            self.mark_done(key);
        }
    }

    /// A record's effect is durable (stored, or reflected in acknowledged output): its offset
    /// may be committed once every offset before it is done too.
    pub(super) fn mark_done(&mut self, (topic, partition, offset): (String, i32, i64)) {
        if let Some(point) = self.commit_points.get_mut(&(topic, partition)) {
            // An offset of a partition revoked and reassigned since is not tracked any more.
            let _ = point.done(offset);
        }
    }

    fn count(&mut self, accepted: crate::assemble::Accepted) {
        match accepted {
            crate::assemble::Accepted::Stored => {}
            crate::assemble::Accepted::Duplicate => {
                self.counters.duplicates += 1;
                metrics().duplicate_chunks.inc();
            }
            crate::assemble::Accepted::AlreadyFinalized => {
                self.counters.after_finalized += 1;
                metrics().records_after_finalized.inc();
            }
        }
    }

    /// Decodes; when the schema registry is unreachable, waits and tries again (the record is
    /// not at fault, so it must not go to the DLQ).
    fn decode_with_retry(
        &self,
        topic: InputTopic,
        message: &OwnedMessage,
    ) -> Result<Decoded, crate::source::kafka::decode::DecodeError> {
        let mut attempt = 0;
        loop {
            match self.decoder.decode(topic, message.key(), message.payload()) {
                Err(error) if !error.is_permanent() && !self.shutdown.load(Ordering::Relaxed) => {
                    warn!(topic = message.topic(), partition = message.partition(), offset = message.offset(), attempt, error = %error, "cannot decode yet; retrying");
                    std::thread::sleep(Duration::from_millis(backoff_ms(
                        self.config.timeouts.retry_backoff_ms,
                        attempt,
                    )));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Moves due sessions to the workers, as far as the job queue has room.
    pub fn dispatch(&mut self) {
        let now = now_ms();
        for (state, reason) in self.assembler.due(now) {
            metrics().sessions_closed.with_label_values(&[reason.as_str()]).inc();
            self.ready.push_back((state, reason));
        }
        while let Some((state, reason)) = self.ready.pop_front() {
            if !self.assigned.contains(&state.partition) {
                continue;
            }
            let sid = state.sid.clone();
            let chunks = match self.held.chunks(&sid) {
                Some(chunks) => chunks,
                None => {
                    let Some(chunks) = self.retry_store("chunks", |store| store.chunks(&sid)) else { return };
                    chunks
                }
            };
            let Some(jobs) = &self.jobs else { return };
            match jobs.try_send(Job { state, reason, chunks, released_at: std::time::Instant::now() }) {
                Ok(()) => {}
                Err(TrySendError::Full(job)) => {
                    self.ready.push_front((job.state, job.reason));
                    return;
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }

    /// Whether sessions are being judged or delivered (the loop should not sleep on input).
    pub fn busy(&self) -> bool {
        self.assembler.in_flight() > 0 || !self.ready.is_empty() || !self.outstanding.is_empty()
    }

    /// Sessions of `partitions` being judged or delivered, and DLQ copies not acknowledged.
    pub fn in_flight_of(&self, partitions: &BTreeSet<i32>) -> usize {
        let sessions: usize = partitions.iter().map(|partition| self.assembler.in_flight_of(*partition)).sum();
        let dlq = self.dlq_pending.keys().filter(|(_, partition, _)| partitions.contains(partition)).count();
        sessions + dlq
    }

    /// Puts sessions of `partitions` that are due but not yet handed to a worker back (they are
    /// the next owner's to judge).
    pub fn unready(&mut self, partitions: &BTreeSet<i32>) {
        let now = now_ms();
        let (revoked, kept): (Vec<_>, Vec<_>) =
            self.ready.drain(..).partition(|(state, _)| partitions.contains(&state.partition));
        self.ready = kept.into();
        for (state, _) in revoked {
            self.assembler.retry_later(&state.sid, now);
        }
    }

    /// Forgets what belongs to revoked partitions.
    pub fn forget_partitions(&mut self, partitions: &BTreeSet<i32>) {
        for partition in partitions {
            let dropped = self.assembler.drop_partition(*partition);
            debug!(partition, sessions = dropped, "partition handed back");
            self.assigned.remove(partition);
            self.stopped.remove(partition);
        }
        self.held.forget_partitions(partitions);
        self.commit_points.retain(|(_, partition), _| !partitions.contains(partition));
        self.dlq_pending.retain(|(_, partition, _), _| !partitions.contains(partition));
        self.dlq_retry.retain(|(_, (_, partition, _))| !partitions.contains(partition));
        self.outstanding.retain(|_, outstanding| !partitions.contains(&outstanding.partition));
        self.ready.retain(|(state, _)| !partitions.contains(&state.partition));
    }

    /// Takes over newly assigned partitions: their open sessions come from the store.
    pub fn take_partitions(&mut self, partitions: &BTreeSet<i32>) {
        for partition in partitions {
            if !self.assigned.insert(*partition) {
                continue;
            }
            let partition = *partition;
            // Claim first: from here on, a previous owner's writes for it fail.
            if self.retry_store("claim", |store| store.claim(partition)).is_none() {
                return;
            }
            let Some(states) = self.retry_store("open_sessions", |store| store.open_sessions(partition)) else {
                return;
            };
            info!(partition, open_sessions = states.len(), "partition assigned");
            self.assembler.resume(states, now_ms());
        }
    }

    /// With the embedded store, says loudly when the group committed a partition further than
    /// this store has read it: another instance (with its own store) processed it, and the
    /// sessions it held open are not here. The embedded store is for one instance per group.
    pub fn check_store_positions(&mut self, committed: &[(String, i32, i64)]) {
        if self.config.store.backend != crate::config::StoreBackend::Embedded {
            return;
        }
        for (topic, partition, committed) in committed {
            let stored = match self.store.position(topic, *partition) {
                Ok(stored) => stored.unwrap_or(0),
                Err(error) => {
                    warn!(topic, partition, error = %error, "cannot read the store's position");
                    continue;
                }
            };
            if *committed > stored {
                metrics().store_mismatches.inc();
                error!(
                    topic,
                    partition,
                    committed,
                    stored,
                    "the group committed this partition beyond what this instance's embedded store has read: another instance with its own store processed it, and sessions it held open are not here; run one instance per group with store.backend = \"embedded\", or use \"redis\""
                );
            }
        }
    }

    /// Forgets finalized ids past their TTL (embedded store).
    pub fn purge(&mut self) {
        match self.store.purge_expired() {
            Ok(0) => {}
            Ok(purged) => debug!(purged, "forgot finalized sessions past their ttl"),
            Err(error) => warn!(error = %error, "cannot purge finalized sessions"),
        }
    }
}
