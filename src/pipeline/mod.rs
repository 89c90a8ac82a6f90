//! `sightline run`: Kafka in, sessions assembled in the state store, verdicts out.
//!
//! Delivery guarantee (at least once, nothing lost): an input offset is committed only when the
//! record's effect is durable — stored by the session store (chunks, ends) or acknowledged by
//! Kafka (DLQ copies) — and only through each partition's contiguous done prefix
//! ([`crate::source::kafka::commit_point`]). A session leaves the store only after all its
//! output records are acknowledged, so a crash at any point leads to the session being judged
//! again (same record ids), never to it being lost. Limit: with the embedded store, one instance
//! per consumer group; use Redis for several.
//!
//! Threads: the consumer's thread runs the loop and librdkafka's rebalance callbacks
//! ([`context`]); analysis runs on worker threads ([`worker`]); the producer has its own.

mod context;
pub(crate) mod core;
mod held;
mod output;
pub mod worker;

use crate::analyze::Detector;
use crate::assemble::store::embedded::EmbeddedStore;
use crate::assemble::store::redis::RedisStore;
use crate::assemble::{AssemblerLimits, SessionAssembler, SessionStore, StoreError};
use crate::config::{Config, StoreBackend};
use crate::sink::avro::{AUDIT_EVENT_SCHEMA, AvroEncoder, VERDICT_SCHEMA};
use crate::sink::kafka::{OutputProducer, ProducerError};
use crate::source::kafka::decode::Decoder;
use crate::source::kafka::registry::{RegistryError, SchemaRegistry};
use crate::source::kafka::{TopicError, check_topics, consumer_config};
use crate::telemetry::http::{Health, serve};
use context::PipelineContext;
pub use core::Counters;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, OwnedMessage};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Why the pipeline could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The session store could not be opened.
    #[error("cannot open the session store: {0}")]
    Store(#[from] StoreError),
    /// The schema registry client could not be created.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The output schemas do not build.
    #[error("output avro schema: {0}")]
    Avro(#[from] crate::source::kafka::avro::AvroError),
    /// The producer could not be created.
    #[error(transparent)]
    Producer(#[from] ProducerError),
    /// The consumer could not be created or subscribed.
    #[error("kafka consumer: {0}")]
    Consumer(#[from] rdkafka::error::KafkaError),
    /// The telemetry endpoints could not start.
    #[error(transparent)]
    Telemetry(#[from] crate::telemetry::http::ServeError),
    /// The input topics are missing or not co-partitioned.
    #[error(transparent)]
    Topics(#[from] TopicError),
    /// The LLM classifier could not be built (a secret is missing).
    #[error(transparent)]
    Classifier(#[from] crate::classify::ClassifyError),
    /// A direct sink's forwarder could not start.
    #[error(transparent)]
    Sink(#[from] crate::sink::forward::ForwardError),
}

/// Opens the configured session store.
pub fn open_store(config: &Config) -> Result<Box<dyn SessionStore>, StoreError> {
    Ok(match config.store.backend {
        StoreBackend::Embedded => Box::new(EmbeddedStore::open(&config.store.path, config.store.finalized_ttl_secs)?),
        StoreBackend::Redis => {
            let url = config.store.redis_url.as_ref().map(|url| url.expose()).unwrap_or_default();
            Box::new(RedisStore::open(url, &config.redis_key_prefix(), config.store.finalized_ttl_secs)?)
        }
    })
}

/// How long to wait for metadata at startup.
const METADATA_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the pipeline until `shutdown` is set; then drains, flushes, commits and returns.
pub fn run(config: Config, detector: Arc<dyn Detector>, shutdown: Arc<AtomicBool>) -> Result<(), PipelineError> {
    let config = Arc::new(config);
    let store = open_store(&config)?;
    let registry = config.schema_registry.as_ref().map(SchemaRegistry::new).transpose()?;
    let decoder = Decoder::new(config.input.encoding, registry.clone());
    let (producer, deliveries) = OutputProducer::new(&config)?;

    let workers = config
        .limits
        .analysis_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2));
    let (jobs, job_receiver) = sync_channel(workers * 8);
    let (result_sender, results) = sync_channel(workers * 16);
    let avro = match (&config.output.encoding, &registry) {
        (crate::config::OutputEncoding::Avro, Some(registry)) => {
            let verdict_id = registry.register(&format!("{}-value", config.kafka.verdict_topic), VERDICT_SCHEMA)?;
            let audit_id = registry.register(&format!("{}-value", config.kafka.audit_topic), AUDIT_EVENT_SCHEMA)?;
            Some((AvroEncoder::new(VERDICT_SCHEMA, verdict_id)?, AvroEncoder::new(AUDIT_EVENT_SCHEMA, audit_id)?))
        }
        _ => None,
    };
    let topics = worker::OutputTopics {
        verdict: config.kafka.verdict_topic.clone(),
        audit: config.kafka.audit_topic.clone(),
        avro,
        formats: (config.output.verdict_format, config.output.audit_format, config.output.envelope.clone()),
        max_record_bytes: config.output.max_record_bytes,
        reports: config.report.clone(),
        classifier: crate::classify::Classifier::new(&config.inference)?.map(Arc::new),
    };
    let worker_threads = worker::start_workers(workers, job_receiver, result_sender, detector, topics);

    let limits = AssemblerLimits {
        max_session_bytes: config.limits.max_session_bytes,
        end_grace_ms: config.timeouts.end_grace_ms,
        idle_timeout_ms: config.timeouts.idle_timeout_secs.saturating_mul(1000),
        remembered_finalized: 100_000,
    };
    let core = core::Core {
        config: config.clone(),
        assembler: SessionAssembler::new(limits),
        store,
        held: held::HeldSessions::new(config.limits.held_bytes, config.timeouts.hold_ms),
        finishing: Vec::new(),
        decoder,
        producer,
        deliveries,
        jobs: Some(jobs),
        results,
        commit_points: Default::default(),
        assigned: Default::default(),
        dlq_pending: Default::default(),
        dlq_retry: Default::default(),
        ready: Default::default(),
        outstanding: Default::default(),
        attempts: Default::default(),
        stopped: Default::default(),
        counters: Default::default(),
        shutdown: shutdown.clone(),
        store_ok: true,
        dlq_log: crate::telemetry::limit::LogLimiter::new(20, Duration::from_secs(10)),
    };
    let context = PipelineContext {
        core: Mutex::new(core),
        config: config.clone(),
        assignment_changed: AtomicBool::new(false),
        broker_trouble: AtomicBool::new(false),
        last_error_log: Mutex::new(None),
        revoked_recently: Mutex::new(Default::default()),
    };
    let consumer: BaseConsumer<PipelineContext> = consumer_config(&config).create_with_context(context)?;
    let partitions = check_topics(&consumer, &config, METADATA_TIMEOUT)?;
    let health = Arc::new(Health::default());
    if config.telemetry.enabled {
        let address = serve(&config.telemetry.listen, health.clone())?;
        info!(%address, "telemetry listening: /metrics /healthz /readyz /state");
    }
    consumer.subscribe(&[&config.kafka.chunk_topic, &config.kafka.end_topic])?;
    info!(
        chunk_topic = config.kafka.chunk_topic,
        end_topic = config.kafka.end_topic,
        partitions,
        group = config.kafka.group_id,
        store = ?config.store.backend,
        workers,
        "sightline running"
    );

    let forwarders = crate::sink::forward::start(config.clone(), shutdown.clone())?;
    run_loop(&consumer, &config, &shutdown, &health);

    info!("shutting down: draining in-flight sessions");
    let deadline = Instant::now() + Duration::from_millis(config.timeouts.shutdown_timeout_ms);
    consumer.context().drain_all(&consumer, deadline);
    {
        let mut core = consumer.context().lock();
        core.jobs = None; // workers stop when the queue closes
        info!(counters = ?core.counters, open_sessions = core.assembler.open_sessions(), "stopped");
    }
    drop(consumer);
    for thread in worker_threads {
        let _ = thread.join();
    }
    for forwarder in forwarders {
        let _ = forwarder.join();
    }
    Ok(())
}

/// The main loop: poll a batch, process it, judge, settle, commit.
fn run_loop(consumer: &BaseConsumer<PipelineContext>, config: &Config, shutdown: &AtomicBool, health: &Health) {
    let context = consumer.context();
    let mut last_snapshot = Instant::now() - Duration::from_secs(10);
    let commit_interval = Duration::from_millis(config.kafka.commit_interval_ms);
    let mut last_commit = Instant::now();
    let mut last_purge = Instant::now();
    let mut paused_for_capacity = false;
    let mut paused_stopped: std::collections::BTreeSet<i32> = Default::default();
    let mut last_poll_error: Option<Instant> = None;
    while !shutdown.load(Ordering::Relaxed) {
        let mut messages = Vec::new();
        // Wait for input only when nothing else is going on; with sessions being judged or
        // delivered, come back quickly to move their results along.
        let mut timeout = if context.lock().busy() { Duration::from_millis(1) } else { Duration::from_millis(50) };
        while messages.len() < config.limits.batch_records {
            let polled = consumer.poll(timeout);
            // A rebalance callback ran inside `poll`: records read before it from revoked
            // partitions are the next owner's (their offsets were not committed here).
            let revoked = context.take_revoked();
            if !revoked.is_empty() {
                messages.retain(|message: &OwnedMessage| !revoked.contains(&message.partition()));
            }
            match polled {
                Some(Ok(message)) => messages.push(message.detach()),
                Some(Err(error)) => {
                    // Broker down, rebalance errors: librdkafka reconnects by itself; say so, rarely.
                    if last_poll_error.is_none_or(|at| at.elapsed() > Duration::from_secs(5)) {
                        warn!(error = %error, "kafka consumer error; librdkafka keeps retrying");
                        last_poll_error = Some(Instant::now());
                    }
                    break;
                }
                None => break,
            }
            timeout = Duration::ZERO;
        }
        context.sync_assignment(consumer);
        let mut core = context.lock();
        if !messages.is_empty() {
            core.process_batch(messages);
        }
        core.settle_deliveries(Duration::ZERO);
        core.collect_results();
        core.dispatch();
        core.settle_deliveries(Duration::ZERO);
        core.spill_held();

        // Backpressure: at the open-session limit, stop fetching until sessions close. Checked
        // per batch, so open sessions can pass the limit by at most one batch.
        let open = core.assembler.open_sessions();
        let limit = config.limits.max_open_sessions;
        if !paused_for_capacity && open >= limit {
            warn!(open_sessions = open, limit, "open-session limit reached; pausing input until sessions close");
            if let Ok(assignment) = consumer.assignment() {
                let _ = consumer.pause(&assignment);
            }
            paused_for_capacity = true;
        } else if paused_for_capacity && open < limit - limit / 10 {
            info!(open_sessions = open, "below the open-session limit; resuming input");
            if let Ok(assignment) = consumer.assignment() {
                let _ = consumer.resume(&assignment);
            }
            paused_for_capacity = false;
            // Resuming everything resumed stopped partitions too: pause them again below.
            paused_stopped.clear();
        }
        let newly_stopped: Vec<i32> = core.stopped.iter().copied().filter(|p| !paused_stopped.contains(p)).collect();
        drop(core);
        for partition in newly_stopped {
            context::pause_partition(consumer, config, partition);
            paused_stopped.insert(partition);
        }

        if last_commit.elapsed() >= commit_interval {
            context.commit(consumer, None);
            last_commit = Instant::now();
        }
        if last_purge.elapsed() >= Duration::from_secs(60) {
            context.lock().purge();
            last_purge = Instant::now();
        }
        if last_snapshot.elapsed() >= Duration::from_secs(1) || context.assignment_changed.load(Ordering::Relaxed) {
            health.update(context.snapshot(consumer));
            last_snapshot = Instant::now();
        }
        if context.take_assignment_changed() {
            paused_for_capacity = false;
            paused_stopped.clear();
        }
    }
}
