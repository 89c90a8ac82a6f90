//! The Kafka input records: recording chunks and session ends.
//!
//! A **recording chunk** is keyed by session id and carries a 0-based, contiguous
//! `chunk_index`, the session kind and an ordered batch of Teleport events. A **session end**
//! record is Teleport's `session.end` / `db.session.end` event, optionally with `chunk_count`
//! (how many chunks the session produced), so the assembler knows when it has everything.
//! `analyze` reads the same records from JSON-lines files.

use super::kind::SessionKind;
use super::recording::{RecordingEvent, RecordingEventError};
use serde::Deserialize;

/// A batch of one session's events, as published on the recording-chunk topic.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingChunk {
    /// The session the chunk belongs to.
    pub session_id: String,
    /// 0-based position of this chunk in the session.
    pub chunk_index: u64,
    /// The session kind, when the producer knows it.
    pub kind: Option<SessionKind>,
    /// The chunk's events in order.
    pub events: Vec<RecordingEvent>,
}

/// The end of a session, as published on the session-end topic.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEndRecord {
    /// The session that ended.
    pub session_id: String,
    /// How many chunks the session produced, when known.
    pub chunk_count: Option<u64>,
    /// The session kind, when stated.
    pub kind: Option<SessionKind>,
    /// The end event itself.
    pub event: RecordingEvent,
}

/// Why a chunk or end record could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Not JSON of the expected shape.
    #[error("invalid record json: {0}")]
    Json(#[from] serde_json::Error),
    /// An event inside the record is invalid.
    #[error("event {index} of the chunk is invalid: {source}")]
    Event {
        index: usize,
        #[source]
        source: RecordingEventError,
    },
    /// A required field is missing or empty.
    #[error("record has no {0}")]
    Missing(&'static str),
    /// The `kind` field names no known kind.
    #[error(transparent)]
    Kind(#[from] super::kind::UnknownSessionKind),
    /// A session-end record whose event is not an end event.
    #[error("session end record holds a {0:?} event, not session.end or db.session.end")]
    NotAnEnd(String),
}

/// The chunk's envelope; each event stays raw JSON text (borrowed from the record) until it is
/// decoded on its own, so no `serde_json::Value` tree is built for it.
#[derive(Deserialize)]
struct WireChunk<'a> {
    #[serde(alias = "sid")]
    session_id: String,
    chunk_index: u64,
    #[serde(default)]
    kind: Option<String>,
    #[serde(borrow)]
    events: Vec<&'a serde_json::value::RawValue>,
}

/// What the assembler needs of a chunk record: which session, which chunk, how many events.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkHeader {
    /// The session the chunk belongs to.
    pub session_id: String,
    /// 0-based position of this chunk in the session.
    pub chunk_index: u64,
    /// The session kind, when the producer knows it.
    pub kind: Option<SessionKind>,
    /// How many events the chunk holds.
    pub events: usize,
}

impl<'a> WireChunk<'a> {
    fn parse(bytes: &'a [u8]) -> Result<(ChunkHeader, Vec<&'a serde_json::value::RawValue>), RecordError> {
        let wire: WireChunk<'a> = serde_json::from_slice(bytes)?;
        if wire.session_id.is_empty() {
            return Err(RecordError::Missing("session_id"));
        }
        let kind = wire.kind.as_deref().filter(|kind| !kind.is_empty()).map(str::parse).transpose()?;
        let header =
            ChunkHeader { session_id: wire.session_id, chunk_index: wire.chunk_index, kind, events: wire.events.len() };
        Ok((header, wire.events))
    }
}

impl RecordingChunk {
    /// Decodes a chunk record from JSON.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, RecordError> {
        let (header, raw_events) = WireChunk::parse(bytes)?;
        let events = raw_events
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                RecordingEvent::from_json_slice(raw.get().as_bytes())
                    .map_err(|source| RecordError::Event { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RecordingChunk { session_id: header.session_id, chunk_index: header.chunk_index, kind: header.kind, events })
    }

    /// Checks a chunk record exactly as [`Self::from_json_slice`] decodes it (the same record
    /// is accepted or refused with the same error) without keeping the events: the pipeline's
    /// consumer thread only needs the header, and the record is decoded in full when its
    /// session is judged.
    pub fn check_json_slice(bytes: &[u8]) -> Result<ChunkHeader, RecordError> {
        let (header, raw_events) = WireChunk::parse(bytes)?;
        let mut scratch = Vec::new();
        for (index, raw) in raw_events.into_iter().enumerate() {
            RecordingEvent::check_json_slice(raw.get().as_bytes(), &mut scratch)
                .map_err(|source| RecordError::Event { index, source })?;
        }
        Ok(header)
    }
}

impl SessionEndRecord {
    /// Decodes an end record: a Teleport end event with optional `chunk_count` and `kind`.
    ///
    /// `chunk_count` and `kind` belong to the record, not to the Teleport event, so they are
    /// taken out before the event is decoded (and kept as the verdict's `session_end_event`).
    pub fn from_json_value(mut value: serde_json::Value) -> Result<Self, RecordError> {
        let chunk_count = value.get("chunk_count").and_then(|count| count.as_u64());
        let kind = value
            .get("kind")
            .and_then(|kind| kind.as_str())
            .filter(|kind| !kind.is_empty())
            .map(str::parse)
            .transpose()?;
        if let Some(object) = value.as_object_mut() {
            object.remove("chunk_count");
            object.remove("kind");
        }
        let event = RecordingEvent::from_json_value(value).map_err(|source| RecordError::Event { index: 0, source })?;
        if !event.is_end() {
            return Err(RecordError::NotAnEnd(event.event));
        }
        let session_id = event.sid.clone().ok_or(RecordError::Missing("sid"))?;
        Ok(SessionEndRecord { session_id, chunk_count, kind, event })
    }

    /// Decodes an end record from JSON text.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, RecordError> {
        Self::from_json_value(serde_json::from_slice(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_chunk_with_events() {
        let chunk = RecordingChunk::from_json_slice(
            br#"{"session_id":"s1","chunk_index":2,"kind":"ssh","events":[{"event":"print","data":"aGk=","ms":3}]}"#,
        )
        .unwrap();
        assert_eq!(chunk.chunk_index, 2);
        assert_eq!(chunk.kind, Some(SessionKind::Ssh));
        assert_eq!(chunk.events.len(), 1);
        let header = RecordingChunk::check_json_slice(
            br#"{"session_id":"s1","chunk_index":2,"kind":"ssh","events":[{"event":"print","data":"aGk=","ms":3}]}"#,
        )
        .unwrap();
        assert_eq!((header.session_id.as_str(), header.chunk_index, header.events), ("s1", 2, 1));
    }

    #[test]
    fn chunk_with_bad_event_names_its_index() {
        let error = RecordingChunk::from_json_slice(
            br#"{"session_id":"s1","chunk_index":0,"events":[{"event":"print"},{"event":"print","data":"%%"}]}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("event 1"), "{error}");
        let checked = RecordingChunk::check_json_slice(
            br#"{"session_id":"s1","chunk_index":0,"events":[{"event":"print"},{"event":"print","data":"%%"}]}"#,
        )
        .unwrap_err();
        assert_eq!(checked.to_string(), error.to_string());
    }

    #[test]
    fn end_record_requires_an_end_event() {
        let end = SessionEndRecord::from_json_slice(br#"{"event":"session.end","sid":"s1","chunk_count":3}"#).unwrap();
        assert_eq!(end.chunk_count, Some(3));
        assert!(SessionEndRecord::from_json_slice(br#"{"event":"print","sid":"s1"}"#).is_err());
    }
}
