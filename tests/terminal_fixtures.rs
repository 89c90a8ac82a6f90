//! Terminal reconstruction against real recordings of bash, zsh and dash sessions
//! (`tests/fixtures/terminal/`, recorded with asciinema under tmux by
//! `scripts/fixtures/record-terminal.py`). Each recording has an `.expected.json` whose
//! commands come from the scenario script (what was typed) and whose offsets come from an
//! independent oracle over the recording's input and output events (see that directory's
//! README). Every command text, start and end offset (to the recording's microsecond
//! resolution) and success flag must match exactly.

use serde::Deserialize;
use sightline::analyze::timeline::build_timeline;
use sightline::source::files;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct Expected {
    commands: Vec<ExpectedCommand>,
}

#[derive(Debug, Deserialize)]
struct ExpectedCommand {
    command: String,
    start_offset: f64,
    end_offset: f64,
    #[serde(default = "yes")]
    success: bool,
}

fn yes() -> bool {
    true
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terminal")
}

/// Compares one recording with its expectations; returns the differences.
fn check(cast: &Path) -> Vec<String> {
    let expected_path = cast.with_extension("expected.json");
    let expected: Expected = serde_json::from_slice(&std::fs::read(&expected_path).unwrap()).unwrap();
    let contents = files::read_file(cast);
    assert!(contents.problems.is_empty(), "{:?}", contents.problems);
    assert_eq!(contents.sessions.len(), 1);
    let timeline = build_timeline(&contents.sessions[0]);
    let mut differences = Vec::new();
    let actual: Vec<&str> = timeline.iter().map(|entry| entry.command()).collect();
    let wanted: Vec<&str> = expected.commands.iter().map(|command| command.command.as_str()).collect();
    if actual != wanted {
        differences.push(format!("commands differ:\n  actual:   {actual:?}\n  expected: {wanted:?}"));
        return differences;
    }
    for (entry, want) in timeline.iter().zip(&expected.commands) {
        let start = entry.start_offset.as_secs_f64();
        let end = entry.end_offset.as_secs_f64();
        if (start - want.start_offset).abs() > 1e-6 {
            differences.push(format!("{:?}: start {start} != expected {}", want.command, want.start_offset));
        }
        if (end - want.end_offset).abs() > 1e-6 {
            differences.push(format!("{:?}: end {end} != expected {}", want.command, want.end_offset));
        }
        if entry.command_event_details.success != want.success {
            differences.push(format!(
                "{:?}: success {} != expected {} (errors {:?})",
                want.command,
                entry.command_event_details.success,
                want.success,
                entry.command_event_details.error_messages
            ));
        }
    }
    differences
}

fn recordings() -> Vec<PathBuf> {
    let mut casts: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "cast"))
        .filter(|path| path.with_extension("expected.json").exists())
        .collect();
    casts.sort();
    casts
}

#[test]
fn every_recording_reconstructs_exactly() {
    let casts = recordings();
    assert!(casts.len() >= 25, "expected the recorded fixtures, found {}", casts.len());
    let mut failures = Vec::new();
    for cast in &casts {
        let differences = check(cast);
        if !differences.is_empty() {
            failures.push(format!("{}:\n  {}", cast.file_name().unwrap().to_string_lossy(), differences.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} recordings differ:\n{}", failures.len(), casts.len(), failures.join("\n"));
}
