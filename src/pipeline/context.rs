//! The consumer context: librdkafka's rebalance and commit callbacks, and the commit itself.
//!
//! On revoke (eager or cooperative), the callback finishes in-flight work of the revoked
//! partitions — sessions being judged and delivered, DLQ copies — up to `drain_timeout_ms`, then
//! commits their done prefix synchronously, and hands their open sessions back (they stay in
//! the store for the next owner). On assign, the new partitions' open sessions are loaded from
//! the store. librdkafka waits for these callbacks before the group moves on.

use super::core::Core;
use crate::assemble::store::now_ms;
use crate::config::Config;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tracing::{error, info, warn};

/// A commit slower than this means the broker is in trouble.
const SLOW_COMMIT: Duration = Duration::from_secs(5);

/// The context the consumer carries: the pipeline state and the config.
pub struct PipelineContext {
    pub(super) core: Mutex<Core>,
    pub(super) config: Arc<Config>,
    pub(super) assignment_changed: AtomicBool,
    pub(super) broker_trouble: AtomicBool,
    pub(super) last_error_log: Mutex<Option<Instant>>,
    /// Partitions revoked since the loop last looked (its batch may hold their records).
    pub(super) revoked_recently: Mutex<BTreeSet<i32>>,
}

impl PipelineContext {
    /// The pipeline state. Never held across `poll` (callbacks lock it).
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic while holding the lock leaves the state unknown: stop rather than guess.
        self.core.lock().unwrap_or_else(|_| panic!("pipeline state lock poisoned by an earlier panic"))
    }

    /// Whether the assignment changed since the last call.
    pub fn take_assignment_changed(&self) -> bool {
        self.assignment_changed.swap(false, Ordering::Relaxed)
    }

    /// The `/state` and `/readyz` snapshot; also sets the open-session gauges.
    pub fn snapshot(&self, consumer: &BaseConsumer<PipelineContext>) -> crate::telemetry::http::Snapshot {
        use crate::telemetry::http::{PartitionState, Snapshot};
        let positions = consumer.position().ok();
        let core = self.lock();
        let metrics = crate::telemetry::metrics();
        metrics.open_sessions.set(core.assembler.open_sessions() as i64);
        metrics.stopped_partitions.set(core.stopped.len() as i64);
        let mut partitions = Vec::new();
        if let Some(positions) = &positions {
            for element in positions.elements() {
                let point = core.commit_points.get(&(element.topic().to_string(), element.partition()));
                partitions.push(PartitionState {
                    topic: element.topic().to_string(),
                    partition: element.partition(),
                    position: match element.offset() {
                        Offset::Offset(offset) => Some(offset),
                        _ => None,
                    },
                    committed: point.and_then(|point| point.last_committed()),
                    in_flight: point.map(|point| point.in_flight()).unwrap_or(0),
                });
            }
        }
        Snapshot {
            assigned_partitions: core.assigned.iter().copied().collect(),
            partitions,
            open_sessions: core.assembler.open_sessions(),
            sessions_in_flight: core.assembler.in_flight(),
            rebalances: core.counters.rebalances,
            verdicts: core.counters.verdicts,
            dlq_records: core.counters.dlq,
            broker_reachable: !self.broker_trouble.load(Ordering::Relaxed),
            store_writable: core.store_ok,
            stopped_partitions: core.stopped.iter().copied().collect(),
            models: Vec::new(),
        }
    }

    /// Partitions revoked since the last call.
    pub fn take_revoked(&self) -> BTreeSet<i32> {
        self.revoked_recently.lock().map(|mut revoked| std::mem::take(&mut *revoked)).unwrap_or_default()
    }

    /// Hands back partitions librdkafka no longer assigns though no revoke said so (an
    /// assignment lost without the callbacks we expect, seen with cooperative rebalancing on
    /// some brokers). Partitions assigned without an assign callback are not taken: their
    /// records are skipped uncommitted until a proper assignment rewinds them
    /// ([`PipelineContext::rewind_to_committed`]).
    pub fn sync_assignment(&self, consumer: &BaseConsumer<PipelineContext>) {
        let Ok(assignment) = consumer.assignment() else { return };
        let actual = partitions_of(&assignment);
        let mut core = self.lock();
        let lost: BTreeSet<i32> = core.assigned.difference(&actual).copied().collect();
        if !lost.is_empty() {
            warn!(partitions = ?lost, "partitions no longer assigned without a revoke; handing them back");
            core.forget_partitions(&lost);
        }
    }

    /// Sets each newly assigned partition's start to its committed offset (the beginning when
    /// none), so a partition starts from what is durable whatever librdkafka fetched before.
    fn rewind_to_committed(&self, consumer: &BaseConsumer<PipelineContext>, list: &mut TopicPartitionList) {
        match consumer.committed_offsets(list.clone(), Duration::from_secs(10)) {
            Ok(committed) => {
                let mut known = Vec::new();
                for element in committed.elements() {
                    let offset = match element.offset() {
                        Offset::Offset(offset) => {
                            known.push((element.topic().to_string(), element.partition(), offset));
                            Offset::Offset(offset)
                        }
                        _ => Offset::Beginning,
                    };
                    let _ = list.set_partition_offset(element.topic(), element.partition(), offset);
                }
                self.lock().check_store_positions(&known);
            }
            Err(error) => warn!(error = %error, "cannot read committed offsets; librdkafka picks the start"),
        }
    }

    /// Commits the done prefix of every partition (or only of `only`), synchronously.
    pub fn commit(&self, consumer: &BaseConsumer<PipelineContext>, only: Option<&BTreeSet<i32>>) {
        let mut core = self.lock();
        let mut list = TopicPartitionList::new();
        let mut planned = Vec::new();
        for ((topic, partition), point) in &core.commit_points {
            if only.is_some_and(|only| !only.contains(partition)) {
                continue;
            }
            if let Some(next) = point.to_commit() {
                // `next` is already the next offset to read: no +1 here (see commit_point.rs).
                let _ = list.add_partition_offset(topic, *partition, Offset::Offset(next));
                planned.push((topic.clone(), *partition, next));
            }
        }
        if planned.is_empty() {
            return;
        }
        let started = Instant::now();
        let result = consumer.commit(&list, CommitMode::Sync);
        let waited = started.elapsed();
        if waited > SLOW_COMMIT {
            // A paused or unreachable broker often shows only as a commit that hangs until the
            // request times out: say so, so the log explains the gap.
            self.broker_trouble.store(true, Ordering::Relaxed);
            warn!(
                waited_ms = waited.as_millis() as u64,
                "kafka did not answer an offset commit for a long time; broker slow or unreachable"
            );
        }
        match result {
            Ok(()) => {
                crate::telemetry::metrics().commits.inc();
                for (topic, partition, next) in planned {
                    if let Some(point) = core.commit_points.get_mut(&(topic, partition)) {
                        point.committed(next);
                    }
                }
                if self.broker_trouble.swap(false, Ordering::Relaxed) {
                    info!("kafka reachable again; offsets committed");
                }
            }
            Err(error) => {
                crate::telemetry::metrics().commit_failures.inc();
                self.broker_trouble.store(true, Ordering::Relaxed);
                warn!(error = %error, partitions = planned.len(), "offset commit failed; will commit again");
            }
        }
    }

    /// Waits until the given partitions have nothing in flight, or the deadline passes.
    fn drain(&self, partitions: &BTreeSet<i32>, deadline: Instant) {
        loop {
            let mut core = self.lock();
            core.unready(partitions);
            core.settle_deliveries(Duration::from_millis(10));
            core.collect_results();
            let in_flight = core.in_flight_of(partitions);
            if in_flight == 0 {
                return;
            }
            if Instant::now() >= deadline {
                warn!(
                    in_flight,
                    ?partitions,
                    "drain deadline passed; handing back unfinished work (it will be redone)"
                );
                return;
            }
        }
    }

    /// Shutdown: finish what is in flight, flush the producer, commit everything.
    pub fn drain_all(&self, consumer: &BaseConsumer<PipelineContext>, deadline: Instant) {
        let partitions = self.lock().assigned.clone();
        self.drain(&partitions, deadline);
        let remaining = deadline.saturating_duration_since(Instant::now());
        if let Err(error) = self.lock().producer.flush(remaining.max(Duration::from_millis(100))) {
            warn!(error = %error, "producer flush incomplete at shutdown; unacknowledged work will be redone");
        }
        self.lock().settle_deliveries(Duration::ZERO);
        self.commit(consumer, None);
    }
}

/// Stops fetching one partition of both input topics (after a permanent output failure).
pub fn pause_partition(consumer: &BaseConsumer<PipelineContext>, config: &Config, partition: i32) {
    let mut list = TopicPartitionList::new();
    list.add_partition(&config.kafka.chunk_topic, partition);
    list.add_partition(&config.kafka.end_topic, partition);
    if let Err(error) = consumer.pause(&list) {
        error!(partition, error = %error, "cannot pause partition");
    } else {
        error!(
            partition,
            "partition stopped until restart: fix the output and restart; nothing past the failure is committed"
        );
    }
}

fn partitions_of(list: &TopicPartitionList) -> BTreeSet<i32> {
    list.elements().iter().map(|element| element.partition()).collect()
}

impl ClientContext for PipelineContext {
    /// librdkafka statistics: the consumer lag of each input partition.
    fn stats(&self, statistics: rdkafka::Statistics) {
        let lag = &crate::telemetry::metrics().consumer_lag;
        for (name, topic) in &statistics.topics {
            if name != &self.config.kafka.chunk_topic && name != &self.config.kafka.end_topic {
                continue;
            }
            for (partition, stats) in &topic.partitions {
                // -1 is librdkafka's internal unassigned partition; -1 lag means unknown.
                if *partition >= 0 && stats.consumer_lag >= 0 {
                    lag.with_label_values(&[name.as_str(), &partition.to_string()]).set(stats.consumer_lag);
                }
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.broker_trouble.store(true, Ordering::Relaxed);
        // Rate-limited: a down broker reports every reconnect attempt.
        let Ok(mut last) = self.last_error_log.lock() else { return };
        if last.is_none_or(|at| at.elapsed() > Duration::from_secs(5)) {
            warn!(error = %error, reason, "kafka client error; librdkafka keeps retrying");
            *last = Some(Instant::now());
        }
    }
}

impl ConsumerContext for PipelineContext {
    /// Runs the callbacks around librdkafka's assign/unassign, like rdkafka's default, but
    /// checks the result: applying a change with the wrong protocol's call (eager `assign` under
    /// a cooperative group, which rdkafka's default does when the protocol reads as unknown)
    /// fails and leaves the old assignment in place — two members then own one partition. On
    /// such an error the other protocol's call is used.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        error: rdkafka::types::RDKafkaRespErr,
        list: &mut TopicPartitionList,
    ) {
        use rdkafka::consumer::RebalanceProtocol;
        use rdkafka::types::RDKafkaRespErr;
        let cooperative = match consumer.rebalance_protocol() {
            RebalanceProtocol::Cooperative => true,
            RebalanceProtocol::Eager => false,
            RebalanceProtocol::None => self.config.kafka.assignment == crate::config::Assignment::CooperativeSticky,
        };
        let assign = match error {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => true,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => false,
            _ => {
                let rebalance = Rebalance::Error(KafkaError::Rebalance(error.into()));
                self.pre_rebalance(consumer, &rebalance);
                return;
            }
        };
        if assign {
            self.rewind_to_committed(consumer, list);
        }
        let rebalance = if assign { Rebalance::Assign(list) } else { Rebalance::Revoke(list) };
        self.pre_rebalance(consumer, &rebalance);
        let apply = |cooperative: bool| match (assign, cooperative) {
            (true, true) => consumer.incremental_assign(list),
            (true, false) => consumer.assign(list),
            (false, true) => consumer.incremental_unassign(list),
            (false, false) => consumer.unassign(),
        };
        if let Err(first) = apply(cooperative) {
            warn!(error = %first, cooperative, assign, "assignment change refused; retrying with the other protocol's call");
            if let Err(second) = apply(!cooperative) {
                error!(error = %second, assign, "assignment change failed");
            }
        }
        let rebalance = if assign { Rebalance::Assign(list) } else { Rebalance::Revoke(list) };
        self.post_rebalance(consumer, &rebalance);
    }

    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(list) => {
                let partitions = partitions_of(list);
                let owned: BTreeSet<i32> = partitions.intersection(&self.lock().assigned).copied().collect();
                info!(?partitions, "partitions revoked; finishing in-flight work");
                if let Ok(mut revoked) = self.revoked_recently.lock() {
                    revoked.extend(partitions.iter().copied());
                }
                self.lock().counters.rebalances += 1;
                crate::telemetry::metrics().rebalances.with_label_values(&["revoke"]).inc();
                let deadline = Instant::now() + Duration::from_millis(self.config.timeouts.drain_timeout_ms);
                self.drain(&owned, deadline);
                self.commit(consumer, Some(&owned));
                self.lock().forget_partitions(&owned);
                self.assignment_changed.store(true, Ordering::Relaxed);
            }
            Rebalance::Assign(_) => {}
            Rebalance::Error(error) => error!(error = %error, "rebalance error"),
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(list) = rebalance {
            let partitions = partitions_of(list);
            let mut core = self.lock();
            core.counters.rebalances += 1;
            crate::telemetry::metrics().rebalances.with_label_values(&["assign"]).inc();
            core.take_partitions(&partitions);
            info!(?partitions, assigned = ?core.assigned, open_sessions = core.assembler.open_sessions(), at_ms = now_ms(), "partitions assigned");
            self.assignment_changed.store(true, Ordering::Relaxed);
        }
    }

    fn commit_callback(&self, result: rdkafka::error::KafkaResult<()>, offsets: &TopicPartitionList) {
        if let Err(error) = result {
            // NoOffset: nothing stored for a revoked partition — benign (tansu and Kafka alike).
            if !matches!(error, KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) {
                warn!(error = %error, partitions = offsets.count(), "offset commit failed");
            }
        }
    }
}
