//! JSON lines: each line a Teleport event, a recording-chunk record or a session-end record.
//! Lines are grouped into sessions by `sid` (`session_id` for chunks); an event without a `sid`
//! (Teleport's `print` events have none) belongs to the session of the line before it.

use super::{file_stem, numbered_lines};
use crate::model::{RecordingChunk, RecordingEvent, Session, SessionEndRecord, SessionKind};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Default)]
struct SessionParts {
    kind: Option<SessionKind>,
    chunks: BTreeMap<u64, Vec<RecordingEvent>>,
    events: Vec<RecordingEvent>,
    announced_chunks: Option<u64>,
}

/// Reads the sessions in a JSON-lines file.
pub fn read(path: &Path, bytes: &[u8], problem: &mut dyn FnMut(usize, String)) -> Vec<Session> {
    let mut order: Vec<String> = Vec::new();
    let mut parts: HashMap<String, SessionParts> = HashMap::new();
    let mut current: Option<String> = None;
    let session_parts = |sid: &str, order: &mut Vec<String>, parts: &mut HashMap<String, SessionParts>| {
        if !parts.contains_key(sid) {
            order.push(sid.to_string());
            parts.insert(sid.to_string(), SessionParts::default());
        }
    };

    for (line_number, line) in numbered_lines(bytes) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match classify(line) {
            LineKind::Chunk => match RecordingChunk::from_json_slice(line) {
                Ok(chunk) => {
                    session_parts(&chunk.session_id, &mut order, &mut parts);
                    current = Some(chunk.session_id.clone());
                    if let Some(session) = parts.get_mut(&chunk.session_id) {
                        session.kind = session.kind.or(chunk.kind);
                        // A repeated chunk index keeps the first copy (chunks may be re-delivered).
                        session.chunks.entry(chunk.chunk_index).or_insert(chunk.events);
                    }
                }
                Err(error) => problem(line_number, format!("invalid recording chunk: {error}")),
            },
            LineKind::EndRecord => match SessionEndRecord::from_json_slice(line) {
                Ok(end) => {
                    session_parts(&end.session_id, &mut order, &mut parts);
                    current = Some(end.session_id.clone());
                    if let Some(session) = parts.get_mut(&end.session_id) {
                        session.kind = session.kind.or(end.kind);
                        session.announced_chunks = end.chunk_count;
                        session.events.push(end.event);
                    }
                }
                Err(error) => problem(line_number, format!("invalid session end record: {error}")),
            },
            LineKind::Event => match RecordingEvent::from_json_slice(line) {
                Ok(event) => {
                    let sid = match (&event.sid, &current) {
                        (Some(sid), _) => sid.clone(),
                        (None, Some(current)) => current.clone(),
                        (None, None) => file_stem(path),
                    };
                    session_parts(&sid, &mut order, &mut parts);
                    current = Some(sid.clone());
                    if let Some(session) = parts.get_mut(&sid) {
                        session.events.push(event);
                    }
                }
                Err(error) => problem(line_number, format!("invalid event: {error}")),
            },
        }
    }

    order
        .into_iter()
        .filter_map(|sid| {
            let session_parts = parts.remove(&sid)?;
            Some(assemble(sid, session_parts))
        })
        .collect()
}

enum LineKind {
    Chunk,
    EndRecord,
    Event,
}

/// Chooses the decoder from the keys a line mentions; the decoder then validates it fully.
fn classify(line: &[u8]) -> LineKind {
    let mentions = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
    if mentions(b"\"chunk_index\"") && mentions(b"\"events\"") {
        LineKind::Chunk
    } else if mentions(b"\"chunk_count\"") {
        LineKind::EndRecord
    } else {
        LineKind::Event
    }
}

/// Orders a session's events with the shared assembly rule ([`Session::from_chunks`]).
fn assemble(sid: String, parts: SessionParts) -> Session {
    let SessionParts { kind, chunks, events: loose, announced_chunks } = parts;
    let seen: Vec<u64> = chunks.keys().copied().collect();
    Session::from_chunks(sid, kind, chunks, &seen, loose, announced_chunks)
}
