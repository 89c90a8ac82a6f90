//! Poison input: 1,000 malformed records among good sessions. Every malformed record lands in
//! the DLQ byte for byte with headers naming the error, its topic, partition and offset; every
//! good session is judged; the partitions move on.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The i-th malformed record: (input topic is chunks?, key, payload).
fn malformed(index: usize) -> (bool, String, Vec<u8>) {
    let key = format!("poison-{index}");
    let payload: Vec<u8> = match index % 8 {
        0 => format!("not json at all {index}").into_bytes(),
        1 => format!(r#"{{"session_id":"{key}","chunk_index":0}}"#).into_bytes(), // no events
        2 => format!(r#"{{"session_id":"{key}","chunk_index":0,"events":[{{"event":"print","data":"%%{index}"}}]}}"#)
            .into_bytes(),
        3 => format!(r#"{{"event":"print","sid":"{key}","n":{index}}}"#).into_bytes(), // end topic, not an end
        4 => format!(r#"{{"session_id":"someone-else","chunk_index":{index},"events":[]}}"#).into_bytes(), // key mismatch
        5 => [&[0u8, 0, 0, 0, 42][..], format!("avro-without-registry-{index}").as_bytes()].concat(),
        6 => format!(r#"{{"session_id":"{key}","chunk_index":-{index},"events":[]}}"#).into_bytes(),
        _ => format!("{{\"truncated\": {index}").into_bytes(),
    };
    (index % 8 != 3, key, payload)
}

#[test]
fn malformed_records_go_to_the_dlq_and_good_sessions_are_judged() {
    let topics = Topics::create(&brokers(), 3);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &Settings::default());
    let processor = Processor::start(&config, &directory.path().join("run.log"));

    let producer = producer();
    let good: Vec<_> = (0..100).map(|index| synthetic_session(&format!("good-{index}"), 3)).collect();
    let mut expected_dlq: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut poison = 0;
    for (index, session) in good.iter().enumerate() {
        publish_session(&producer, &topics, session);
        for _ in 0..10 {
            let (is_chunk, key, payload) = malformed(poison);
            let topic = if is_chunk { &topics.chunks } else { &topics.ends };
            send(&producer, topic, &key, &payload);
            *expected_dlq.entry(payload).or_default() += 1;
            poison += 1;
        }
        if index % 25 == 0 {
            flush(&producer);
        }
    }
    flush(&producer);
    assert_eq!(poison, 1_000);

    let sids: BTreeSet<String> = good.iter().map(|session| session.sid.clone()).collect();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(120));
    assert_eq!(distinct_keys(&verdicts), sids, "log:\n{}", processor.log_text());

    let dlq = consume_until(&topics.dlq, Duration::from_secs(60), |records| records.len() >= 1_000);
    // A little longer: nothing beyond the 1,000.
    let dlq_again = consume_until(&topics.dlq, Duration::from_secs(3), |_| false);
    assert_eq!(dlq.len(), 1_000);
    assert_eq!(dlq_again.len(), 1_000, "no extra DLQ records");
    let mut found: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    for record in &dlq {
        *found.entry(record.payload.clone()).or_default() += 1;
        for header in [
            "sightline.dlq.error",
            "sightline.dlq.error_kind",
            "sightline.dlq.topic",
            "sightline.dlq.partition",
            "sightline.dlq.offset",
        ] {
            assert!(
                record.headers.get(header).is_some_and(|value| !value.is_empty()),
                "{header} missing: {:?}",
                record.headers
            );
        }
        let source = &record.headers["sightline.dlq.topic"];
        assert!(source == &topics.chunks || source == &topics.ends);
        assert!(record.headers["sightline.dlq.offset"].parse::<i64>().is_ok());
    }
    assert_eq!(found, expected_dlq, "DLQ holds the malformed records byte for byte");
    // The flood is counted, but the log is rate-limited.
    let lines = processor.log_text().matches("record sent to dlq").count();
    assert!((1..200).contains(&lines), "{lines} DLQ log lines for 1,000 records");
    let kinds: BTreeSet<&str> = dlq.iter().map(|record| record.headers["sightline.dlq.error_kind"].as_str()).collect();
    assert!(
        kinds.contains("invalid_json") && kinds.contains("key_mismatch") && kinds.contains("no_registry"),
        "{kinds:?}"
    );
}
