//! The Kafka producer for the verdict, audit and DLQ topics.
//!
//! Guarantee: records are produced with `enable.idempotence=true` and `acks=all`, so a retried
//! send never duplicates or reorders within a partition; every record carries a
//! [`DeliveryTag`] and its outcome comes back on the delivery channel exactly once — the caller
//! decides what is done only from those reports. A failure is classified permanent (the record
//! can never be accepted: too large, not authorised, no such topic) or retriable.

use crate::config::Config;
use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

/// Header carrying an output record's deterministic id.
pub const RECORD_ID_HEADER: &str = "sightline.record_id";
/// Header carrying an output record's kind (`verdict`, `session.summarized`, `sightline.risk`).
pub const RECORD_KIND_HEADER: &str = "sightline.record_kind";

/// librdkafka's producer queue bound (`queue.buffering.max.messages`); the delivery channel is
/// sized above it so a delivery report never blocks the producer's thread.
const PRODUCER_QUEUE_MESSAGES: usize = 100_000;

/// Who to tell about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryTag {
    /// A DLQ copy of the input record at (input topic index, partition, offset).
    Dlq { topic: String, partition: i32, offset: i64 },
    /// One of a session's output records.
    Output { sid: String, partition: i32 },
}

/// A delivery outcome.
#[derive(Debug)]
pub struct Delivery {
    /// What was delivered.
    pub tag: DeliveryTag,
    /// `Ok` once the broker acknowledged it (all in-sync replicas).
    pub result: Result<(), SendError>,
}

/// A record could not be produced.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What failed.
    pub message: String,
    /// True when retrying can never help.
    pub permanent: bool,
}

impl SendError {
    fn from_kafka(error: &KafkaError) -> Self {
        let permanent = matches!(
            error.rdkafka_error_code(),
            Some(
                RDKafkaErrorCode::MessageSizeTooLarge
                    | RDKafkaErrorCode::InvalidMessageSize
                    | RDKafkaErrorCode::TopicAuthorizationFailed
                    | RDKafkaErrorCode::ClusterAuthorizationFailed
                    | RDKafkaErrorCode::InvalidRecord
                    | RDKafkaErrorCode::InvalidTopic
            )
        );
        SendError { message: error.to_string(), permanent }
    }
}

/// Sends delivery reports to the pipeline.
pub struct DeliveryContext {
    reports: SyncSender<Delivery>,
}

impl ClientContext for DeliveryContext {}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = Box<DeliveryTag>;

    fn delivery(&self, result: &DeliveryResult<'_>, tag: Self::DeliveryOpaque) {
        let result = match result {
            Ok(_) => Ok(()),
            Err((error, _)) => Err(SendError::from_kafka(error)),
        };
        // The receiver lives as long as the pipeline; if it is gone we are shutting down.
        let _ = self.reports.send(Delivery { tag: *tag, result });
    }
}

/// One record to produce.
#[derive(Debug, Clone)]
pub struct OutgoingRecord {
    /// Destination topic.
    pub topic: String,
    /// Record key (the session id).
    pub key: Vec<u8>,
    /// Record value.
    pub payload: Vec<u8>,
    /// Headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// Could not create the producer.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the kafka producer: {0}")]
pub struct ProducerError(#[from] KafkaError);

/// The producer and the receiving end of its delivery reports.
pub struct OutputProducer {
    producer: ThreadedProducer<DeliveryContext>,
}

/// Options shared by every client: brokers, security, then the pass-through options.
pub fn base_client_config(config: &Config) -> ClientConfig {
    let kafka = &config.kafka;
    let mut client = ClientConfig::new();
    client.set("bootstrap.servers", &kafka.brokers);
    // librdkafka's default (60 s) hides a broker that stopped answering for up to a minute;
    // 10 s makes requests time out and the error callback say so sooner. Override with
    // `librdkafka_options."socket.timeout.ms"`.
    client.set("socket.timeout.ms", "10000");
    let security = &kafka.security;
    let optional = [
        ("security.protocol", security.protocol.clone()),
        ("ssl.ca.location", security.ca_file.as_ref().map(|path| path.display().to_string())),
        ("ssl.certificate.location", security.certificate_file.as_ref().map(|path| path.display().to_string())),
        ("ssl.key.location", security.key_file.as_ref().map(|path| path.display().to_string())),
        ("sasl.mechanism", security.sasl_mechanism.clone()),
        ("sasl.username", security.sasl_username.clone()),
        ("sasl.password", security.sasl_password.as_ref().map(|password| password.expose().to_string())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            client.set(key, value);
        }
    }
    client
}

/// Applies the pass-through options last, as documented.
pub fn apply_librdkafka_options(client: &mut ClientConfig, config: &Config) {
    for (key, value) in &config.kafka.librdkafka_options {
        client.set(key, value);
    }
}

impl OutputProducer {
    /// An idempotent producer; delivery reports arrive on the returned receiver.
    pub fn new(config: &Config) -> Result<(Self, Receiver<Delivery>), ProducerError> {
        let mut client = base_client_config(config);
        client
            .set("enable.idempotence", "true") // no duplicates or reordering on internal retries
            .set("acks", "all") // acknowledged by every in-sync replica
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .set("queue.buffering.max.messages", PRODUCER_QUEUE_MESSAGES.to_string());
        apply_librdkafka_options(&mut client, config);
        let (reports, receiver) = sync_channel(PRODUCER_QUEUE_MESSAGES + 1024);
        let producer = client.create_with_context(DeliveryContext { reports })?;
        Ok((OutputProducer { producer }, receiver))
    }

    /// Enqueues a record; its outcome arrives as a [`Delivery`] with `tag`. Waits while the
    /// local queue is full (backpressure). An immediate failure is returned (no report follows).
    pub fn send(&self, record: &OutgoingRecord, tag: DeliveryTag) -> Result<(), SendError> {
        let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
        for (key, value) in &record.headers {
            headers = headers.insert(Header { key, value: Some(value.as_slice()) });
        }
        let mut tag = Box::new(tag);
        loop {
            let base = BaseRecord::with_opaque_to(&record.topic, tag)
                .key(record.key.as_slice())
                .payload(record.payload.as_slice())
                .headers(headers.clone());
            match self.producer.send(base) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    tag = returned.delivery_opaque;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err((error, _)) => return Err(SendError::from_kafka(&error)),
            }
        }
    }

    /// Waits up to `timeout` for every queued record to be delivered (or fail).
    pub fn flush(&self, timeout: Duration) -> Result<(), SendError> {
        self.producer.flush(timeout).map_err(|error| SendError::from_kafka(&error))
    }

    /// Records not yet delivered.
    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }
}
