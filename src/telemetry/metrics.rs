//! Every Prometheus metric Sightline exports, declared once with its help text.
//!
//! Labels come from small fixed sets (topic, partition, kind, reason, risk, tactic, provider,
//! model, outcome, sink), never raw error text. Dropped, retried and failed work are counted
//! separately. The registry also carries the process collector (`process_*`: CPU, memory, file
//! descriptors).

use prometheus::{
    Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};
use std::sync::OnceLock;

/// The metrics and their registry.
pub struct Metrics {
    /// The registry `/metrics` renders.
    pub registry: Registry,
    pub records_consumed: IntCounterVec,
    pub decode_failures: IntCounterVec,
    pub dlq_records: IntCounterVec,
    pub consumer_lag: IntGaugeVec,
    pub rebalances: IntCounterVec,
    pub commits: IntCounter,
    pub commit_failures: IntCounter,
    pub open_sessions: IntGauge,
    pub sessions_closed: IntCounterVec,
    pub duplicate_chunks: IntCounter,
    pub sessions_direct: IntCounter,
    pub records_after_finalized: IntCounter,
    pub session_bytes: Histogram,
    pub session_duration: Histogram,
    pub assembly_to_verdict: Histogram,
    pub end_to_verdict: Histogram,
    pub verdicts: IntCounterVec,
    pub findings: IntCounterVec,
    pub store_errors: IntCounterVec,
    pub store_mismatches: IntCounter,
    pub verdict_retries: IntCounter,
    pub stopped_partitions: IntGauge,
    pub llm_requests: IntCounterVec,
    pub llm_request_duration: HistogramVec,
    pub llm_retries: IntCounterVec,
    pub llm_rate_limit_waits: IntCounterVec,
    pub llm_tokens: IntCounterVec,
    pub llm_cost_usd: prometheus::CounterVec,
    pub llm_budget_remaining_tokens: GaugeVec,
    pub llm_budget: IntCounterVec,
    pub llm_circuit_state: IntGaugeVec,
    pub sink_deliveries: IntCounterVec,
    pub sink_failures: IntCounterVec,
    pub build_info: Gauge,
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let metric = IntCounter::new(name, help).unwrap_or_else(|error| panic!("metric {name}: {error}"));
    registry.register(Box::new(metric.clone())).unwrap_or_else(|error| panic!("metric {name}: {error}"));
    metric
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric =
        IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|error| panic!("metric {name}: {error}"));
    registry.register(Box::new(metric.clone())).unwrap_or_else(|error| panic!("metric {name}: {error}"));
    metric
}

fn histogram(registry: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let metric = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .unwrap_or_else(|error| panic!("metric {name}: {error}"));
    registry.register(Box::new(metric.clone())).unwrap_or_else(|error| panic!("metric {name}: {error}"));
    metric
}

/// Seconds buckets from 1 ms to ~5 min.
fn latency_buckets() -> Vec<f64> {
    vec![0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0]
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        // The metric declarations below are constants: a failure is a programming error caught
        // by the first test that touches metrics, hence the panics.
        let process = prometheus::process_collector::ProcessCollector::for_self();
        let _ = registry.register(Box::new(process));
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntGaugeVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|error| panic!("metric {name}: {error}"));
            registry.register(Box::new(metric.clone())).unwrap_or_else(|error| panic!("metric {name}: {error}"));
            metric
        };
        let consumer_lag = gauge_vec(
            "sightline_consumer_lag",
            "Records between the committed offset and the log end, per input partition (from librdkafka statistics; as wrong as the broker's high watermark, which tansu's memory storage gets wrong)",
            &["topic", "partition"],
        );
        let llm_circuit_state = gauge_vec(
            "sightline_llm_circuit_state",
            "Circuit breaker per model: 0 closed, 1 half-open, 2 open",
            &["provider", "model"],
        );
        let open_sessions =
            IntGauge::new("sightline_open_sessions", "Sessions being assembled (including those being judged)")
                .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(open_sessions.clone())).unwrap_or_else(|error| panic!("{error}"));
        let stopped_partitions = IntGauge::new(
            "sightline_stopped_partitions",
            "Input partitions stopped after a permanent output failure (restart after fixing the output)",
        )
        .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(stopped_partitions.clone())).unwrap_or_else(|error| panic!("{error}"));
        let llm_request_duration = HistogramVec::new(
            HistogramOpts::new("sightline_llm_request_duration_seconds", "LLM request latency")
                .buckets(latency_buckets()),
            &["provider", "model"],
        )
        .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(llm_request_duration.clone())).unwrap_or_else(|error| panic!("{error}"));
        let llm_cost_usd = prometheus::CounterVec::new(
            Opts::new(
                "sightline_llm_cost_usd_total",
                "Estimated LLM spend in US dollars, from token usage and configured prices",
            ),
            &["provider", "model"],
        )
        .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(llm_cost_usd.clone())).unwrap_or_else(|error| panic!("{error}"));
        let llm_budget_remaining_tokens = GaugeVec::new(
            Opts::new(
                "sightline_llm_budget_remaining_tokens",
                "Tokens left in the current budget period, per inference policy",
            ),
            &["policy"],
        )
        .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(llm_budget_remaining_tokens.clone())).unwrap_or_else(|error| panic!("{error}"));
        let build_info = Gauge::with_opts(
            Opts::new("sightline_build_info", "Always 1; the version label says which build runs")
                .const_label("version", env!("CARGO_PKG_VERSION")),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        registry.register(Box::new(build_info.clone())).unwrap_or_else(|error| panic!("{error}"));
        build_info.set(1.0);

        Metrics {
            records_consumed: counter_vec(
                &registry,
                "sightline_records_consumed_total",
                "Input records read, per topic and partition",
                &["topic", "partition"],
            ),
            decode_failures: counter_vec(
                &registry,
                "sightline_decode_failures_total",
                "Input records that could not be decoded or validated, by error kind",
                &["topic", "kind"],
            ),
            dlq_records: counter_vec(
                &registry,
                "sightline_dlq_records_total",
                "Input records copied to the DLQ topic",
                &["topic"],
            ),
            consumer_lag,
            rebalances: counter_vec(
                &registry,
                "sightline_rebalances_total",
                "Partition assignments and revocations",
                &["kind"],
            ),
            commits: counter(&registry, "sightline_commits_total", "Offset commits that succeeded"),
            commit_failures: counter(
                &registry,
                "sightline_commit_failures_total",
                "Offset commits that failed (retried at the next interval)",
            ),
            open_sessions,
            sessions_closed: counter_vec(
                &registry,
                "sightline_sessions_closed_total",
                "Sessions released for judging, by why (complete, grace_expired, idle)",
                &["reason"],
            ),
            sessions_direct: counter(
                &registry,
                "sightline_sessions_direct_total",
                "Sessions judged and delivered while held in memory, without going through the store",
            ),
            duplicate_chunks: counter(
                &registry,
                "sightline_duplicate_chunks_total",
                "Chunk or end records already seen for their session (dropped)",
            ),
            records_after_finalized: counter(
                &registry,
                "sightline_records_after_finalized_total",
                "Records of sessions already judged (dropped)",
            ),
            session_bytes: histogram(
                &registry,
                "sightline_session_bytes",
                "Bytes of chunk records per judged session",
                prometheus::exponential_buckets(1024.0, 4.0, 12).unwrap_or_default(),
            ),
            session_duration: histogram(
                &registry,
                "sightline_session_duration_seconds",
                "Recorded duration of judged sessions",
                vec![1.0, 10.0, 60.0, 300.0, 900.0, 3600.0, 4.0 * 3600.0, 12.0 * 3600.0, 86400.0],
            ),
            assembly_to_verdict: histogram(
                &registry,
                "sightline_assembly_to_verdict_seconds",
                "From a session being released for judging to its verdict acknowledged",
                latency_buckets(),
            ),
            end_to_verdict: histogram(
                &registry,
                "sightline_end_to_verdict_seconds",
                "From a session's end record read to its verdict acknowledged",
                latency_buckets(),
            ),
            verdicts: counter_vec(
                &registry,
                "sightline_verdicts_total",
                "Verdicts delivered, by risk level and session kind",
                &["risk", "kind"],
            ),
            findings: counter_vec(
                &registry,
                "sightline_findings_total",
                "Findings in delivered verdicts, by ATT&CK tactic",
                &["tactic"],
            ),
            store_errors: counter_vec(
                &registry,
                "sightline_store_errors_total",
                "Session store operations that failed (retried)",
                &["operation"],
            ),
            store_mismatches: counter(
                &registry,
                "sightline_store_mismatches_total",
                "Partitions assigned whose committed offset is beyond what the embedded store has read (several instances with embedded stores in one group)",
            ),
            verdict_retries: counter(
                &registry,
                "sightline_verdict_retries_total",
                "Sessions whose verdict delivery failed and is retried",
            ),
            stopped_partitions,
            llm_requests: counter_vec(
                &registry,
                "sightline_llm_requests_total",
                "LLM requests, by provider, model and outcome",
                &["provider", "model", "outcome"],
            ),
            llm_request_duration,
            llm_retries: counter_vec(
                &registry,
                "sightline_llm_retries_total",
                "LLM requests retried",
                &["provider", "model"],
            ),
            llm_rate_limit_waits: counter_vec(
                &registry,
                "sightline_llm_rate_limit_waits_total",
                "Times a request waited for a rate limit",
                &["provider", "model"],
            ),
            llm_tokens: counter_vec(
                &registry,
                "sightline_llm_tokens_total",
                "LLM tokens, by direction (input, output)",
                &["provider", "model", "direction"],
            ),
            llm_cost_usd,
            llm_budget_remaining_tokens,
            llm_budget: counter_vec(
                &registry,
                "sightline_llm_budget_total",
                "Sessions that met a spent token budget, by policy and decision (fallback, queued, proceeded)",
                &["policy", "decision"],
            ),
            llm_circuit_state,
            sink_deliveries: counter_vec(
                &registry,
                "sightline_sink_deliveries_total",
                "Records delivered, per sink",
                &["sink"],
            ),
            sink_failures: counter_vec(
                &registry,
                "sightline_sink_failures_total",
                "Sink delivery failures, per sink: `retried` attempts and `rejected` records (dead-lettered)",
                &["sink", "outcome"],
            ),
            build_info,
            registry,
        }
    }

    /// The names of every metric declared (histograms without their suffixes).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .registry
            .gather()
            .iter()
            .map(|family| family.name().to_string())
            .chain(DECLARED.iter().map(|name| name.to_string()))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Names of labelled metrics, which `gather` lists only once a label set was observed.
const DECLARED: &[&str] = &[
    "sightline_records_consumed_total",
    "sightline_decode_failures_total",
    "sightline_dlq_records_total",
    "sightline_consumer_lag",
    "sightline_rebalances_total",
    "sightline_sessions_closed_total",
    "sightline_verdicts_total",
    "sightline_findings_total",
    "sightline_store_errors_total",
    "sightline_llm_requests_total",
    "sightline_llm_request_duration_seconds",
    "sightline_llm_retries_total",
    "sightline_llm_rate_limit_waits_total",
    "sightline_llm_tokens_total",
    "sightline_llm_cost_usd_total",
    "sightline_llm_budget_remaining_tokens",
    "sightline_llm_circuit_state",
    "sightline_sink_deliveries_total",
    "sightline_sink_failures_total",
];

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Renders the registry in the Prometheus text format.
pub fn render() -> String {
    let encoder = prometheus::TextEncoder::new();
    encoder.encode_to_string(&metrics().registry.gather()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_name_is_registered_and_renders() {
        let metrics = metrics();
        metrics.records_consumed.with_label_values(&["chunks", "0"]).inc();
        let text = render();
        assert!(text.contains("sightline_records_consumed_total{partition=\"0\",topic=\"chunks\"} 1"), "{text}");
        assert!(text.contains("# HELP sightline_open_sessions"));
        for name in DECLARED {
            assert!(metrics.names().iter().any(|known| known == name));
        }
    }
}
