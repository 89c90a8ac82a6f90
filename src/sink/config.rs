//! Configuration of the direct sinks (`[sinks.NAME]` tables): where each sends, its
//! credentials, which records it takes (routing), and how it retries.
//!
//! ```toml
//! [sinks.splunk]
//! type = "splunk_hec"
//! endpoint = "https://splunk.example.com:8088"
//! token = "…"                       # or SIGHTLINE__SINKS__SPLUNK__TOKEN
//! [sinks.splunk.route]
//! min_risk = "medium"
//! kinds = ["ssh", "k8s"]
//! ```

use crate::config::Secret;
use crate::model::{RiskLevel, SessionKind};
use serde::Deserialize;

/// One direct sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SinkConfig {
    /// Splunk HTTP Event Collector.
    SplunkHec(SplunkHecConfig),
    /// Datadog Logs API v2.
    Datadog(DatadogConfig),
    /// PagerDuty Events API v2.
    Pagerduty(PagerDutyConfig),
    /// A generic webhook: JSON POST signed with HMAC-SHA256.
    Webhook(WebhookConfig),
}

impl SinkConfig {
    /// Which records the sink takes.
    pub fn route(&self) -> &RouteConfig {
        match self {
            SinkConfig::SplunkHec(config) => &config.route,
            SinkConfig::Datadog(config) => &config.route,
            SinkConfig::Pagerduty(config) => &config.route,
            SinkConfig::Webhook(config) => &config.route,
        }
    }

    /// How the sink retries.
    pub fn delivery(&self) -> &DeliveryConfig {
        match self {
            SinkConfig::SplunkHec(config) => &config.delivery,
            SinkConfig::Datadog(config) => &config.delivery,
            SinkConfig::Pagerduty(config) => &config.delivery,
            SinkConfig::Webhook(config) => &config.delivery,
        }
    }

    /// The sink type's name as written in config.
    pub fn type_name(&self) -> &'static str {
        match self {
            SinkConfig::SplunkHec(_) => "splunk_hec",
            SinkConfig::Datadog(_) => "datadog",
            SinkConfig::Pagerduty(_) => "pagerduty",
            SinkConfig::Webhook(_) => "webhook",
        }
    }
}

/// Which records a sink takes. Everything, unless narrowed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Record kinds: `verdict`, `audit` (the `session.summarized` and `sightline.risk` events).
    /// Default: both (PagerDuty: verdicts only).
    #[serde(default = "all_records")]
    pub records: Vec<RecordKindName>,
    /// Lowest risk level sent. A verdict's level is the session's; an audit event's is its own
    /// (`session.summarized` carries the session's, `sightline.risk` the finding's).
    /// Default: `low` (everything; PagerDuty: `high`).
    #[serde(default)]
    pub min_risk: Option<RiskLevel>,
    /// Session kinds sent (`ssh`, `k8s`, `db`). Default: all.
    #[serde(default = "all_kinds")]
    pub kinds: Vec<SessionKind>,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig { records: all_records(), min_risk: None, kinds: all_kinds() }
    }
}

/// A record kind, as named in `route.records`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKindName {
    /// Verdicts.
    Verdict,
    /// Audit events.
    Audit,
}

fn all_records() -> Vec<RecordKindName> {
    vec![RecordKindName::Verdict, RecordKindName::Audit]
}

fn all_kinds() -> Vec<SessionKind> {
    vec![SessionKind::Ssh, SessionKind::K8s, SessionKind::Db]
}

/// Retries and timeouts of one sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Timeout of one HTTP request. Default 10000.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// First retry delay; doubles per attempt, with jitter. Default 500.
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Longest retry delay (a `Retry-After` is honoured up to `max_retry_after_ms`). Default 30000.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Longest `Retry-After` honoured. Default 600000 (10 minutes).
    #[serde(default = "default_max_retry_after_ms")]
    pub max_retry_after_ms: u64,
    /// Attempts before a retryable failure is dead-lettered; 0 retries forever (the default:
    /// during an outage the sink's consumer group simply falls behind, nothing is lost).
    #[serde(default)]
    pub max_attempts: u32,
    /// Where a sink that has never run starts reading the verdict topic: `earliest` (the
    /// default: it also receives the verdicts already retained, so none produced while it was
    /// being set up are missed) or `latest` (only verdicts from now on).
    #[serde(default)]
    pub start_at: StartAt,
}

/// Where a new sink's consumer group starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAt {
    /// The oldest retained verdict.
    #[default]
    Earliest,
    /// Verdicts produced from now on.
    Latest,
}

impl StartAt {
    /// librdkafka's `auto.offset.reset` value.
    pub fn as_str(self) -> &'static str {
        match self {
            StartAt::Earliest => "earliest",
            StartAt::Latest => "latest",
        }
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout_ms: default_timeout_ms(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
            max_retry_after_ms: default_max_retry_after_ms(),
            max_attempts: 0,
            start_at: StartAt::Earliest,
        }
    }
}

const fn default_timeout_ms() -> u64 {
    10_000
}
const fn default_initial_backoff_ms() -> u64 {
    500
}
const fn default_max_backoff_ms() -> u64 {
    30_000
}
const fn default_max_retry_after_ms() -> u64 {
    600_000
}

/// Splunk HTTP Event Collector (`/services/collector/event`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplunkHecConfig {
    /// Base URL of the collector, e.g. `https://splunk.example.com:8088`.
    pub endpoint: String,
    /// The HEC token (sent as `Authorization: Splunk <token>`).
    pub token: Secret,
    /// Index; unset lets the token's default index apply.
    #[serde(default)]
    pub index: Option<String>,
    /// Gzip request bodies. Default true.
    #[serde(default = "default_true")]
    pub gzip: bool,
    /// Use indexer acknowledgement (the token must have it enabled): requests carry a channel
    /// and a batch counts as delivered only once `/services/collector/ack` says it was indexed.
    /// Default true.
    #[serde(default = "default_true")]
    pub acknowledgements: bool,
    /// How long to poll for an acknowledgement before sending the batch again. Default 60000.
    #[serde(default = "default_ack_timeout_ms")]
    pub ack_timeout_ms: u64,
    /// Delay between acknowledgement polls. Default 1000.
    #[serde(default = "default_ack_poll_ms")]
    pub ack_poll_interval_ms: u64,
    /// Events per request. Default 100.
    #[serde(default = "default_hec_events")]
    pub max_batch_events: usize,
    /// Uncompressed bytes per request (HEC's `max_content_length`; many load balancers stop at
    /// 1 MB). Default 1000000.
    #[serde(default = "default_one_mb")]
    pub max_batch_bytes: usize,
    /// Bytes per event; larger events are trimmed (see `sink/size_guard.rs`). Default 1000000.
    #[serde(default = "default_one_mb")]
    pub max_event_bytes: usize,
    /// Which records go here.
    #[serde(default)]
    pub route: RouteConfig,
    /// Retries.
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

/// Datadog Logs API v2 (`POST /api/v2/logs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatadogConfig {
    /// The API key (sent as `DD-API-KEY`).
    pub api_key: Secret,
    /// The Datadog site: `datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, `us5.datadoghq.com`,
    /// `ap1.datadoghq.com`, `ddog-gov.com`. Default `datadoghq.com`.
    #[serde(default = "default_site")]
    pub site: String,
    /// Full intake URL instead of the site's (a proxy, or a test receiver).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Gzip request bodies. Default true.
    #[serde(default = "default_true")]
    pub gzip: bool,
    /// Logs per request; Datadog's limit is 1000. Default 1000.
    #[serde(default = "default_datadog_entries")]
    pub max_batch_entries: usize,
    /// Uncompressed bytes per request; Datadog's limit is 5 MB. Default 5000000.
    #[serde(default = "default_five_mb")]
    pub max_batch_bytes: usize,
    /// Bytes per log; Datadog truncates logs over 1 MB, so larger ones are trimmed first.
    /// Default 1000000.
    #[serde(default = "default_one_mb")]
    pub max_entry_bytes: usize,
    /// Which records go here.
    #[serde(default)]
    pub route: RouteConfig,
    /// Retries.
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

impl DatadogConfig {
    /// The intake URL.
    pub fn url(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://http-intake.logs.{}/api/v2/logs", self.site),
        }
    }
}

/// PagerDuty Events API v2 (`POST /v2/enqueue`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    /// The integration's routing key (32 characters).
    pub routing_key: Secret,
    /// Events API URL. Default `https://events.pagerduty.com/v2/enqueue`.
    #[serde(default = "default_pagerduty_url")]
    pub endpoint: String,
    /// Which verdicts page: only verdicts are sent, at or above `route.min_risk` (default `high`).
    #[serde(default)]
    pub route: RouteConfig,
    /// Retries.
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

/// A generic webhook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where records are POSTed, one JSON record per request.
    pub url: String,
    /// The HMAC-SHA256 key. Each request carries `X-Sightline-Timestamp` and
    /// `X-Sightline-Signature: sha256=<hex of HMAC(secret, "<timestamp>.<body>")>`.
    pub secret: Secret,
    /// Extra request headers (e.g. a static `Authorization`).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Bytes per request; larger records are trimmed. Default 1000000.
    #[serde(default = "default_one_mb")]
    pub max_body_bytes: usize,
    /// Which records go here.
    #[serde(default)]
    pub route: RouteConfig,
    /// Retries.
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

const fn default_true() -> bool {
    true
}
const fn default_ack_timeout_ms() -> u64 {
    60_000
}
const fn default_ack_poll_ms() -> u64 {
    1_000
}
const fn default_hec_events() -> usize {
    100
}
const fn default_one_mb() -> usize {
    1_000_000
}
const fn default_five_mb() -> usize {
    5_000_000
}
const fn default_datadog_entries() -> usize {
    1_000
}
fn default_site() -> String {
    "datadoghq.com".to_string()
}
fn default_pagerduty_url() -> String {
    "https://events.pagerduty.com/v2/enqueue".to_string()
}

/// Checks one sink's config; the error names the key and the fix.
pub fn validate(name: &str, sink: &SinkConfig) -> Result<(), (String, String)> {
    let key = |field: &str| format!("sinks.{name}.{field}");
    let url_ok = |url: &str| url.starts_with("http://") || url.starts_with("https://");
    let fail = |field: &str, message: String| Err((key(field), message));
    match sink {
        SinkConfig::SplunkHec(config) => {
            if !url_ok(&config.endpoint) {
                return fail("endpoint", format!("{:?} is not an http(s) URL", config.endpoint));
            }
            if config.token.expose().trim().is_empty() {
                return fail("token", "is empty; set the HEC token".into());
            }
            if config.max_batch_events == 0 || config.max_batch_bytes < 4096 || config.max_event_bytes < 4096 {
                return fail("max_batch_events", "batch limits must be above 0 events and 4096 bytes".into());
            }
        }
        SinkConfig::Datadog(config) => {
            if config.api_key.expose().trim().is_empty() {
                return fail("api_key", "is empty; set the Datadog API key".into());
            }
            if !url_ok(&config.url()) {
                return fail("endpoint", format!("{:?} is not an http(s) URL", config.url()));
            }
            if !(1..=1000).contains(&config.max_batch_entries) {
                return fail("max_batch_entries", "must be 1..=1000 (Datadog's limit)".into());
            }
            if !(4096..=5_000_000).contains(&config.max_batch_bytes) {
                return fail("max_batch_bytes", "must be 4096..=5000000 (Datadog's limit is 5 MB)".into());
            }
            if !(4096..=1_000_000).contains(&config.max_entry_bytes) {
                return fail("max_entry_bytes", "must be 4096..=1000000 (Datadog's limit is 1 MB)".into());
            }
        }
        SinkConfig::Pagerduty(config) => {
            if config.routing_key.expose().len() != 32 {
                return fail("routing_key", "must be the integration's 32-character routing key".into());
            }
            if !url_ok(&config.endpoint) {
                return fail("endpoint", format!("{:?} is not an http(s) URL", config.endpoint));
            }
        }
        SinkConfig::Webhook(config) => {
            if !url_ok(&config.url) {
                return fail("url", format!("{:?} is not an http(s) URL", config.url));
            }
            if config.secret.expose().len() < 16 {
                return fail("secret", "must be at least 16 characters (it keys the HMAC-SHA256 signature)".into());
            }
            if config.max_body_bytes < 4096 {
                return fail("max_body_bytes", "must be at least 4096".into());
            }
        }
    }
    let route = sink.route();
    if route.records.is_empty() {
        return fail("route.records", "is empty; list `verdict`, `audit` or both".into());
    }
    if route.kinds.is_empty() {
        return fail("route.kinds", "is empty; list `ssh`, `k8s`, `db`".into());
    }
    let delivery = sink.delivery();
    if delivery.timeout_ms == 0 || delivery.initial_backoff_ms == 0 {
        return fail("delivery.timeout_ms", "timeout_ms and initial_backoff_ms must be above 0".into());
    }
    if delivery.max_backoff_ms < delivery.initial_backoff_ms {
        return fail("delivery.max_backoff_ms", "must be at least delivery.initial_backoff_ms".into());
    }
    Ok(())
}
