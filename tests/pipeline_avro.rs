//! Avro input in the Confluent wire format through the schema registry: `replay --encoding
//! avro` registers the schemas and publishes; the pipeline decodes with the registry (schemas
//! fetched once per id) and judges the sessions exactly as from JSON. A record whose schema id
//! the registry does not know goes to the DLQ.

mod common;
#[path = "common/registry.rs"]
mod registry;

use common::*;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

#[test]
fn avro_records_are_judged_like_json_and_unknown_schemas_go_to_the_dlq() {
    let registry = registry::FakeRegistry::start();
    let topics = Topics::create(&brokers(), 2);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings {
        extra: format!("[input]\nencoding = \"avro\"\n\n[schema_registry]\nurl = \"{}\"\n", registry.url),
        ..Settings::default()
    };
    let config = write_config(directory.path(), &topics, &settings);

    let status = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("replay")
        .arg(repository("examples/sessions"))
        .args(["--brokers", &brokers(), "--chunk-topic", &topics.chunks, "--end-topic", &topics.ends])
        .args(["--chunk-bytes", "3000", "--encoding", "avro", "--schema-registry", &registry.url])
        .status()
        .unwrap();
    assert!(status.success());
    // A record with a schema id nobody registered.
    let producer = producer();
    let unknown = [&[0u8, 0, 0, 0x30, 0x39][..], b"\x02ab"].concat();
    send(&producer, &topics.chunks, "unknown-schema", &unknown);
    flush(&producer);

    let (found, _) = sightline::source::files::collect_files(&[repository("examples/sessions")]);
    let sids: BTreeSet<String> = found
        .iter()
        .flat_map(|file| sightline::source::files::read_file(&file.path).sessions)
        .map(|session| session.sid)
        .collect();
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(distinct_keys(&verdicts), sids, "log:\n{}", processor.log_text());

    // Same verdicts as analyze gives for the files.
    let detector = sightline::analyze::detect::RuleDetector::new(&[]).unwrap();
    for file in &found {
        for session in sightline::source::files::read_file(&file.path).sessions {
            let mut expected = serde_json::to_value(sightline::verdict::judge_session(&session, &detector)).unwrap();
            let record = verdicts.iter().find(|record| record.key == session.sid).unwrap();
            let mut actual = record.json();
            for verdict in [&mut expected, &mut actual] {
                let object = verdict.as_object_mut().unwrap();
                object.remove("inference_started_at");
                object.remove("inference_finished_at");
            }
            assert_eq!(actual, expected, "{}", session.sid);
        }
    }

    let dlq = consume_until(&topics.dlq, Duration::from_secs(30), |records| !records.is_empty());
    assert_eq!(dlq.len(), 1);
    assert_eq!(dlq[0].payload, unknown);
    assert_eq!(dlq[0].headers["sightline.dlq.error_kind"], "schema_registry");
    // Schemas are fetched once per id (cached), not per record.
    let fetches = registry.requests().iter().filter(|request| request.starts_with("GET /schemas/ids/")).count();
    assert!(fetches <= 3, "{:?}", registry.requests());
}

#[test]
fn verdicts_and_audit_events_can_be_written_as_avro() {
    let registry = registry::FakeRegistry::start();
    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings {
        extra: format!("[output]\nencoding = \"avro\"\n\n[schema_registry]\nurl = \"{}\"\n", registry.url),
        ..Settings::default()
    };
    let config = write_config(directory.path(), &topics, &settings);
    let producer = producer();
    let session = synthetic_session("avro-out-1", 3);
    publish_session(&producer, &topics, &session);
    flush(&producer);
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let sids: BTreeSet<String> = [session.sid.clone()].into();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(verdicts.len(), 1, "log:\n{}", processor.log_text());
    let payload = &verdicts[0].payload;
    assert_eq!(payload[0], 0, "confluent wire format");
    let schema_id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
    let requests = registry.requests();
    assert!(
        requests.iter().any(|request| request == &format!("POST /subjects/{}-value/versions", topics.verdicts)),
        "{requests:?}"
    );
    let schema = apache_avro::Schema::parse_str(sightline::sink::avro::VERDICT_SCHEMA).unwrap();
    let value = apache_avro::from_avro_datum(&schema, &mut &payload[5..], None).unwrap();
    let verdict = sightline::source::kafka::avro::to_json(value);
    assert_eq!(verdict["session_id"], "avro-out-1");
    assert_eq!(verdict["id"].as_str(), verdicts[0].headers.get("sightline.record_id").map(String::as_str));
    assert!(verdict["enhanced_summary"]["risk_level"].is_string());
    assert!(schema_id >= 1);
    let audit = consume_until(&topics.audit, Duration::from_secs(30), |records| !records.is_empty());
    assert_eq!(audit[0].payload[0], 0);
}
