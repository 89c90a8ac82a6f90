//! `sightline replay`: publishes recording files (any format `analyze` reads) as recording-chunk
//! and session-end records — the demo data source and the load generator for tests and
//! benchmarks.
//!
//! Each session becomes chunk records of about `chunk_bytes` of events each (0-based
//! `chunk_index`, keyed by session id), then an end record with `chunk_count`. A recording with
//! no end event (asciicast, a cut-off log) gets a made-up end record marked
//! `"sightline_synthetic": true`: it tells the assembler the session is over without adding an
//! event the recording never had, so the verdict matches `analyze` on the same file.

use crate::assemble::{CloseReason, EndState, SessionState, build_session};
use crate::model::{RecordingEvent, Session};
use serde_json::{Value, json};

/// The marker of an end record replay made up.
pub const SYNTHETIC_END_FIELD: &str = "sightline_synthetic";

/// A session as input records: chunk records (JSON) and the end record (JSON).
#[derive(Debug, Clone)]
pub struct SessionRecords {
    /// The session id (every record's key).
    pub sid: String,
    /// Chunk records, in chunk-index order.
    pub chunks: Vec<Value>,
    /// The end record.
    pub end: Value,
}

impl SessionRecords {
    /// The session the assembler builds from these records when all arrive (in any order):
    /// what `run` will judge.
    pub fn to_session(&self) -> Result<Session, crate::assemble::BuildError> {
        let state = SessionState {
            sid: self.sid.clone(),
            partition: 0,
            kind: None,
            chunks: (0..self.chunks.len() as u64).collect(),
            bytes: 0,
            too_large: false,
            first_seen_ms: 0,
            last_activity_ms: 0,
            end: Some(EndState { record: self.end.to_string(), chunk_count: None, seen_at_ms: 0 }),
        };
        let stored = self
            .chunks
            .iter()
            .enumerate()
            .map(|(index, chunk)| (index as u64, chunk.to_string().into_bytes()))
            .collect();
        build_session(&state, stored, CloseReason::Complete)
    }
}

/// Splits a session into chunk records of about `chunk_bytes` (at least one event each) and
/// its end record; `with_count` puts `chunk_count` in the end record.
pub fn session_records(session: &Session, chunk_bytes: usize, with_count: bool) -> SessionRecords {
    let kind = session.kind.to_string();
    let (ends, events): (Vec<&RecordingEvent>, Vec<&RecordingEvent>) =
        session.events.iter().partition(|event| event.is_end());
    let mut chunks = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut current_bytes = 0;
    let flush = |current: &mut Vec<Value>, chunks: &mut Vec<Value>| {
        if !current.is_empty() {
            chunks.push(json!({
                "session_id": session.sid,
                "chunk_index": chunks.len(),
                "kind": kind,
                "events": std::mem::take(current),
            }));
        }
    };
    for event in events {
        let value = event.to_json();
        current_bytes += value.to_string().len();
        current.push(value);
        if current_bytes >= chunk_bytes {
            flush(&mut current, &mut chunks);
            current_bytes = 0;
        }
    }
    flush(&mut current, &mut chunks);
    let mut end = match ends.last() {
        Some(event) => event.to_json(),
        None => json!({ "event": "session.end", "sid": session.sid, SYNTHETIC_END_FIELD: true }),
    };
    if let Value::Object(object) = &mut end {
        // The record's session is the session id (a renamed copy keeps the original's end event).
        object.insert("sid".into(), Value::String(session.sid.clone()));
        object.insert("kind".into(), Value::String(kind));
        if with_count {
            object.insert("chunk_count".into(), json!(chunks.len()));
        }
    }
    SessionRecords { sid: session.sid.clone(), chunks, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A renamed copy (`replay --copies`) is published under its new id throughout.
    #[test]
    fn a_renamed_copy_uses_its_own_id() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions/ssh-deploy-web01.jsonl");
        let mut session = crate::source::files::read_file(&path).sessions.remove(0);
        session.sid = format!("{}-7", session.sid);
        let records = session_records(&session, 1_000, true);
        assert_eq!(records.end["sid"], session.sid.as_str());
        assert!(records.chunks.iter().all(|chunk| chunk["session_id"] == session.sid.as_str()));
        let end = crate::model::SessionEndRecord::from_json_value(records.end.clone()).unwrap();
        assert_eq!(end.session_id, session.sid);
    }

    /// Replayed records, assembled, give back the session `analyze` reads from the file.
    #[test]
    fn records_assemble_into_the_same_session() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions");
        let (files, _) = crate::source::files::collect_files(&[root]);
        let mut checked = 0;
        for file in files {
            for session in crate::source::files::read_file(&file.path).sessions {
                let records = session_records(&session, 700, true);
                let rebuilt = records.to_session().unwrap();
                for (index, (left, right)) in rebuilt.events.iter().zip(&session.events).enumerate() {
                    assert_eq!(left, right, "{} event {index}", file.path.display());
                }
                assert_eq!(rebuilt, session, "{}", file.path.display());
                checked += 1;
            }
        }
        assert!(checked >= 8, "{checked}");
    }
}
