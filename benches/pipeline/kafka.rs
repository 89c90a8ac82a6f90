//! The benchmark's Kafka side: topics, publishing (as fast as possible or at a steady rate),
//! the raw consumer baseline, and reading verdict timestamps back.

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, Timestamp};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use sightline::model::Session;
use sightline::replay::session_records;
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One run's topics: `<prefix>.chunks`, `.ends` (2 partitions), `.verdicts`, `.audit`, `.dlq`.
pub struct Topics {
    pub prefix: String,
}

impl Topics {
    pub fn create(prefix: &str) -> Topics {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/services.sh");
        for (name, partitions) in [("chunks", 2), ("ends", 2), ("verdicts", 1), ("audit", 1), ("dlq", 1)] {
            let status = Command::new(script)
                .args(["topic", &format!("{prefix}.{name}"), &partitions.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "cannot create topic {prefix}.{name}");
        }
        Topics { prefix: prefix.to_string() }
    }
}

/// What was published.
pub struct Published {
    pub records: u64,
    pub bytes: u64,
    /// Session id → the end record's timestamp (ms since the epoch).
    pub end_times: HashMap<String, i64>,
}

fn producer(brokers: &str) -> ThreadedProducer<DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("queue.buffering.max.kbytes", "1048576")
        .set("message.max.bytes", "16777216")
        .create()
        .unwrap()
}

fn send(
    producer: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    key: &str,
    payload: &[u8],
    time: Option<i64>,
) {
    loop {
        let mut record = BaseRecord::to(topic).key(key).payload(payload);
        if let Some(time) = time {
            record = record.timestamp(time);
        }
        match producer.send(record) {
            Ok(()) => return,
            Err((rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), _)) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((error, _)) => panic!("cannot publish to {topic}: {error}"),
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// Publishes every session's chunks then its end record; at `rate` sessions/s when given.
pub fn publish(brokers: &str, topics: &Topics, sessions: &[Session], rate: Option<f64>) -> Published {
    let producer = producer(brokers);
    let (chunk_topic, end_topic) = (format!("{}.chunks", topics.prefix), format!("{}.ends", topics.prefix));
    let mut published = Published { records: 0, bytes: 0, end_times: HashMap::new() };
    let started = Instant::now();
    for (index, session) in sessions.iter().enumerate() {
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(index as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let records = session_records(session, 65_536, true);
        for chunk in &records.chunks {
            let payload = serde_json::to_vec(chunk).unwrap();
            published.bytes += payload.len() as u64;
            published.records += 1;
            send(&producer, &chunk_topic, &records.sid, &payload, None);
        }
        let payload = serde_json::to_vec(&records.end).unwrap();
        published.bytes += payload.len() as u64;
        published.records += 1;
        let time = now_ms();
        send(&producer, &end_topic, &records.sid, &payload, Some(time));
        published.end_times.insert(records.sid.clone(), time);
    }
    producer.flush(Duration::from_secs(120)).unwrap();
    published
}

/// Publishes ready-made (key, payload) records to one topic.
pub fn publish_raw(brokers: &str, topic: &str, records: &[(String, Vec<u8>)]) {
    let producer = producer(brokers);
    for (key, payload) in records {
        send(&producer, topic, key, payload, None);
    }
    producer.flush(Duration::from_secs(120)).unwrap();
}

fn consumer(brokers: &str, group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .set("isolation.level", "read_committed")
        .create()
        .unwrap()
}

/// How long the raw consumer took: from subscribing, and from its first record.
pub struct RawTimes {
    pub total: Duration,
    pub after_first: Duration,
}

/// The baseline: a plain consumer in its own group reading both input topics and doing
/// nothing with the records; the time from subscribing (and from the first record) to the last.
pub fn raw_consume(brokers: &str, topics: &Topics, expected: u64) -> RawTimes {
    let started = Instant::now();
    let consumer = consumer(brokers, &format!("{}.raw", topics.prefix));
    consumer.subscribe(&[&format!("{}.chunks", topics.prefix), &format!("{}.ends", topics.prefix)]).unwrap();
    let (mut records, mut bytes) = (0u64, 0u64);
    let mut first = None;
    while records < expected {
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.unwrap();
            first.get_or_insert_with(Instant::now);
            bytes += message.payload().map(<[u8]>::len).unwrap_or(0) as u64;
            records += 1;
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "raw consumer: {records} of {expected}");
    }
    std::hint::black_box(bytes);
    RawTimes { total: started.elapsed(), after_first: first.map(|first| first.elapsed()).unwrap_or_default() }
}

/// Reads the verdict topic: for each session in `end_times`, verdict timestamp − end timestamp.
pub fn verdict_latencies(brokers: &str, topics: &Topics, end_times: &HashMap<String, i64>) -> Vec<i64> {
    let consumer = consumer(brokers, &format!("{}.latency", topics.prefix));
    consumer.subscribe(&[&format!("{}.verdicts", topics.prefix)]).unwrap();
    let mut latencies = Vec::with_capacity(end_times.len());
    let mut idle = Instant::now();
    while latencies.len() < end_times.len() && idle.elapsed() < Duration::from_secs(20) {
        let Some(message) = consumer.poll(Duration::from_millis(200)) else { continue };
        let message = message.unwrap();
        idle = Instant::now();
        let Some(sid) = message.key().and_then(|key| std::str::from_utf8(key).ok()) else { continue };
        let (Some(end), Timestamp::CreateTime(time)) = (end_times.get(sid), message.timestamp()) else { continue };
        latencies.push(time - end);
    }
    latencies
}
