//! The `sightline run` configuration: one TOML file, with environment overrides.
//!
//! Every struct denies unknown keys, so a typo stops startup with the key's name instead of
//! being ignored. Durations are `_ms` / `_secs` fields. Cross-field checks run at load time and
//! name both keys ([`Config::validate`]). Secrets live in [`Secret`], which never prints.
//!
//! Environment overrides: `SIGHTLINE__<SECTION>__<KEY>=value` replaces one key, e.g.
//! `SIGHTLINE__KAFKA__BROKERS=kafka:9092` or `SIGHTLINE__STORE__BACKEND=redis`. Values are
//! read as TOML when they parse as such (numbers, booleans) and as strings otherwise.

mod load;

pub use load::{ConfigError, load_file, load_str};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where records come from and go to.
    pub kafka: KafkaConfig,
    /// How input records are encoded.
    #[serde(default)]
    pub input: InputConfig,
    /// How verdicts and audit events are encoded.
    #[serde(default)]
    pub output: OutputConfig,
    /// The Confluent-compatible schema registry, needed for Avro.
    #[serde(default)]
    pub schema_registry: Option<SchemaRegistryConfig>,
    /// Where open sessions are kept until they are judged.
    #[serde(default)]
    pub store: StoreConfig,
    /// Bounds on memory and work in flight.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// When sessions are closed and how long shutdown and rebalances may take.
    #[serde(default)]
    pub timeouts: TimeoutsConfig,
    /// Detection rules beyond the bundled packs.
    #[serde(default)]
    pub rules: RulesConfig,
    /// Log output.
    #[serde(default)]
    pub log: LogConfig,
    /// Metrics and health endpoints.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// LLM summaries: models, secrets and policies (`classify/config.rs`). Off until a policy
    /// exists.
    #[serde(default)]
    pub inference: crate::classify::config::InferenceConfig,
    /// HTML review pages for risky sessions (`sightline report` pages), written as verdicts
    /// are produced.
    #[serde(default)]
    pub report: Option<crate::report::ReportConfig>,
    /// Direct sinks (Splunk HEC, Datadog, PagerDuty, webhook) by name; see `sink/config.rs`.
    #[serde(default)]
    pub sinks: std::collections::BTreeMap<String, crate::sink::config::SinkConfig>,
}

/// The HTTP endpoints: `/metrics`, `/healthz`, `/readyz`, `/state`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Serve the endpoints. Default: true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Address to listen on; port 0 picks a free port (logged at startup).
    ///
    /// Default: `127.0.0.1:9898` (use `0.0.0.0:9898` in a container).
    #[serde(default = "default_telemetry_listen")]
    pub listen: String,
    /// How often librdkafka reports statistics (consumer lag per partition), in ms. Default: 5000.
    #[serde(default = "default_statistics_interval_ms")]
    pub statistics_interval_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            enabled: true,
            listen: default_telemetry_listen(),
            statistics_interval_ms: default_statistics_interval_ms(),
        }
    }
}

fn default_telemetry_listen() -> String {
    "127.0.0.1:9898".to_string()
}
const fn default_statistics_interval_ms() -> u64 {
    5_000
}

/// The Kafka cluster, the consumer group and the topics.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    /// Bootstrap servers, `host:port` separated by commas.
    pub brokers: String,
    /// The consumer group; instances with the same group share the partitions.
    ///
    /// Default: `sightline`.
    #[serde(default = "default_group_id")]
    pub group_id: String,
    /// Topic of recording chunks (keyed by session id).
    pub chunk_topic: String,
    /// Topic of session-end records; must have as many partitions as `chunk_topic`.
    pub end_topic: String,
    /// Topic verdicts are written to, one per session.
    pub verdict_topic: String,
    /// Topic audit events (`session.summarized`, per-finding risk events) are written to.
    pub audit_topic: String,
    /// Topic undecodable input records are copied to, byte for byte.
    pub dlq_topic: String,
    /// How partitions are shared in the group: `cooperative-sticky` (incremental) or `range` (eager).
    ///
    /// Default: `cooperative-sticky`.
    #[serde(default)]
    pub assignment: Assignment,
    /// librdkafka `session.timeout.ms`: how long the group waits for a silent member.
    ///
    /// Default: 45000 (librdkafka's). A rebalance takes at least half of it on some brokers.
    #[serde(default = "default_session_timeout_ms")]
    pub session_timeout_ms: u64,
    /// librdkafka `heartbeat.interval.ms`. Must be below `session_timeout_ms`.
    ///
    /// Default: 3000 (librdkafka's).
    #[serde(default = "default_heartbeat_interval_ms")]
    pub heartbeat_interval_ms: u64,
    /// librdkafka `max.poll.interval.ms`. Default: 300000.
    #[serde(default = "default_max_poll_interval_ms")]
    pub max_poll_interval_ms: u64,
    /// How often done offsets are committed (asynchronously); rebalances and shutdown commit
    /// synchronously regardless.
    ///
    /// Default: 1000.
    #[serde(default = "default_commit_interval_ms")]
    pub commit_interval_ms: u64,
    /// TLS and SASL.
    #[serde(default)]
    pub security: SecurityConfig,
    /// librdkafka options applied last, for the consumer and producer alike
    /// (e.g. `"fetch.max.bytes" = "10485760"`). Keys the pipeline depends on for its guarantees
    /// (`enable.auto.commit`, `enable.auto.offset.store`, `enable.idempotence`, `acks`,
    /// `group.id`) are refused.
    #[serde(default)]
    pub librdkafka_options: BTreeMap<String, String>,
}

/// The consumer group's partition assignment strategy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assignment {
    /// Incremental rebalances: only moved partitions are revoked.
    #[default]
    CooperativeSticky,
    /// Eager rebalances: every partition is revoked and reassigned.
    Range,
}

impl Assignment {
    /// The librdkafka `partition.assignment.strategy` value.
    pub fn librdkafka_name(self) -> &'static str {
        match self {
            Assignment::CooperativeSticky => "cooperative-sticky",
            Assignment::Range => "range",
        }
    }
}

/// TLS and SASL settings passed to librdkafka.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// `security.protocol`: `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`. Default: plaintext.
    #[serde(default)]
    pub protocol: Option<String>,
    /// `ssl.ca.location`: CA bundle file.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// `ssl.certificate.location`: client certificate file.
    #[serde(default)]
    pub certificate_file: Option<PathBuf>,
    /// `ssl.key.location`: client key file.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// `sasl.mechanism`: `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    #[serde(default)]
    pub sasl_mechanism: Option<String>,
    /// `sasl.username`.
    #[serde(default)]
    pub sasl_username: Option<String>,
    /// `sasl.password`; prefer the `SIGHTLINE__KAFKA__SECURITY__SASL_PASSWORD` variable.
    #[serde(default)]
    pub sasl_password: Option<Secret>,
}

/// Input record encoding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// `json`, `avro` (Confluent wire format, needs `[schema_registry]`) or `auto` (Avro when the
    /// record starts with the magic byte 0, JSON otherwise).
    ///
    /// Default: `auto`.
    #[serde(default)]
    pub encoding: InputEncoding,
}

/// How input records are encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputEncoding {
    /// Detect per record.
    #[default]
    Auto,
    /// JSON only.
    Json,
    /// Avro in the Confluent wire format only.
    Avro,
}

/// Output record encoding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// `json` (default) or `avro` (Confluent wire format, schemas registered under
    /// `<topic>-value`; needs `[schema_registry]`).
    #[serde(default)]
    pub encoding: OutputEncoding,
    /// Shape of records on the verdict topic with JSON encoding: `json` (the verdict),
    /// `splunk_hec` (HEC event envelope), `datadog` (Datadog log) or `ocsf` (OCSF Detection
    /// Finding). Default: `json`.
    #[serde(default)]
    pub verdict_format: crate::sink::encode::Encoding,
    /// Shape of records on the audit topic, as `verdict_format`. Default: `json`.
    #[serde(default)]
    pub audit_format: crate::sink::encode::Encoding,
    /// Envelope values: Splunk `source`/`index`, Datadog `service`/tags.
    #[serde(default)]
    pub envelope: crate::sink::encode::EnvelopeConfig,
    /// Output records larger than this (bytes of JSON) are trimmed — command output first,
    /// then long prose, then the least risky timeline entries — never dropped; the
    /// `sightline.trimmed` header says what was cut. Keep it below the broker's
    /// `message.max.bytes` (1 MB by default).
    ///
    /// Default: 900000.
    #[serde(default = "default_max_record_bytes")]
    pub max_record_bytes: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            encoding: OutputEncoding::default(),
            verdict_format: Default::default(),
            audit_format: Default::default(),
            envelope: Default::default(),
            max_record_bytes: default_max_record_bytes(),
        }
    }
}

const fn default_max_record_bytes() -> usize {
    900_000
}

/// How output records are encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputEncoding {
    /// JSON text.
    #[default]
    Json,
    /// Avro in the Confluent wire format.
    Avro,
}

/// The schema registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaRegistryConfig {
    /// Base URL, e.g. `http://schema-registry:8081`.
    pub url: String,
    /// Basic-auth user, if the registry needs one.
    #[serde(default)]
    pub username: Option<String>,
    /// Basic-auth password.
    #[serde(default)]
    pub password: Option<Secret>,
    /// Request timeout. Default: 10000.
    #[serde(default = "default_registry_timeout_ms")]
    pub timeout_ms: u64,
}

/// The session store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `embedded` (an on-disk database, for a single instance) or `redis` (shared, for several
    /// instances in one group).
    ///
    /// Default: `embedded`.
    #[serde(default)]
    pub backend: StoreBackend,
    /// Directory of the embedded database. Default: `./sightline-state`.
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
    /// Redis URL, e.g. `redis://127.0.0.1:6379/0`; required with `backend = "redis"`.
    #[serde(default)]
    pub redis_url: Option<Secret>,
    /// Prefix of every Redis key; defaults to `sightline:<group_id>`.
    #[serde(default)]
    pub key_prefix: Option<String>,
    /// How long finalized sessions are remembered, so replays are not judged twice.
    ///
    /// Default: 86400 (one day).
    #[serde(default = "default_finalized_ttl_secs")]
    pub finalized_ttl_secs: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: StoreBackend::default(),
            path: default_store_path(),
            redis_url: None,
            key_prefix: None,
            finalized_ttl_secs: default_finalized_ttl_secs(),
        }
    }
}

/// Which session store backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// redb on local disk.
    #[default]
    Embedded,
    /// Redis.
    Redis,
}

/// Bounds on memory and work in flight.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Bytes of recording kept per session; beyond it the session is judged on what fits and
    /// flagged `TOO_LARGE`.
    ///
    /// Default: 67108864 (64 MiB).
    #[serde(default = "default_max_session_bytes")]
    pub max_session_bytes: u64,
    /// Open sessions at most; at the limit, fetching pauses until sessions close (backpressure).
    ///
    /// Default: 200000.
    #[serde(default = "default_max_open_sessions")]
    pub max_open_sessions: usize,
    /// Threads analysing finished sessions. Default: the number of CPUs.
    #[serde(default)]
    pub analysis_workers: Option<usize>,
    /// Records read per batch before the store write that makes them durable. Default: 500.
    #[serde(default = "default_batch_records")]
    pub batch_records: usize,
    /// Bytes of chunk records of sessions new to this instance held in memory for up to
    /// `timeouts.hold_ms` before they go to the store; a session complete by then is judged
    /// from memory and never written to the store. 0 sends every chunk to the store at once.
    ///
    /// Default: 67108864 (64 MiB).
    #[serde(default = "default_held_bytes")]
    pub held_bytes: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_session_bytes: default_max_session_bytes(),
            max_open_sessions: default_max_open_sessions(),
            analysis_workers: None,
            batch_records: default_batch_records(),
            held_bytes: default_held_bytes(),
        }
    }
}

/// Timeouts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// After the end event, how long to wait for missing chunks before judging the session as
    /// not fully captured. Also how long to wait for late chunks when the end record does not
    /// say how many chunks there are.
    ///
    /// Default: 30000.
    #[serde(default = "default_end_grace_ms")]
    pub end_grace_ms: u64,
    /// A session with no end event and no new chunk for this long is judged as incomplete.
    ///
    /// Default: 3600.
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u64,
    /// On a rebalance, how long to wait for in-flight sessions of revoked partitions before
    /// committing and handing them back. Must be below `kafka.session_timeout_ms`.
    ///
    /// Default: 10000.
    #[serde(default = "default_drain_timeout_ms")]
    pub drain_timeout_ms: u64,
    /// On SIGTERM/SIGINT, how long to finish in-flight sessions and flush before exiting.
    ///
    /// Default: 30000.
    #[serde(default = "default_shutdown_timeout_ms")]
    pub shutdown_timeout_ms: u64,
    /// Backoff between attempts to deliver a verdict the producer failed to deliver.
    ///
    /// Default: 1000, doubling up to 60000, with jitter.
    #[serde(default = "default_retry_backoff_ms")]
    pub retry_backoff_ms: u64,
    /// How long a session new to this instance is held in memory (within `limits.held_bytes`)
    /// before its chunks go to the store. Its records' offsets are committed once its verdict
    /// is delivered or once it is stored, so commits lag by up to this much.
    ///
    /// Default: 5000.
    #[serde(default = "default_hold_ms")]
    pub hold_ms: u64,
}

impl Default for TimeoutsConfig {
    fn default() -> Self {
        TimeoutsConfig {
            end_grace_ms: default_end_grace_ms(),
            idle_timeout_secs: default_idle_timeout_secs(),
            drain_timeout_ms: default_drain_timeout_ms(),
            shutdown_timeout_ms: default_shutdown_timeout_ms(),
            retry_backoff_ms: default_retry_backoff_ms(),
            hold_ms: default_hold_ms(),
        }
    }
}

/// Rule packs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Use the bundled rule packs. Default: true.
    #[serde(default = "default_true")]
    pub bundled: bool,
    /// Extra rule pack files (YAML, the format in `rules/README.md`).
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig { bundled: true, files: Vec::new() }
    }
}

/// Logs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    #[serde(default)]
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `sightline=debug`; `RUST_LOG` wins when set.
    ///
    /// Default: `info`.
    #[serde(default)]
    pub level: Option<String>,
}

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// A secret value: deserialized from config, never printed.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("\"***\"")
    }
}

fn default_group_id() -> String {
    "sightline".to_string()
}
/// librdkafka's default.
const fn default_session_timeout_ms() -> u64 {
    45_000
}
/// librdkafka's default.
const fn default_heartbeat_interval_ms() -> u64 {
    3_000
}
/// librdkafka's default.
const fn default_max_poll_interval_ms() -> u64 {
    300_000
}
const fn default_commit_interval_ms() -> u64 {
    1_000
}
const fn default_registry_timeout_ms() -> u64 {
    10_000
}
fn default_store_path() -> PathBuf {
    PathBuf::from("sightline-state")
}
const fn default_finalized_ttl_secs() -> u64 {
    86_400
}
const fn default_max_session_bytes() -> u64 {
    64 * 1024 * 1024
}
const fn default_max_open_sessions() -> usize {
    200_000
}
const fn default_batch_records() -> usize {
    500
}
const fn default_held_bytes() -> u64 {
    64 * 1024 * 1024
}
const fn default_hold_ms() -> u64 {
    5_000
}
const fn default_end_grace_ms() -> u64 {
    30_000
}
const fn default_idle_timeout_secs() -> u64 {
    3_600
}
const fn default_drain_timeout_ms() -> u64 {
    10_000
}
const fn default_shutdown_timeout_ms() -> u64 {
    30_000
}
const fn default_retry_backoff_ms() -> u64 {
    1_000
}
const fn default_true() -> bool {
    true
}
