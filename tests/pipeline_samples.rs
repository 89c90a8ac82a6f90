//! The sample sessions through Kafka: one verdict per session on the output topic, equal
//! (apart from timing fields) to what `analyze` gives for the same files; audit events beside
//! them; a clean shutdown on SIGTERM.

mod common;

use common::*;
use sightline::analyze::detect::RuleDetector;
use sightline::source::files;
use sightline::verdict::judge_session;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn without_timing(mut verdict: serde_json::Value) -> serde_json::Value {
    if let Some(object) = verdict.as_object_mut() {
        object.remove("inference_started_at");
        object.remove("inference_finished_at");
    }
    verdict
}

#[test]
fn sample_sessions_through_kafka_match_analyze() {
    let brokers = brokers();
    let topics = Topics::create(&brokers, 3);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &Settings::default());

    // What `analyze` says about the sample files.
    let detector = RuleDetector::new(&[]).unwrap();
    let (found, problems) = files::collect_files(&[repository("examples/sessions")]);
    assert!(problems.is_empty(), "{problems:?}");
    let mut expected = BTreeMap::new();
    let producer = producer();
    for file in &found {
        for session in files::read_file(&file.path).sessions {
            let verdict = serde_json::to_value(judge_session(&session, &detector)).unwrap();
            expected.insert(session.sid.clone(), without_timing(verdict));
            // Small chunks, so every session spans several chunk records.
            let records = sightline::replay::session_records(&session, 2_000, true);
            publish_session(&producer, &topics, &records);
        }
    }
    flush(&producer);
    assert!(expected.len() >= 9, "samples: {}", expected.len());

    let mut processor = Processor::start(&config, &directory.path().join("run.log"));
    let sids: BTreeSet<String> = expected.keys().cloned().collect();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(distinct_keys(&verdicts), sids, "log:\n{}", processor.log_text());
    for record in &verdicts {
        let verdict = record.json();
        assert_eq!(verdict["id"].as_str(), record.headers.get("sightline.record_id").map(String::as_str));
        assert_eq!(without_timing(verdict), expected[&record.key], "session {}", record.key);
    }

    // Audit: one session.summarized per session, keyed by session id, with Teleport's fields.
    let audit = consume_until(&topics.audit, Duration::from_secs(30), |records| {
        let summarized: BTreeSet<String> = records
            .iter()
            .filter(|record| record.json()["event"] == "session.summarized")
            .map(|record| record.key.clone())
            .collect();
        summarized == sids
    });
    for record in audit.iter().filter(|record| record.json()["event"] == "session.summarized") {
        let event = record.json();
        assert_eq!(event["code"], "INF010I");
        assert_eq!(event["sid"], record.key.as_str());
        assert!(event["risk_level"].is_string());
        assert!(event.get("username").is_some());
    }
    let risky = expected
        .values()
        .filter(|verdict| matches!(verdict["enhanced_summary"]["risk_level"].as_str(), Some("HIGH" | "CRITICAL")));
    if risky.count() > 0 {
        assert!(audit.iter().any(|record| record.json()["event"] == "sightline.risk"), "risk events expected");
    }

    // SIGTERM: drains, commits, exits 0.
    let status = processor.terminate(Duration::from_secs(30)).expect("exits after SIGTERM");
    assert!(status.success(), "exit status {status:?}; log:\n{}", processor.log_text());
    assert!(processor.log_text().contains("stopped"), "{}", processor.log_text());
}

/// Starts a processor on `topics`, which it must refuse; returns its log.
fn refused_log(topics: &Topics) -> String {
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), topics, &Settings::default());
    let mut processor = Processor::start(&config, &directory.path().join("run.log"));
    let status = processor.child.wait().unwrap();
    assert!(!status.success());
    processor.log_text()
}

#[test]
fn refuses_topics_that_are_not_co_partitioned() {
    let brokers = brokers();
    let mut topics = Topics::create(&brokers, 2);
    let other = unique("ends3");
    create_topics(&brokers, &[(&other, 3)]);
    topics.ends = other;
    let log = refused_log(&topics);
    assert!(log.contains("not co-partitioned") && log.contains("same partition count"), "{log}");
}

#[test]
fn refuses_a_missing_input_topic() {
    let mut topics = Topics::create(&brokers(), 1);
    topics.chunks = unique("missing");
    let log = refused_log(&topics);
    assert!(log.contains("does not exist") && log.contains("kafka.chunk_topic"), "{log}");
}

#[test]
fn output_topics_can_carry_connector_shapes() {
    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings {
        extra: "[output]\nverdict_format = \"ocsf\"\naudit_format = \"splunk_hec\"\n".to_string(),
        ..Settings::default()
    };
    let config = write_config(directory.path(), &topics, &settings);
    let session = synthetic_session("shaped-1", 2);
    let producer = producer();
    publish_session(&producer, &topics, &session);
    flush(&producer);
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let sids: BTreeSet<String> = [session.sid.clone()].into();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(verdicts.len(), 1, "{}", processor.log_text());
    let finding = verdicts[0].json();
    assert_eq!(finding["class_uid"], 2004);
    assert_eq!(finding["unmapped"]["sid"], "shaped-1");
    let audit = consume_until(&topics.audit, Duration::from_secs(30), |records| !records.is_empty());
    let hec = audit[0].json();
    assert_eq!(hec["sourcetype"], "sightline:audit");
    assert_eq!(hec["event"]["event"], "session.summarized");
}
