//! Golden tests of the connector-ready encodings (`src/sink/encode.rs`), on a real sample
//! session's verdict and audit events, plus structural checks taken from the vendors'
//! documentation: Splunk HEC envelope fields and flat indexed `fields`; Datadog reserved
//! attributes and status values; OCSF Detection Finding validated against the bundled OCSF
//! schema (`tests/fixtures/ocsf/`).
//!
//! The goldens depend on the rule packs (risk, techniques). After a deliberate change, review
//! and rewrite them with `UPDATE_GOLDENS=1 cargo test --test encodings`.

use serde_json::Value;
use sightline::analyze::detect::RuleDetector;
use sightline::sink::encode::{Encoding, EnvelopeConfig, Record, encode, json_bytes};
use sightline::verdict::audit::audit_events;
use std::path::Path;

fn repository(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn verdict() -> sightline::model::Verdict {
    let path = repository("examples/sessions/ssh-incident-bastion.cast");
    let session = sightline::source::files::read_file(&path).sessions.remove(0);
    let mut verdict = sightline::verdict::judge_session(&session, &RuleDetector::new(&[]).unwrap());
    let fixed = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().with_timezone(&chrono::Utc);
    verdict.inference_started_at = Some(fixed);
    verdict.inference_finished_at = Some(fixed);
    verdict
}

fn envelope() -> EnvelopeConfig {
    EnvelopeConfig {
        splunk_index: Some("security".into()),
        datadog_tags: vec!["env:test".into()],
        ..EnvelopeConfig::default()
    }
}

fn encoded(encoding: Encoding) -> Value {
    let verdict = verdict();
    let audit: Vec<Value> =
        audit_events(&verdict).iter().map(|event| encode(&Record::Audit(event), encoding, &envelope())).collect();
    serde_json::json!({ "verdict": encode(&Record::Verdict(&verdict), encoding, &envelope()), "audit": audit })
}

fn golden(name: &str, actual: &Value) {
    let path = repository(&format!("tests/fixtures/encodings/{name}.json"));
    if std::env::var("UPDATE_GOLDENS").is_ok() {
        std::fs::write(&path, serde_json::to_string_pretty(actual).unwrap() + "\n").unwrap();
    }
    let expected: Value = serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|error| {
        panic!("{}: {error} (write it with UPDATE_GOLDENS=1 after reviewing the output)", path.display())
    }))
    .unwrap();
    assert_eq!(actual, &expected, "{name} differs from its golden file");
}

#[test]
fn json_golden() {
    golden("json", &encoded(Encoding::Json));
}

/// The pipeline's fast path (bytes straight from the structs) carries the same JSON as the
/// `Value` the other encodings and the size guard work on.
#[test]
fn json_bytes_equal_the_json_encoding() {
    let verdict = verdict();
    let events = audit_events(&verdict);
    assert!(!events.is_empty());
    let records = std::iter::once(Record::Verdict(&verdict)).chain(events.iter().map(Record::Audit));
    for record in records {
        let bytes = json_bytes(&record).unwrap();
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        let value = encode(&record, Encoding::Json, &envelope());
        assert_eq!(parsed, value);
        assert_eq!(bytes.len(), serde_json::to_vec(&value).unwrap().len());
    }
}

#[test]
fn splunk_hec_envelope() {
    let encoded = encoded(Encoding::SplunkHec);
    golden("splunk_hec", &encoded);
    let hec = &encoded["verdict"];
    // Splunk: `time` is epoch seconds (a number), metadata keys beside `event`, `fields` flat.
    assert_eq!(hec["time"], serde_json::json!(1767323045.0));
    assert_eq!(hec["sourcetype"], "sightline:verdict");
    assert_eq!(hec["index"], "security");
    assert!(hec["event"]["enhanced_summary"].is_object());
    for (key, value) in hec["fields"].as_object().unwrap() {
        let flat = value.is_string() || value.as_array().is_some_and(|items| items.iter().all(Value::is_string));
        assert!(flat, "indexed field {key} must be a string or array of strings: {value}");
    }
    let allowed = ["time", "host", "source", "sourcetype", "index", "event", "fields"];
    assert!(hec.as_object().unwrap().keys().all(|key| allowed.contains(&key.as_str())));
}

#[test]
fn datadog_log_shape() {
    let encoded = encoded(Encoding::Datadog);
    golden("datadog", &encoded);
    let log = &encoded["verdict"];
    for key in ["ddsource", "service", "hostname", "ddtags", "message", "status"] {
        assert!(log[key].is_string(), "{key}: {log}");
    }
    let statuses = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "ok"];
    assert!(statuses.contains(&log["status"].as_str().unwrap()));
    assert!(log["ddtags"].as_str().unwrap().split(',').all(|tag| tag.contains(':')));
}

#[test]
fn ocsf_detection_finding() {
    let encoded = encoded(Encoding::Ocsf);
    golden("ocsf", &encoded);
    let finding = &encoded["verdict"];
    assert_eq!(finding["class_uid"], 2004);
    assert_eq!(finding["type_uid"], 200401);
    assert!(finding["finding_info"]["attacks"].as_array().is_some_and(|attacks| !attacks.is_empty()));
    let schema_path = repository("tests/fixtures/ocsf/detection_finding.schema.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for document in std::iter::once(finding).chain(encoded["audit"].as_array().unwrap()) {
        let errors: Vec<String> =
            validator.iter_errors(document).map(|error| format!("{error} at {}", error.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let mut broken = finding.clone();
    broken["severity_id"] = "high".into();
    assert!(!validator.is_valid(&broken), "the schema must reject a string severity_id");
}
