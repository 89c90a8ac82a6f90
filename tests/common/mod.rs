//! Shared helpers for the integration tests against the real broker (tansu) and Redis, which
//! `scripts/services.sh start` installs and starts (`scripts/test.sh` does it for the suite).
//!
//! Every test gets its own topics, consumer group and Redis key prefix, so tests run in
//! parallel without seeing each other's records.
#![allow(dead_code)]

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A sample session (`examples/sessions/FILE`) and its rules-only verdict (no rule packs).
pub fn judged(file: &str) -> (sightline::model::Session, sightline::model::Verdict) {
    let session = sightline::source::files::read_file(&repository("examples/sessions").join(file)).sessions.remove(0);
    let detector = sightline::analyze::detect::RuleDetector::new(&[]).unwrap();
    let verdict = sightline::verdict::judge_session(&session, &detector);
    (session, verdict)
}

/// The `export NAME=value` lines of `scripts/services.sh start`, run once per test binary
/// when the environment does not name a service.
fn started() -> &'static BTreeMap<String, String> {
    static STARTED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    STARTED.get_or_init(|| {
        let output = Command::new(repository("scripts/services.sh"))
            .arg("start")
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/services.sh start");
        assert!(output.status.success(), "scripts/services.sh start failed");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
            .map(|(name, value)| (name.to_string(), value.trim_matches('"').to_string()))
            .collect()
    })
}

/// A service address from the environment (`SIGHTLINE_TEST_*`), starting the services with the
/// project's script when the environment does not name it.
pub fn service(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        started().get(name).cloned().unwrap_or_else(|| panic!("scripts/services.sh start did not print {name}"))
    })
}

pub fn brokers() -> String {
    service("SIGHTLINE_TEST_BROKERS")
}

pub fn redis_url() -> String {
    service("SIGHTLINE_TEST_REDIS")
}

/// A random name with a prefix.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// One test's topics and group.
#[derive(Debug, Clone)]
pub struct Topics {
    pub chunks: String,
    pub ends: String,
    pub verdicts: String,
    pub audit: String,
    pub dlq: String,
    pub group: String,
    pub partitions: i32,
}

impl Topics {
    /// Creates fresh topics: inputs with `partitions` partitions, outputs with 1.
    pub fn create(brokers: &str, partitions: i32) -> Topics {
        let name = unique("t");
        let topics = Topics {
            chunks: format!("{name}.chunks"),
            ends: format!("{name}.ends"),
            verdicts: format!("{name}.verdicts"),
            audit: format!("{name}.audit"),
            dlq: format!("{name}.dlq"),
            group: format!("{name}.group"),
            partitions,
        };
        create_topics(
            brokers,
            &[
                (&topics.chunks, partitions),
                (&topics.ends, partitions),
                (&topics.verdicts, 1),
                (&topics.audit, 1),
                (&topics.dlq, 1),
            ],
        );
        topics
    }
}

pub fn create_topics(brokers: &str, topics: &[(&str, i32)]) {
    let admin: AdminClient<DefaultClientContext> =
        ClientConfig::new().set("bootstrap.servers", brokers).create().expect("admin client");
    let new_topics: Vec<NewTopic> =
        topics.iter().map(|(name, partitions)| NewTopic::new(name, *partitions, TopicReplication::Fixed(1))).collect();
    let results =
        futures_executor::block_on(admin.create_topics(&new_topics, &AdminOptions::new())).expect("create topics");
    for result in results {
        result.unwrap_or_else(|(topic, error)| panic!("create topic {topic}: {error:?}"));
    }
}

/// What a test's pipeline config contains besides the topics.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Another broker than the shared one.
    pub brokers: Option<String>,
    pub redis_prefix: Option<String>,
    pub extra: String,
    pub end_grace_ms: u64,
    pub idle_timeout_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { brokers: None, redis_prefix: None, extra: String::new(), end_grace_ms: 2_000, idle_timeout_secs: 30 }
    }
}

/// Writes a pipeline config for `topics` into `directory`.
pub fn write_config(directory: &Path, topics: &Topics, settings: &Settings) -> PathBuf {
    let store = match &settings.redis_prefix {
        Some(prefix) => format!("backend = \"redis\"\nredis_url = \"{}\"\nkey_prefix = \"{prefix}\"\n", redis_url()),
        None => format!("backend = \"embedded\"\npath = \"{}\"\n", directory.join("state").display()),
    };
    let text = format!(
        r#"[kafka]
brokers = "{brokers}"
group_id = "{group}"
chunk_topic = "{chunks}"
end_topic = "{ends}"
verdict_topic = "{verdicts}"
audit_topic = "{audit}"
dlq_topic = "{dlq}"
session_timeout_ms = 3000
heartbeat_interval_ms = 500
commit_interval_ms = 200

[store]
{store}
[limits]
analysis_workers = 1

[telemetry]
listen = "127.0.0.1:0"
statistics_interval_ms = 1000

[timeouts]
end_grace_ms = {grace}
idle_timeout_secs = {idle}
drain_timeout_ms = 2000
shutdown_timeout_ms = 10000
retry_backoff_ms = 200

{extra}
"#,
        brokers = settings.brokers.clone().unwrap_or_else(brokers),
        group = topics.group,
        chunks = topics.chunks,
        ends = topics.ends,
        verdicts = topics.verdicts,
        audit = topics.audit,
        dlq = topics.dlq,
        grace = settings.end_grace_ms,
        idle = settings.idle_timeout_secs,
        extra = settings.extra,
    );
    let path = directory.join(format!("sightline-{}.toml", unique("c")));
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `sightline run` process; its log goes to a file.
pub struct Processor {
    pub child: Child,
    pub log: PathBuf,
}

impl Processor {
    pub fn start(config: &Path, log: &Path) -> Processor {
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_sightline"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info,sightline=debug")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start sightline run");
        Processor { child, log: log.to_path_buf() }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
        None
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Processor {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}

/// Sends a signal by name with the `kill` command.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// A plain producer for test input.
pub fn producer() -> ThreadedProducer<rdkafka::producer::DefaultProducerContext> {
    producer_on(&brokers())
}

/// A plain producer for test input on a given broker.
pub fn producer_on(brokers: &str) -> ThreadedProducer<rdkafka::producer::DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "2")
        .set("partitioner", "murmur2_random")
        .create()
        .expect("producer")
}

pub fn send(
    producer: &ThreadedProducer<rdkafka::producer::DefaultProducerContext>,
    topic: &str,
    key: &str,
    payload: &[u8],
) {
    loop {
        match producer.send(BaseRecord::to(topic).key(key).payload(payload)) {
            Ok(()) => return,
            Err((error, _)) => {
                eprintln!("send to {topic}: {error}; retrying");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

pub fn flush(producer: &ThreadedProducer<rdkafka::producer::DefaultProducerContext>) {
    producer.flush(Duration::from_secs(30)).expect("flush");
}

/// One consumed output record.
#[derive(Debug, Clone)]
pub struct Consumed {
    pub key: String,
    pub payload: Vec<u8>,
    pub headers: BTreeMap<String, String>,
    pub partition: i32,
    pub offset: i64,
}

impl Consumed {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).unwrap()
    }
}

/// Reads `topic` from the start until `until` says enough or the timeout passes.
pub fn consume_until(topic: &str, timeout: Duration, until: impl FnMut(&[Consumed]) -> bool) -> Vec<Consumed> {
    consume_until_on(&brokers(), topic, timeout, until)
}

/// [`consume_until`] on a given broker.
pub fn consume_until_on(
    brokers: &str,
    topic: &str,
    timeout: Duration,
    mut until: impl FnMut(&[Consumed]) -> bool,
) -> Vec<Consumed> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    // Assign every partition from the beginning instead of joining a group: no group join
    // wait (tansu takes session.timeout.ms / 2 for one).
    let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let partitions = metadata.topics().first().map(|found| found.partitions().len()).unwrap_or(0);
    assert!(partitions > 0, "topic {topic} has no partitions");
    let mut list = rdkafka::TopicPartitionList::new();
    for partition in 0..partitions as i32 {
        list.add_partition_offset(topic, partition, rdkafka::Offset::Beginning).unwrap();
    }
    consumer.assign(&list).unwrap();
    let mut records = Vec::new();
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline && !until(&records) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            let mut headers = BTreeMap::new();
            if let Some(found) = message.headers() {
                for header in found.iter() {
                    headers.insert(
                        header.key.to_string(),
                        String::from_utf8_lossy(header.value.unwrap_or_default()).into_owned(),
                    );
                }
            }
            records.push(Consumed {
                key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
                payload: message.payload().unwrap_or_default().to_vec(),
                headers,
                partition: message.partition(),
                offset: message.offset(),
            });
        }
    }
    records
}

/// Distinct keys among records.
pub fn distinct_keys(records: &[Consumed]) -> std::collections::BTreeSet<String> {
    records.iter().map(|record| record.key.clone()).collect()
}

/// Waits for verdicts for every session in `sids` (or the timeout); returns all verdicts read.
pub fn wait_for_verdicts(
    topics: &Topics,
    sids: &std::collections::BTreeSet<String>,
    timeout: Duration,
) -> Vec<Consumed> {
    consume_until(&topics.verdicts, timeout, |records| {
        sids.iter().all(|sid| records.iter().any(|record| &record.key == sid))
    })
}

/// Publishes a session's replay records (chunks then end).
pub fn publish_session(
    producer: &ThreadedProducer<rdkafka::producer::DefaultProducerContext>,
    topics: &Topics,
    records: &sightline::replay::SessionRecords,
) {
    for chunk in &records.chunks {
        send(producer, &topics.chunks, &records.sid, chunk.to_string().as_bytes());
    }
    send(producer, &topics.ends, &records.sid, records.end.to_string().as_bytes());
}

/// A small synthetic SSH session's records: `commands` commands, one chunk each.
pub fn synthetic_session(sid: &str, commands: usize) -> sightline::replay::SessionRecords {
    use base64::Engine;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let mut chunks = Vec::new();
    for index in 0..commands {
        let output = format!("$ echo step{index}\r\nstep{index}\r\n");
        chunks.push(serde_json::json!({
            "session_id": sid,
            "chunk_index": index,
            "kind": "ssh",
            "events": [{"event": "print", "data": encode(&output), "ms": index * 100, "ei": index + 1}],
        }));
    }
    let mut start = vec![serde_json::json!({"event": "session.start", "sid": sid, "ei": 0, "user": "alice",
        "server_hostname": "web-1", "time": "2026-01-01T00:00:00Z"})];
    if let Some(serde_json::Value::Array(events)) = chunks.first_mut().and_then(|chunk| chunk.get_mut("events")) {
        start.append(events);
        *events = start;
    }
    let end = serde_json::json!({"event": "session.end", "sid": sid, "ei": 100_000, "chunk_count": commands,
        "kind": "ssh", "time": "2026-01-01T00:10:00Z"});
    sightline::replay::SessionRecords { sid: sid.to_string(), chunks, end }
}

/// Publishes `count` synthetic sessions (`commands` chunks each) at about `per_second`, from a
/// background thread; returns their ids and the thread.
pub fn stream_sessions(
    topics: &Topics,
    prefix: &str,
    count: usize,
    commands: usize,
    per_second: usize,
) -> (std::collections::BTreeSet<String>, std::thread::JoinHandle<()>) {
    let sessions: Vec<sightline::replay::SessionRecords> =
        (0..count).map(|index| synthetic_session(&format!("{prefix}-{index}"), commands)).collect();
    let sids = sessions.iter().map(|session| session.sid.clone()).collect();
    let topics = topics.clone();
    let thread = std::thread::spawn(move || {
        let producer = producer();
        let pause = Duration::from_secs_f64(1.0 / per_second.max(1) as f64);
        for session in &sessions {
            publish_session(&producer, &topics, session);
            std::thread::sleep(pause);
        }
        flush(&producer);
    });
    (sids, thread)
}

/// Publishes synthetic sessions (`commands` chunks each) at about `per_second` until `stop` is
/// set (at most `limit`); the thread returns the ids it published. For tests that need input
/// to keep flowing until something else has happened, however slow the machine is.
pub fn stream_sessions_until(
    topics: &Topics,
    prefix: &str,
    limit: usize,
    commands: usize,
    per_second: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<std::collections::BTreeSet<String>> {
    let topics = topics.clone();
    let prefix = prefix.to_string();
    std::thread::spawn(move || {
        let producer = producer();
        let pause = Duration::from_secs_f64(1.0 / per_second.max(1) as f64);
        let mut sids = std::collections::BTreeSet::new();
        for index in 0..limit {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let session = synthetic_session(&format!("{prefix}-{index}"), commands);
            publish_session(&producer, &topics, &session);
            sids.insert(session.sid);
            std::thread::sleep(pause);
        }
        flush(&producer);
        sids
    })
}

/// Checks that every session in `sids` has a verdict and that repeated verdicts of a session
/// are identical apart from timing fields (same id); returns how many duplicates there were.
pub fn check_verdicts(verdicts: &[Consumed], sids: &std::collections::BTreeSet<String>) -> usize {
    let mut by_session: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for record in verdicts {
        let mut verdict = record.json();
        assert_eq!(verdict["id"].as_str(), record.headers.get("sightline.record_id").map(String::as_str));
        let object = verdict.as_object_mut().unwrap();
        object.remove("inference_started_at");
        object.remove("inference_finished_at");
        by_session.entry(record.key.clone()).or_default().push(verdict);
    }
    let missing: Vec<&String> = sids.iter().filter(|sid| !by_session.contains_key(*sid)).collect();
    assert!(
        missing.is_empty(),
        "{} sessions without a verdict, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let mut duplicates = 0;
    for (sid, copies) in &by_session {
        for copy in &copies[1..] {
            assert_eq!(copy, &copies[0], "duplicate verdicts of {sid} differ");
            duplicates += 1;
        }
    }
    duplicates
}

/// Waits until `needle` appears `count` times in the processor's log.
pub fn wait_for_log(processor: &Processor, needle: &str, count: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while processor.log_text().matches(needle).count() < count {
        assert!(Instant::now() < deadline, "{needle:?} not seen {count} times; log:\n{}", processor.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The address the processor's telemetry server listens on (from its log).
pub fn telemetry_address(processor: &Processor) -> String {
    wait_for_log(processor, "telemetry listening", 1, Duration::from_secs(60));
    let log = processor.log_text();
    let line = log.lines().rev().find(|line| line.contains("telemetry listening")).unwrap_or_default();
    let start = line.find("address=").map(|index| index + "address=".len()).unwrap_or(0);
    line[start..].split_whitespace().next().unwrap_or_default().to_string()
}

/// GET a telemetry path; (status, body).
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    match reqwest::blocking::get(format!("http://{address}{path}")) {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().unwrap_or_default())
        }
        Err(error) => (0, error.to_string()),
    }
}
