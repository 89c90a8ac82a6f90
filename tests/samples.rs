//! The bundled sample sessions (`examples/sessions/`, made from real recordings by
//! `scripts/samples/make-samples.py`): every session is read, and its timeline lists exactly
//! the commands, queries and requests the recording holds (`tests/fixtures/samples/expected.json`).
//! Also runs the real binary: `sightline analyze --format json examples/sessions` prints one
//! schema-valid verdict per session and the text format shows each timeline.

use serde::Deserialize;
use sightline::analyze::timeline::build_timeline;
use sightline::model::SessionKind;
use sightline::source::files;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
struct ExpectedSession {
    kind: SessionKind,
    commands: Vec<String>,
}

type Expected = BTreeMap<String, BTreeMap<String, ExpectedSession>>;

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn expected() -> Expected {
    serde_json::from_slice(&std::fs::read(repository("tests/fixtures/samples/expected.json")).unwrap()).unwrap()
}

#[test]
fn every_sample_yields_exactly_the_expected_timeline() {
    let expected = expected();
    assert!(expected.len() >= 6, "at least six sample files");
    let (paths, problems) = files::collect_files(&[repository("examples/sessions")]);
    assert!(problems.is_empty(), "{problems:?}");
    let mut seen_files = 0;
    for path in paths.into_iter().map(|file| file.path) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".md") {
            continue;
        }
        let wanted = expected.get(&name).unwrap_or_else(|| panic!("{name} has no expectations"));
        let contents = files::read_file(&path);
        assert!(contents.problems.is_empty(), "{name}: {:?}", contents.problems);
        let sids: Vec<&String> = contents.sessions.iter().map(|session| &session.sid).collect();
        assert_eq!(sids.len(), wanted.len(), "{name}: sessions {sids:?}");
        for session in &contents.sessions {
            let want = wanted.get(&session.sid).unwrap_or_else(|| panic!("{name}: unexpected session {}", session.sid));
            assert_eq!(session.kind, want.kind, "{name} {}", session.sid);
            let timeline = build_timeline(session);
            let commands: Vec<&str> = timeline.iter().map(|entry| entry.command()).collect();
            assert_eq!(commands, want.commands, "{name} {}", session.sid);
        }
        seen_files += 1;
    }
    assert_eq!(seen_files, expected.len(), "every expected file exists");
}

#[test]
fn enhanced_recording_is_attached_to_the_commands_it_ran() {
    let contents = files::read_file(&repository("examples/sessions/ssh-enhanced-db01.jsonl"));
    let timeline = build_timeline(&contents.sessions[0]);
    let pipeline = timeline.iter().find(|entry| entry.command().contains("| sh")).expect("the curl | sh command");
    let programs: Vec<&str> =
        pipeline.executed.iter().map(|program| program.path.rsplit('/').next().unwrap()).collect();
    assert!(programs.contains(&"curl") && programs.contains(&"sh"), "{programs:?}");
    assert!(timeline.iter().all(|entry| entry.source == sightline::model::TimelineSource::Terminal));
}

fn sightline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sightline"))
}

#[test]
fn analyze_json_prints_one_valid_verdict_per_session() {
    let output =
        sightline().args(["analyze", "--format", "json"]).arg(repository("examples/sessions")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repository("schemas/verdict.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let expected = expected();
    let mut by_session: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let verdict: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(validator.is_valid(&verdict), "{line}");
        let commands = verdict["enhanced_summary"]["session_events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["command_event_details"]["command"].as_str().unwrap().to_string())
            .collect();
        by_session.insert(verdict["session_id"].as_str().unwrap().to_string(), commands);
    }
    let wanted: BTreeMap<String, Vec<String>> = expected
        .values()
        .flat_map(|sessions| sessions.iter().map(|(sid, session)| (sid.clone(), session.commands.clone())))
        .collect();
    assert_eq!(by_session, wanted);
}

#[test]
fn analyze_text_shows_each_timeline() {
    let output =
        sightline().arg("analyze").arg(repository("examples/sessions/ssh-deploy-web01.jsonl")).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("ssh session"), "{text}");
    assert!(text.contains("SOURCE_CONTROL") && text.contains("git pull"), "{text}");
    assert!(text.contains("Timeline:"), "{text}");
}

#[test]
fn analyze_fails_only_when_nothing_could_be_read() {
    let directory = tempfile::tempdir().unwrap();
    let junk = directory.path().join("junk.txt");
    std::fs::write(&junk, "not a recording").unwrap();
    let output = sightline().arg("analyze").arg(&junk).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a recording"));

    // A file with one malformed line still yields its session, and the line is reported.
    let partial = directory.path().join("partial.jsonl");
    let good = std::fs::read_to_string(repository("examples/sessions/k8s-exec-noninteractive.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(1, "{\"event\": \"print\", \"data\": 12, broken");
    std::fs::write(&partial, lines.join("\n")).unwrap();
    let output = sightline().args(["analyze", "--format", "json"]).arg(&partial).arg(&junk).output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("partial.jsonl:2:"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
}
