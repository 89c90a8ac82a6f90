//! The schemas in `schemas/`: every Avro schema parses, and real verdicts (from the bundled
//! sample sessions and the recorded terminal fixtures) validate against the verdict's JSON
//! Schema.

use sightline::analyze::NoDetection;
use sightline::source::files;
use sightline::verdict::judge_session;
use std::path::Path;

fn repository(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn avro_schemas_parse() {
    let mut parsed = 0;
    for entry in std::fs::read_dir(repository("schemas")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "avsc") {
            let text = std::fs::read_to_string(&path).unwrap();
            apache_avro::Schema::parse_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            parsed += 1;
        }
    }
    assert_eq!(parsed, 4, "recording_chunk, session_end, verdict, audit_event");
}

#[test]
fn real_verdicts_validate_against_the_json_schema() {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repository("schemas/verdict.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (paths, problems) =
        files::collect_files(&[repository("examples/sessions"), repository("tests/fixtures/terminal")]);
    assert!(problems.is_empty(), "{problems:?}");
    let mut validated = 0;
    for path in paths.into_iter().map(|file| file.path) {
        for session in files::read_file(&path).sessions {
            let verdict = serde_json::to_value(judge_session(&session, &NoDetection)).unwrap();
            let errors: Vec<String> =
                validator.iter_errors(&verdict).map(|error| format!("{error} at {}", error.instance_path)).collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            validated += 1;
        }
    }
    assert!(validated >= 30, "validated only {validated} verdicts");
}

#[test]
fn the_schema_rejects_what_it_should() {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repository("schemas/verdict.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let path = repository("tests/fixtures/terminal/bash_simple.cast");
    let session = files::read_file(&path).sessions.remove(0);
    let good = serde_json::to_value(judge_session(&session, &NoDetection)).unwrap();
    assert!(validator.is_valid(&good));
    let mut bad_risk = good.clone();
    bad_risk["enhanced_summary"]["risk_level"] = "SEVERE".into();
    assert!(!validator.is_valid(&bad_risk));
    let mut bad_offset = good.clone();
    bad_offset["enhanced_summary"]["session_events"][0]["start_offset"] = "1.5".into();
    assert!(!validator.is_valid(&bad_offset));
    let mut unknown_field = good;
    unknown_field["surprise"] = true.into();
    assert!(!validator.is_valid(&unknown_field));
}
