//! Assembly through Kafka: out-of-order, duplicated and late chunks, the end before the
//! chunks, no end at all (idle timeout), oversized sessions, and replays of finished sessions.
//! Each scenario runs against the real broker with its own topics and processor.

mod common;

use common::*;
use serde_json::Value;
use sightline::analyze::detect::RuleDetector;
use sightline::replay::SessionRecords;
use sightline::verdict::judge_session;
use std::collections::BTreeSet;
use std::time::Duration;

struct Scenario {
    topics: Topics,
    processor: Processor,
    _directory: tempfile::TempDir,
}

fn start(settings: Settings) -> Scenario {
    let topics = Topics::create(&brokers(), 2);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &settings);
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    Scenario { topics, processor, _directory: directory }
}

/// The verdict `analyze` logic gives for the records taken in order and complete.
fn expected_verdict(records: &SessionRecords) -> Value {
    let session = records.to_session().unwrap();
    strip(serde_json::to_value(judge_session(&session, &RuleDetector::new(&[]).unwrap())).unwrap())
}

fn strip(mut verdict: Value) -> Value {
    let object = verdict.as_object_mut().unwrap();
    object.remove("inference_started_at");
    object.remove("inference_finished_at");
    verdict
}

fn one_verdict(scenario: &Scenario, sid: &str, timeout: Duration) -> Value {
    let sids: BTreeSet<String> = [sid.to_string()].into();
    let verdicts = wait_for_verdicts(&scenario.topics, &sids, timeout);
    let found: Vec<&Consumed> = verdicts.iter().filter(|record| record.key == sid).collect();
    assert!(!found.is_empty(), "no verdict for {sid}; log:\n{}", scenario.processor.log_text());
    found[0].json()
}

fn review_reasons(verdict: &Value) -> Vec<String> {
    verdict["enhanced_summary"]["needs_further_review_reasons"]
        .as_array()
        .map(|reasons| reasons.iter().filter_map(|reason| reason.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Counts verdicts for `sid` over a few seconds (to see that no second one appears).
fn verdict_count(topics: &Topics, sid: &str, wait: Duration) -> usize {
    consume_until(&topics.verdicts, wait, |_| false).iter().filter(|record| record.key == sid).count()
}

#[test]
fn out_of_order_and_duplicated_chunks() {
    let scenario = start(Settings::default());
    let records = synthetic_session("ooo-1", 5);
    let producer = producer();
    for index in [3usize, 1, 0, 4, 1, 2, 3, 0] {
        send(&producer, &scenario.topics.chunks, &records.sid, records.chunks[index].to_string().as_bytes());
    }
    send(&producer, &scenario.topics.ends, &records.sid, records.end.to_string().as_bytes());
    send(&producer, &scenario.topics.ends, &records.sid, records.end.to_string().as_bytes());
    flush(&producer);
    let verdict = one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    assert_eq!(strip(verdict.clone()), expected_verdict(&records));
    assert!(!review_reasons(&verdict).contains(&"OUTPUT_NOT_FULLY_CAPTURED".to_string()));
    assert_eq!(verdict_count(&scenario.topics, &records.sid, Duration::from_secs(3)), 1);
}

#[test]
fn end_before_chunks() {
    let scenario = start(Settings::default());
    let records = synthetic_session("end-first-1", 3);
    let producer = producer();
    send(&producer, &scenario.topics.ends, &records.sid, records.end.to_string().as_bytes());
    flush(&producer);
    std::thread::sleep(Duration::from_millis(1500));
    for chunk in &records.chunks {
        send(&producer, &scenario.topics.chunks, &records.sid, chunk.to_string().as_bytes());
    }
    flush(&producer);
    let verdict = one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    assert_eq!(strip(verdict), expected_verdict(&records));
}

#[test]
fn missing_chunk_is_judged_after_the_grace_period_and_a_late_one_is_ignored() {
    let scenario = start(Settings { end_grace_ms: 1500, ..Settings::default() });
    let records = synthetic_session("late-1", 4);
    let producer = producer();
    for chunk in &records.chunks[..3] {
        send(&producer, &scenario.topics.chunks, &records.sid, chunk.to_string().as_bytes());
    }
    send(&producer, &scenario.topics.ends, &records.sid, records.end.to_string().as_bytes());
    flush(&producer);
    let verdict = one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    assert!(review_reasons(&verdict).contains(&"OUTPUT_NOT_FULLY_CAPTURED".to_string()), "{verdict}");
    assert_eq!(verdict["capture"]["missing_chunks"], true);
    // The missing chunk arrives after the verdict: remembered as finalized, not judged again.
    send(&producer, &scenario.topics.chunks, &records.sid, records.chunks[3].to_string().as_bytes());
    flush(&producer);
    assert_eq!(verdict_count(&scenario.topics, &records.sid, Duration::from_secs(4)), 1);
}

#[test]
fn session_without_end_is_judged_incomplete_after_the_idle_timeout() {
    let scenario = start(Settings { idle_timeout_secs: 2, ..Settings::default() });
    let records = synthetic_session("no-end-1", 3);
    let producer = producer();
    for chunk in &records.chunks {
        send(&producer, &scenario.topics.chunks, &records.sid, chunk.to_string().as_bytes());
    }
    flush(&producer);
    let verdict = one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    assert_eq!(verdict["capture"]["missing_end"], true, "{verdict}");
    assert!(review_reasons(&verdict).contains(&"OUTPUT_NOT_FULLY_CAPTURED".to_string()));
    assert!(verdict.get("session_end_event").is_none());
}

#[test]
fn oversized_session_is_judged_on_what_fits() {
    // A real recording in 1 KB chunks, with a limit of about half its size.
    let path = repository("examples/sessions/ssh-deploy-web01.jsonl");
    let session = sightline::source::files::read_file(&path).sessions.remove(0);
    let full = judge_session(&session, &RuleDetector::new(&[]).unwrap());
    let full_entries = full.enhanced_summary.session_events.len();
    let records = sightline::replay::session_records(&session, 1_000, true);
    let total: usize = records.chunks.iter().map(|chunk| chunk.to_string().len()).sum();

    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &Settings::default());
    let limit = format!("[limits]\nmax_session_bytes = {}\n", total / 2);
    let text = std::fs::read_to_string(&config).unwrap().replace("[limits]\n", &limit);
    std::fs::write(&config, text).unwrap();
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let scenario = Scenario { topics, processor, _directory: directory };

    let producer = producer();
    publish_session(&producer, &scenario.topics, &records);
    flush(&producer);
    let verdict = one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    assert_eq!(verdict["capture"]["too_large"], true, "{verdict}");
    assert_eq!(verdict["capture"]["missing_chunks"], false, "every chunk arrived; some were not kept");
    assert!(review_reasons(&verdict).contains(&"TOO_LARGE".to_string()));
    let entries = verdict["enhanced_summary"]["session_events"].as_array().map(Vec::len).unwrap_or(0);
    assert!(entries > 0 && entries < full_entries, "judged on what fit: {entries} of {full_entries} entries");
}

#[test]
fn a_replayed_session_is_not_judged_twice() {
    let scenario = start(Settings::default());
    let records = synthetic_session("replayed-1", 2);
    let producer = producer();
    publish_session(&producer, &scenario.topics, &records);
    flush(&producer);
    one_verdict(&scenario, &records.sid, Duration::from_secs(60));
    publish_session(&producer, &scenario.topics, &records);
    flush(&producer);
    assert_eq!(verdict_count(&scenario.topics, &records.sid, Duration::from_secs(4)), 1);
    assert!(scenario.processor.log_text().contains("sightline running"));
}

#[test]
fn open_session_limit_pauses_input_and_nothing_is_lost() {
    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &Settings { idle_timeout_secs: 2, ..Settings::default() });
    let text = std::fs::read_to_string(&config).unwrap().replace("[limits]\n", "[limits]\nmax_open_sessions = 5\n");
    std::fs::write(&config, text).unwrap();
    // Twenty sessions whose ends come last: at most five can be open at once.
    let sessions: Vec<_> = (0..20).map(|index| synthetic_session(&format!("capacity-{index}"), 2)).collect();
    let producer = producer();
    for session in &sessions {
        for chunk in &session.chunks {
            send(&producer, &topics.chunks, &session.sid, chunk.to_string().as_bytes());
        }
    }
    for session in &sessions {
        send(&producer, &topics.ends, &session.sid, session.end.to_string().as_bytes());
    }
    flush(&producer);
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let sids: BTreeSet<String> = sessions.iter().map(|session| session.sid.clone()).collect();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(120));
    check_verdicts(&verdicts, &sids);
    let log = processor.log_text();
    assert!(log.contains("open-session limit reached"), "{log}");
    // Input resumes once the judged sessions are finished (just after their verdicts land).
    wait_for_log(&processor, "below the open-session limit; resuming input", 1, Duration::from_secs(30));
}

#[test]
fn an_oversized_verdict_is_trimmed_not_dropped() {
    let path = repository("examples/sessions/ssh-deploy-web01.jsonl");
    let session = sightline::source::files::read_file(&path).sessions.remove(0);
    let full = serde_json::to_vec(&judge_session(&session, &RuleDetector::new(&[]).unwrap())).unwrap().len();
    let limit = 6_000;
    assert!(full > limit, "the sample's verdict ({full} bytes) must exceed the test limit");
    let records = sightline::replay::session_records(&session, 4_000, true);

    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings { extra: format!("[output]\nmax_record_bytes = {limit}\n"), ..Settings::default() };
    let config = write_config(directory.path(), &topics, &settings);
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let scenario = Scenario { topics, processor, _directory: directory };
    let producer = producer();
    publish_session(&producer, &scenario.topics, &records);
    flush(&producer);
    let sids: BTreeSet<String> = [records.sid.clone()].into();
    let verdicts = wait_for_verdicts(&scenario.topics, &sids, Duration::from_secs(60));
    assert_eq!(verdicts.len(), 1, "{}", scenario.processor.log_text());
    assert!(verdicts[0].payload.len() <= limit, "{} bytes", verdicts[0].payload.len());
    let header = verdicts[0].headers.get("sightline.trimmed").expect("the trimmed header");
    assert!(header.contains(&format!("bytes={full}->")), "{header}");
    let verdict = verdicts[0].json();
    assert!(verdict["enhanced_summary"]["risk_level"].is_string(), "still a verdict");
}
