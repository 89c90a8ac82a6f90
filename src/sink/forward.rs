//! The direct sinks' forwarders: one thread per configured sink, each a Kafka consumer of the
//! verdict topic in its own group (`<kafka.group_id>.sink.<name>`), delivering the verdicts
//! and audit events its route lets through.
//!
//! Guarantees:
//! - **No effect on the pipeline's commit point.** The pipeline commits its input once the
//!   verdict is in Kafka; a sink reads it from there, so a sink outage never holds the
//!   pipeline back. The verdict topic is the sink's buffer, bounded by its retention.
//! - **Nothing lost.** A sink's offsets are committed only after its records are delivered or,
//!   when refused for good, acknowledged on the DLQ (header `sightline.sink`). A crash or
//!   rebalance re-delivers; receivers deduplicate on the record id (HEC and Datadog events
//!   carry it, PagerDuty on `dedup_key`, the webhook in `X-Sightline-Record-Id`).
//! - **Stays in its group during outages.** While a delivery waits to retry, the consumer is
//!   polled with its partitions paused, so it keeps its membership without reading ahead.

use super::config::SinkConfig;
use super::deliver::{Deliverer, DirectSink, Prepared};
use super::encode::{Encoding, EnvelopeConfig};
use super::kafka::{DeliveryTag, OutgoingRecord, OutputProducer, base_client_config};
use super::route::{Item, route};
use crate::config::{Config, OutputEncoding};
use crate::model::{RiskLevel, Verdict};
use crate::source::kafka::avro;
use crate::source::kafka::registry::SchemaRegistry;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing::{error, info, warn};

/// Records read per delivery round.
const BATCH_RECORDS: usize = 500;
/// How long a round waits to fill its batch.
const BATCH_WAIT: Duration = Duration::from_millis(200);

/// A forwarder could not start.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The consumer or the DLQ producer could not be created.
    #[error("sink {sink}: {message}")]
    Kafka { sink: String, message: String },
    /// The schema registry client could not be created.
    #[error("sink forwarders: {0}")]
    Registry(#[from] crate::source::kafka::registry::RegistryError),
}

/// Builds the sink named `name`.
pub fn build(name: &str, config: &SinkConfig, envelope: &EnvelopeConfig) -> Deliverer {
    let sink: Box<dyn DirectSink> = match config {
        SinkConfig::SplunkHec(hec) => Box::new(super::splunk_hec::SplunkHec::new(name, hec.clone(), envelope.clone())),
        SinkConfig::Datadog(datadog) => Box::new(super::datadog::Datadog::new(name, datadog.clone(), envelope.clone())),
        SinkConfig::Pagerduty(pagerduty) => Box::new(super::pagerduty::PagerDuty::new(name, pagerduty.clone())),
        SinkConfig::Webhook(webhook) => Box::new(super::webhook::Webhook::new(name, webhook.clone())),
    };
    Deliverer::new(sink, config.delivery().clone())
}

/// The risk level a sink takes when its route sets none: PagerDuty pages from `HIGH`.
pub fn default_min_risk(config: &SinkConfig) -> RiskLevel {
    match config {
        SinkConfig::Pagerduty(_) => RiskLevel::High,
        _ => RiskLevel::Unspecified,
    }
}

/// Reads verdicts back from the verdict topic, whatever `output.verdict_format` and
/// `output.encoding` wrote.
#[derive(Clone)]
pub struct VerdictReader {
    format: Encoding,
    registry: Option<SchemaRegistry>,
}

impl VerdictReader {
    /// A reader for the configured output.
    pub fn new(config: &Config) -> Result<Self, ForwardError> {
        let registry = match (&config.output.encoding, &config.schema_registry) {
            (OutputEncoding::Avro, Some(registry)) => Some(SchemaRegistry::new(registry)?),
            _ => None,
        };
        Ok(VerdictReader { format: config.output.verdict_format, registry })
    }

    /// The verdict in a verdict-topic record.
    pub fn read(&self, payload: &[u8]) -> Result<Verdict, String> {
        let mut value: Value = match &self.registry {
            Some(registry) => {
                let id = avro::schema_id(payload).map_err(|error| error.to_string())?;
                let schema = registry.schema(id).map_err(|error| error.to_string())?;
                let mut value = avro::decode_body(payload, id, &schema).map_err(|error| error.to_string())?;
                // The recorded end event travels as JSON text in Avro.
                if let Some(Value::String(text)) = value.get("session_end_event")
                    && let Ok(event) = serde_json::from_str::<Value>(text)
                {
                    value["session_end_event"] = event;
                }
                value
            }
            None => serde_json::from_slice(payload).map_err(|error| format!("not JSON: {error}"))?,
        };
        let verdict = match self.format {
            Encoding::Json => value,
            Encoding::SplunkHec => value.get_mut("event").map(Value::take).ok_or("no `event` in the HEC envelope")?,
            Encoding::Datadog => value.get_mut("sightline").map(Value::take).ok_or("no `sightline` in the log")?,
            Encoding::Ocsf => return Err("OCSF verdicts cannot be read back (config validation forbids this)".into()),
        };
        serde_json::from_value(verdict).map_err(|error| format!("not a verdict: {error}"))
    }
}

/// Starts one forwarder per configured sink; they stop when `shutdown` is set.
pub fn start(config: Arc<Config>, shutdown: Arc<AtomicBool>) -> Result<Vec<JoinHandle<()>>, ForwardError> {
    let mut handles = Vec::new();
    for (name, sink) in &config.sinks {
        let kafka_error = |message: String| ForwardError::Kafka { sink: name.clone(), message };
        let mut client = base_client_config(&config);
        client
            .set("group.id", format!("{}.sink.{name}", config.kafka.group_id))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", sink.delivery().start_at.as_str());
        super::kafka::apply_librdkafka_options(&mut client, &config);
        let consumer: BaseConsumer = client.create().map_err(|error| kafka_error(error.to_string()))?;
        consumer.subscribe(&[config.kafka.verdict_topic.as_str()]).map_err(|error| kafka_error(error.to_string()))?;
        let (producer, reports) = OutputProducer::new(&config).map_err(|error| kafka_error(error.to_string()))?;
        let forwarder = Forwarder {
            name: name.clone(),
            deliverer: build(name, sink, &config.output.envelope),
            route: sink.route().clone(),
            default_min_risk: default_min_risk(sink),
            reader: VerdictReader::new(&config)?,
            consumer,
            producer,
            reports,
            dlq_topic: config.kafka.dlq_topic.clone(),
            backlog: VecDeque::new(),
            shutdown: shutdown.clone(),
        };
        let handle = std::thread::Builder::new()
            .name(format!("sink-{name}"))
            .spawn(move || forwarder.run())
            .map_err(|error| kafka_error(error.to_string()))?;
        info!(sink = %name, kind = sink.type_name(), "sink forwarder started");
        handles.push(handle);
    }
    Ok(handles)
}

struct Forwarder {
    name: String,
    deliverer: Deliverer,
    route: super::config::RouteConfig,
    default_min_risk: RiskLevel,
    reader: VerdictReader,
    consumer: BaseConsumer,
    producer: OutputProducer,
    reports: std::sync::mpsc::Receiver<super::kafka::Delivery>,
    dlq_topic: String,
    /// Records polled while a delivery waited, handled next round.
    backlog: VecDeque<OwnedMessage>,
    shutdown: Arc<AtomicBool>,
}

/// A record refused by the sink (or unreadable), with where it came from.
struct DeadLetter {
    source: (String, i32, i64),
    key: Vec<u8>,
    payload: Vec<u8>,
    record_id: String,
    reason: String,
    kind: &'static str,
}

impl Forwarder {
    fn run(mut self) {
        while !self.shutdown.load(Ordering::SeqCst) {
            let batch = self.next_batch();
            if batch.is_empty() {
                continue;
            }
            if !self.forward(&batch) {
                break;
            }
        }
        info!(sink = %self.name, "sink forwarder stopped");
    }

    /// Up to [`BATCH_RECORDS`] records: the backlog first, then whatever arrives within
    /// [`BATCH_WAIT`].
    fn next_batch(&mut self) -> Vec<OwnedMessage> {
        let mut batch: Vec<OwnedMessage> = self.backlog.drain(..).collect();
        let deadline = Instant::now() + BATCH_WAIT;
        while batch.len() < BATCH_RECORDS {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.consumer.poll(left) {
                Some(Ok(message)) => batch.push(message.detach()),
                Some(Err(error)) => {
                    warn!(sink = %self.name, %error, "sink consumer error");
                    break;
                }
                None => break,
            }
        }
        batch
    }

    /// Delivers one batch and commits it; false when shutdown interrupted it (nothing of it is
    /// committed, so it is read again on the next start).
    fn forward(&mut self, batch: &[OwnedMessage]) -> bool {
        let mut items = Vec::new();
        let mut origin: HashMap<String, (String, i32, i64)> = HashMap::new();
        let mut dead = Vec::new();
        for message in batch {
            let source = (message.topic().to_string(), message.partition(), message.offset());
            match self.reader.read(message.payload().unwrap_or_default()) {
                Ok(verdict) => {
                    for item in route(&verdict, &self.route, self.default_min_risk) {
                        origin.insert(item.id().to_string(), source.clone());
                        items.push(item);
                    }
                }
                Err(reason) => dead.push(DeadLetter {
                    source,
                    key: message.key().map(<[u8]>::to_vec).unwrap_or_default(),
                    payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                    record_id: String::new(),
                    reason: format!("sink {}: cannot read the verdict record: {reason}", self.name),
                    kind: "sink_unreadable",
                }),
            }
        }
        if !self.deliver(&items, &origin, &mut dead) {
            return false;
        }
        if !self.dead_letter(&dead) {
            return false;
        }
        self.commit(batch);
        true
    }

    fn deliver(
        &mut self,
        items: &[Item],
        origin: &HashMap<String, (String, i32, i64)>,
        dead: &mut Vec<DeadLetter>,
    ) -> bool {
        let batches = self.deliverer.prepare(items);
        if batches.is_empty() {
            return true;
        }
        let assignment = self.consumer.assignment().unwrap_or_default();
        let _ = self.consumer.pause(&assignment);
        let mut completed = true;
        for batch in batches {
            let (consumer, backlog, shutdown, name) = (&self.consumer, &mut self.backlog, &self.shutdown, &self.name);
            let outcome = self.deliverer.deliver(batch, &mut |delay| wait(consumer, backlog, shutdown, name, delay));
            for (record, reason) in outcome.rejected {
                dead.push(dead_letter(&self.name, record, reason, origin));
            }
            if outcome.abandoned {
                completed = false;
                break;
            }
        }
        let assignment = self.consumer.assignment().unwrap_or_default();
        let _ = self.consumer.resume(&assignment);
        completed
    }

    /// Sends dead letters and waits for the broker to take them, retrying until it does or
    /// shutdown; false on shutdown.
    fn dead_letter(&mut self, dead: &[DeadLetter]) -> bool {
        if dead.is_empty() {
            return true;
        }
        let mut attempt = 0;
        loop {
            let mut sent = 0;
            let mut failure = None;
            for letter in dead {
                let record = OutgoingRecord {
                    topic: self.dlq_topic.clone(),
                    key: letter.key.clone(),
                    payload: letter.payload.clone(),
                    headers: vec![
                        ("sightline.dlq.error".into(), letter.reason.clone().into_bytes()),
                        ("sightline.dlq.error_kind".into(), letter.kind.as_bytes().to_vec()),
                        ("sightline.sink".into(), self.name.clone().into_bytes()),
                        ("sightline.record_id".into(), letter.record_id.clone().into_bytes()),
                        ("sightline.dlq.topic".into(), letter.source.0.clone().into_bytes()),
                        ("sightline.dlq.partition".into(), letter.source.1.to_string().into_bytes()),
                        ("sightline.dlq.offset".into(), letter.source.2.to_string().into_bytes()),
                    ],
                };
                let tag = DeliveryTag::Output { sid: letter.record_id.clone(), partition: letter.source.1 };
                match self.producer.send(&record, tag) {
                    Ok(()) => sent += 1,
                    Err(error) => failure = Some(error.to_string()),
                }
            }
            let _ = self.producer.flush(Duration::from_secs(30));
            let mut acknowledged = 0;
            while let Ok(report) = self.reports.try_recv() {
                match report.result {
                    Ok(()) => acknowledged += 1,
                    Err(error) => failure = Some(error.to_string()),
                }
            }
            if failure.is_none() && acknowledged == sent {
                for letter in dead {
                    warn!(sink = %self.name, record_id = %letter.record_id, reason = %letter.reason, "sink record dead-lettered");
                }
                crate::telemetry::metrics::metrics()
                    .dlq_records
                    .with_label_values(&[&format!("sink:{}", self.name)])
                    .inc_by(dead.len() as u64);
                return true;
            }
            attempt += 1;
            let delay = Duration::from_millis(crate::pipeline::core::backoff_ms(1_000, attempt));
            error!(sink = %self.name, failure = ?failure, delay_ms = delay.as_millis() as u64, "dead letters not acknowledged; retrying");
            let (consumer, backlog, shutdown, name) = (&self.consumer, &mut self.backlog, &self.shutdown, &self.name);
            if !wait(consumer, backlog, shutdown, name, delay) {
                return false;
            }
        }
    }

    /// Commits the batch's offsets for partitions this member still owns.
    fn commit(&self, batch: &[OwnedMessage]) {
        let mut next: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for message in batch {
            let entry = next.entry((message.topic().to_string(), message.partition())).or_insert(0);
            *entry = (*entry).max(message.offset() + 1);
        }
        let owned = self.consumer.assignment().unwrap_or_default();
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            if owned.find_partition(&topic, partition).is_some() {
                let _ = offsets.add_partition_offset(&topic, partition, Offset::Offset(offset));
            }
        }
        if offsets.count() == 0 {
            return;
        }
        if let Err(error) = self.consumer.commit(&offsets, CommitMode::Sync) {
            warn!(sink = %self.name, %error, "sink commit failed; these records may be delivered again");
        }
    }
}

fn dead_letter(
    sink: &str,
    record: Prepared,
    reason: String,
    origin: &HashMap<String, (String, i32, i64)>,
) -> DeadLetter {
    DeadLetter {
        source: origin.get(&record.id).cloned().unwrap_or_default(),
        key: record.session_id.into_bytes(),
        payload: record.body,
        record_id: record.id,
        reason: format!("sink {sink} refused the record: {reason}"),
        kind: "sink_rejected",
    }
}

/// Waits `delay` while keeping the consumer in its group: polls it (partitions paused), keeps
/// anything a new assignment delivers for the next round, and stops early on shutdown.
fn wait(
    consumer: &BaseConsumer,
    backlog: &mut VecDeque<OwnedMessage>,
    shutdown: &AtomicBool,
    name: &str,
    delay: Duration,
) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if shutdown.load(Ordering::SeqCst) {
            info!(sink = name, "shutdown while a sink delivery was waiting to retry; it resumes on the next start");
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        if let Some(Ok(message)) = consumer.poll(left.min(Duration::from_millis(200))) {
            backlog.push_back(message.detach());
            // A newly assigned partition is not paused yet.
            let _ = consumer.pause(&consumer.assignment().unwrap_or_default());
        }
    }
}
