//! The recording the report's player plays, as asciicast v2 text.
//!
//! From a session's terminal output when it has one: every `print` at its offset (the same
//! clock the timeline's offsets use, so seeking to a command's offset shows that command),
//! resizes, and the recorded terminal size. Sessions without a terminal (database queries,
//! Kubernetes requests) and verdicts without their recording get a cast written from the
//! timeline: each command typed at its offset, followed by the output the verdict kept.

use crate::model::{EventBody, Session, TimelineEntry};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Terminal size when the recording does not say (Teleport's default PTY).
const DEFAULT_SIZE: (u16, u16) = (80, 25);

/// An asciicast v2 recording and its length in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    /// Header line, then one `[time, "o"|"r", data]` line per event.
    pub text: String,
    /// Time of the last event.
    pub duration: f64,
}

/// The session's terminal output as a cast, or `None` when it printed nothing.
pub fn from_session(session: &Session) -> Option<Cast> {
    let start = session.start_time();
    let offset_of = |time: Option<DateTime<Utc>>| crate::model::session::offset_secs(start, time);
    let mut size = None;
    let mut lines = Vec::new();
    let mut last = 0.0f64;
    for event in &session.events {
        match &event.body {
            EventBody::Print(print) => {
                let time = print.ms.map(|ms| ms / 1000.0).unwrap_or_else(|| offset_of(event.time));
                // The player needs non-decreasing times.
                last = last.max(time);
                lines.push(json!([round(last), "o", String::from_utf8_lossy(&print.data)]).to_string());
            }
            EventBody::Resize { cols, rows } => {
                if size.is_none() && lines.is_empty() {
                    size = Some((*cols, *rows));
                } else {
                    last = last.max(offset_of(event.time));
                    lines.push(json!([round(last), "r", format!("{cols}x{rows}")]).to_string());
                }
            }
            EventBody::SessionStart if size.is_none() => size = event.metadata().size,
            _ => {}
        }
    }
    if lines.is_empty() {
        return None;
    }
    let (width, height) = size.unwrap_or(DEFAULT_SIZE);
    Some(assemble(width, height, lines, last))
}

/// A cast written from the timeline: each command typed at its offset, then its output.
pub fn from_timeline(entries: &[TimelineEntry], prompt: &str) -> Cast {
    let mut lines = Vec::new();
    let mut last = 0.0f64;
    lines.push(
        json!([0.0, "o", format!("\u{1b}[2m# reconstructed from the verdict's timeline\u{1b}[0m\r\n{prompt}")])
            .to_string(),
    );
    for entry in entries {
        let start = entry.start_offset.as_secs_f64().max(last);
        let end = entry.end_offset.as_secs_f64().max(start);
        let command = entry.command_event_details.command.replace('\n', "\r\n");
        lines.push(json!([round(start), "o", format!("{command}\r\n")]).to_string());
        let output = entry.output.replace("\r\n", "\n").replace('\n', "\r\n");
        let shown = if output.is_empty() { String::new() } else { format!("{output}\r\n") };
        lines.push(json!([round(end), "o", format!("{shown}{prompt}")]).to_string());
        last = end;
    }
    assemble(DEFAULT_SIZE.0.max(120), DEFAULT_SIZE.1.max(30), lines, last)
}

fn assemble(width: u16, height: u16, lines: Vec<String>, duration: f64) -> Cast {
    let header = json!({"version": 2, "width": width, "height": height});
    let mut text = header.to_string();
    for line in lines {
        text.push('\n');
        text.push_str(&line);
    }
    text.push('\n');
    Cast { text, duration }
}

/// Microsecond precision, as asciinema writes.
fn round(seconds: f64) -> f64 {
    (seconds * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(file: &str) -> Session {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions").join(file);
        crate::source::files::read_file(&path).sessions.remove(0)
    }

    #[test]
    fn terminal_sessions_play_their_own_output_on_the_timeline_clock() {
        let session = session("ssh-incident-bastion.cast");
        let cast = from_session(&session).unwrap();
        let mut lines = cast.text.lines();
        let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(header["version"], 2);
        let times: Vec<f64> =
            lines.map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()[0].as_f64().unwrap()).collect();
        assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "times never go back");
        assert_eq!(times.last().copied(), Some(cast.duration));
        let detector = crate::analyze::detect::RuleDetector::new(&[]).unwrap();
        let verdict = crate::verdict::judge_session(&session, &detector);
        let last_command = verdict.enhanced_summary.session_events.last().unwrap().start_offset.as_secs_f64();
        assert!(last_command <= cast.duration, "every command falls within the cast");
    }

    #[test]
    fn sessions_without_a_terminal_get_a_cast_from_the_timeline() {
        let session = session("db-postgres-billing.jsonl");
        assert!(from_session(&session).is_none());
        let detector = crate::analyze::detect::RuleDetector::new(&[]).unwrap();
        let verdict = crate::verdict::judge_session(&session, &detector);
        let entries = &verdict.enhanced_summary.session_events;
        let cast = from_timeline(entries, "billing=> ");
        for entry in entries {
            let first_line = entry.command_event_details.command.lines().next().unwrap_or_default();
            assert!(cast.text.contains(&serde_json::to_string(first_line).unwrap()[1..first_line.len().min(20)]));
        }
        assert!(cast.duration >= entries.last().unwrap().start_offset.as_secs_f64());
    }
}
