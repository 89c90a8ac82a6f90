//! Verdicts through Kafka to every configured topic and direct sink, with one sink down.
//!
//! `sightline run` with four sinks (Splunk HEC with acknowledgement, Datadog, PagerDuty from
//! HIGH, a webhook taking audit events only) plus a webhook whose receiver refuses the
//! signature. Splunk is in an outage (503) from the start. While it is down, the pipeline
//! still judges every session and commits its input to the end, and the other sinks receive
//! exactly what their routes let through; the refused webhook records land on the DLQ with the
//! sink's name and reason. When Splunk comes back, it receives every record: nothing was lost.

mod common;
#[path = "common/receivers.rs"]
mod receivers;

use common::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use receivers::{Api, Receiver};
use serde_json::Value;
use sightline::model::{RiskLevel, Verdict};
use sightline::sink::config::SinkConfig;
use sightline::sink::forward::default_min_risk;
use sightline::sink::route::route;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "6f0c0a8e-5d2b-4c1e-9f3a-0123456789ab";
const API_KEY: &str = "0123456789abcdef0123456789abcdef";
const ROUTING_KEY: &str = "R0123456789ABCDEF0123456789ABCDE";
const SECRET: &str = "webhook-shared-secret-0123";

/// Committed offsets of `group` have reached the end of both input topics.
fn input_committed(topics: &Topics) -> bool {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", &topics.group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for topic in [&topics.chunks, &topics.ends] {
        for partition in 0..topics.partitions {
            list.add_partition(topic, partition);
        }
    }
    let Ok(committed) = consumer.committed_offsets(list, Duration::from_secs(5)) else { return false };
    committed.elements().iter().all(|element| {
        let (_, high) =
            consumer.fetch_watermarks(element.topic(), element.partition(), Duration::from_secs(5)).unwrap_or((0, -1));
        match element.offset() {
            Offset::Offset(offset) => offset >= high,
            _ => high == 0,
        }
    })
}

fn ids_of(records: &[Value], pointer: &str) -> BTreeSet<String> {
    records
        .iter()
        .filter_map(|record| {
            let inner = record.pointer(pointer)?;
            inner["id"].as_str().or_else(|| inner["uid"].as_str()).map(str::to_string)
        })
        .collect()
}

fn expected(config: &str, verdicts: &[Verdict]) -> BTreeSet<String> {
    let sink: SinkConfig = toml::from_str(config).unwrap();
    verdicts
        .iter()
        .flat_map(|verdict| route(verdict, sink.route(), default_min_risk(&sink)))
        .map(|item| item.id().to_string())
        .collect()
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool, log: impl Fn() -> String) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; log:\n{}", log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn verdicts_reach_every_sink_and_a_sink_outage_loses_nothing_and_holds_nothing_back() {
    let splunk = Receiver::start(Api::SplunkHec {
        token: TOKEN.into(),
        ack_after_polls: Some(1),
        max_content_length: 1_000_000,
    });
    let datadog = Receiver::start(Api::Datadog { api_key: API_KEY.into() });
    let pagerduty = Receiver::start(Api::PagerDuty { routing_key: ROUTING_KEY.into() });
    let webhook = Receiver::start(Api::Webhook { path: "/hook".into(), secret: SECRET.into() });
    let refusing = Receiver::start(Api::Webhook { path: "/hook".into(), secret: "a-different-secret-0000".into() });
    splunk.outage(Some(503));

    let splunk_config = format!(
        "type = \"splunk_hec\"\nendpoint = \"{}\"\ntoken = \"{TOKEN}\"\nack_poll_interval_ms = 50\n[delivery]\ninitial_backoff_ms = 100\nmax_backoff_ms = 500\n",
        splunk.url
    );
    let datadog_config =
        format!("type = \"datadog\"\napi_key = \"{API_KEY}\"\nendpoint = \"{}/api/v2/logs\"\n", datadog.url);
    let pagerduty_config =
        format!("type = \"pagerduty\"\nrouting_key = \"{ROUTING_KEY}\"\nendpoint = \"{}/v2/enqueue\"\n", pagerduty.url);
    let webhook_config = format!(
        "type = \"webhook\"\nurl = \"{}/hook\"\nsecret = \"{SECRET}\"\n[route]\nrecords = [\"audit\"]\n",
        webhook.url
    );
    let refusing_config = format!(
        "type = \"webhook\"\nurl = \"{}/hook\"\nsecret = \"{SECRET}\"\n[route]\nrecords = [\"verdict\"]\nmin_risk = \"high\"\n",
        refusing.url
    );
    // Each sink's table, as `SinkConfig` reads it and as it goes under `[sinks.NAME]`.
    let table = |name: &str, body: &str| {
        let body = body
            .replace("[route]", &format!("[sinks.{name}.route]"))
            .replace("[delivery]", &format!("[sinks.{name}.delivery]"));
        format!("[sinks.{name}]\n{body}\n")
    };
    let extra = [
        table("splunk", &splunk_config),
        table("datadog", &datadog_config),
        table("pagerduty", &pagerduty_config),
        table("hook", &webhook_config),
        table("refusing", &refusing_config),
    ]
    .concat();

    let topics = Topics::create(&brokers(), 2);
    let directory = tempfile::tempdir().unwrap();
    let pages = directory.path().join("pages");
    let extra = format!(
        "[report]\ndirectory = \"{}\"\nurl_prefix = \"https://reports.example.com/s/\"\n\n{extra}",
        pages.display()
    );
    let config = write_config(directory.path(), &topics, &Settings { extra, ..Settings::default() });
    let status = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("replay")
        .arg(repository("examples/sessions"))
        .args(["--brokers", &brokers(), "--chunk-topic", &topics.chunks, "--end-topic", &topics.ends])
        .status()
        .unwrap();
    assert!(status.success());
    let (synthetic, producer_thread) = stream_sessions(&topics, "sink", 30, 5, 200);
    producer_thread.join().unwrap();
    let (found, _) = sightline::source::files::collect_files(&[repository("examples/sessions")]);
    let mut sids: BTreeSet<String> = found
        .iter()
        .flat_map(|file| sightline::source::files::read_file(&file.path).sessions)
        .map(|session| session.sid)
        .collect();
    sids.extend(synthetic);

    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let records = wait_for_verdicts(&topics, &sids, Duration::from_secs(90));
    check_verdicts(&records, &sids);
    let verdicts: Vec<Verdict> =
        records.iter().map(|record| serde_json::from_slice(&record.payload).unwrap()).collect();
    assert!(verdicts.iter().any(|verdict| verdict.enhanced_summary.risk_level >= RiskLevel::High));
    // HIGH and CRITICAL sessions got a review page, and their records say where.
    for verdict in &verdicts {
        let name = sightline::report::file_name(&verdict.session_id);
        if verdict.enhanced_summary.risk_level >= RiskLevel::High {
            assert_eq!(
                verdict.report_location.as_deref(),
                Some(format!("https://reports.example.com/s/{name}").as_str())
            );
            let page = std::fs::read_to_string(pages.join(&name)).unwrap();
            assert!(page.contains(&verdict.session_id) && page.contains("id=\"timeline\""));
        } else {
            assert_eq!(verdict.report_location, None);
            assert!(!pages.join(&name).exists());
        }
    }

    // Splunk is down, yet the pipeline's input is committed to the end.
    wait_until(
        "the input to be committed during the Splunk outage",
        Duration::from_secs(60),
        || input_committed(&topics),
        || processor.log_text(),
    );
    let log = || processor.log_text();
    wait_until("the Splunk sink to retry", Duration::from_secs(60), || splunk.requests().len() >= 3, log);
    assert!(splunk.accepted().is_empty());

    // The other sinks got exactly their routes' records.
    let want_datadog = expected(&datadog_config, &verdicts);
    wait_until("Datadog", Duration::from_secs(60), || ids_of(&datadog.accepted(), "/sightline") == want_datadog, log);
    let want_pages: BTreeSet<String> = verdicts
        .iter()
        .filter(|verdict| verdict.enhanced_summary.risk_level >= RiskLevel::High)
        .map(|verdict| verdict.session_id.clone())
        .collect();
    wait_until(
        "PagerDuty",
        Duration::from_secs(60),
        || {
            pagerduty
                .accepted()
                .iter()
                .map(|event| event["dedup_key"].as_str().unwrap_or("").to_string())
                .collect::<BTreeSet<_>>()
                == want_pages
        },
        log,
    );
    let want_hook = expected(&webhook_config, &verdicts);
    assert!(want_hook.len() > sids.len(), "audit events: one session.summarized per session plus risk events");
    wait_until("the webhook", Duration::from_secs(60), || ids_of(&webhook.accepted(), "") == want_hook, log);
    let located = webhook
        .accepted()
        .iter()
        .filter(|event| {
            event["report_location"].as_str().is_some_and(|at| at.starts_with("https://reports.example.com/s/"))
        })
        .count();
    assert!(located > 0, "audit events of risky sessions carry the page's location");

    // The refused webhook's records are on the DLQ with the sink's name and reason.
    let want_refused = expected(&refusing_config, &verdicts);
    assert!(!want_refused.is_empty());
    let dead = consume_until(&topics.dlq, Duration::from_secs(60), |records| {
        records
            .iter()
            .filter(|record| record.headers.get("sightline.sink").map(String::as_str) == Some("refusing"))
            .count()
            >= want_refused.len()
    });
    let refused: Vec<&Consumed> = dead
        .iter()
        .filter(|record| record.headers.get("sightline.sink").map(String::as_str) == Some("refusing"))
        .collect();
    let refused_ids: BTreeSet<String> =
        refused.iter().map(|record| record.headers["sightline.record_id"].clone()).collect();
    assert_eq!(refused_ids, want_refused);
    assert!(refused.iter().all(|record| record.headers["sightline.dlq.error"].contains("bad signature")
        && record.headers["sightline.dlq.error_kind"] == "sink_rejected"
        && record.headers["sightline.dlq.topic"] == topics.verdicts));

    // Splunk comes back and receives everything.
    splunk.outage(None);
    let want_splunk = expected(&splunk_config, &verdicts);
    wait_until(
        "Splunk after the outage",
        Duration::from_secs(60),
        || ids_of(&splunk.accepted(), "/event") == want_splunk,
        log,
    );

    let mut processor = processor;
    let status = processor.terminate(Duration::from_secs(30)).expect("exits on SIGTERM");
    assert!(status.success(), "log:\n{}", processor.log_text());
}
