//! Decoding input records: JSON, or Avro in the Confluent wire format, into chunk and end
//! records — plus the JSON form the store keeps.
//!
//! A record that cannot be decoded or validated is the record's fault ([`DecodeError::is_permanent`])
//! and goes to the DLQ; a registry that cannot be reached is not, and the caller retries.

use super::avro::{self, AvroError};
use super::registry::{RegistryError, SchemaRegistry};
use crate::config::InputEncoding;
use crate::model::chunk::RecordError;
use crate::model::{ChunkHeader, RecordingChunk, SessionEndRecord};

/// Which input topic a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputTopic {
    /// The recording-chunk topic.
    Chunks,
    /// The session-end topic.
    Ends,
}

/// A decoded input record, with the JSON form kept in the store.
#[derive(Debug)]
pub enum Decoded {
    /// A recording chunk: checked in full, but only its header is kept (the events are decoded
    /// again from `json` when the session is judged).
    Chunk { chunk: ChunkHeader, json: Vec<u8> },
    /// A session end.
    End { end: Box<SessionEndRecord>, json: String },
}

impl Decoded {
    /// The session the record belongs to.
    pub fn session_id(&self) -> &str {
        match self {
            Decoded::Chunk { chunk, .. } => &chunk.session_id,
            Decoded::End { end, .. } => &end.session_id,
        }
    }
}

/// Why a record could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The record has no value (a tombstone).
    #[error("record has no value")]
    Empty,
    /// JSON of the wrong shape or with invalid events.
    #[error("{0}")]
    Record(#[from] RecordError),
    /// Not valid JSON text.
    #[error("invalid json: {0}")]
    Json(#[from] serde_json::Error),
    /// Avro that does not decode.
    #[error("{0}")]
    Avro(#[from] AvroError),
    /// Avro record, but no registry configured.
    #[error("avro record but no [schema_registry] is configured")]
    NoRegistry,
    /// JSON record where only Avro is accepted, or the reverse.
    #[error("record is {found}, but input.encoding is {expected}")]
    WrongEncoding { found: &'static str, expected: &'static str },
    /// The registry refused the schema id, or reading it failed.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The record's key is not its session id, so it may sit on another partition than the
    /// rest of its session.
    #[error("record key {key:?} is not its session id {sid:?}")]
    KeyMismatch { key: String, sid: String },
}

impl DecodeError {
    /// True when the record itself is bad (DLQ); false when retrying may help (registry down).
    pub fn is_permanent(&self) -> bool {
        match self {
            DecodeError::Registry(error) => error.is_permanent(),
            _ => true,
        }
    }

    /// A short fixed name for the error kind (DLQ header, logs, metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::Record(_) | DecodeError::Json(_) => "invalid_json",
            DecodeError::Avro(_) => "invalid_avro",
            DecodeError::NoRegistry => "no_registry",
            DecodeError::WrongEncoding { .. } => "wrong_encoding",
            DecodeError::Registry(_) => "schema_registry",
            DecodeError::KeyMismatch { .. } => "key_mismatch",
        }
    }
}

/// Decodes input records.
#[derive(Debug, Clone)]
pub struct Decoder {
    encoding: InputEncoding,
    registry: Option<SchemaRegistry>,
}

impl Decoder {
    /// A decoder for the configured encoding.
    pub fn new(encoding: InputEncoding, registry: Option<SchemaRegistry>) -> Self {
        Decoder { encoding, registry }
    }

    /// Decodes one record from `topic`, checking its key against the session id.
    pub fn decode(
        &self,
        topic: InputTopic,
        key: Option<&[u8]>,
        payload: Option<&[u8]>,
    ) -> Result<Decoded, DecodeError> {
        let payload = payload.filter(|payload| !payload.is_empty()).ok_or(DecodeError::Empty)?;
        let is_avro = payload[0] == avro::MAGIC_BYTE;
        let decoded = match (self.encoding, is_avro) {
            (InputEncoding::Json, true) => return Err(DecodeError::WrongEncoding { found: "avro", expected: "json" }),
            (InputEncoding::Avro, false) => {
                return Err(DecodeError::WrongEncoding { found: "not avro", expected: "avro" });
            }
            (_, true) => self.decode_avro(topic, payload)?,
            (_, false) => decode_json(topic, payload)?,
        };
        if let Some(key) = key {
            let sid = decoded.session_id();
            if key != sid.as_bytes() {
                return Err(DecodeError::KeyMismatch {
                    key: String::from_utf8_lossy(key).into_owned(),
                    sid: sid.to_string(),
                });
            }
        }
        Ok(decoded)
    }

    fn decode_avro(&self, topic: InputTopic, payload: &[u8]) -> Result<Decoded, DecodeError> {
        let registry = self.registry.as_ref().ok_or(DecodeError::NoRegistry)?;
        let schema_id = avro::schema_id(payload)?;
        let schema = registry.schema(schema_id)?;
        let record = avro::decode_body(payload, schema_id, &schema)?;
        let json = match topic {
            InputTopic::Chunks => avro::chunk_to_json(record)?,
            InputTopic::Ends => avro::end_to_json(record)?,
        };
        decode_json(topic, &serde_json::to_vec(&json)?)
    }
}

fn decode_json(topic: InputTopic, payload: &[u8]) -> Result<Decoded, DecodeError> {
    match topic {
        InputTopic::Chunks => {
            let chunk = RecordingChunk::check_json_slice(payload)?;
            Ok(Decoded::Chunk { chunk, json: payload.to_vec() })
        }
        InputTopic::Ends => {
            let end = SessionEndRecord::from_json_slice(payload)?;
            let json = String::from_utf8(payload.to_vec())
                .map_err(|_| DecodeError::Record(RecordError::Missing("utf-8 text")))?;
            Ok(Decoded::End { end: Box::new(end), json })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder() -> Decoder {
        Decoder::new(InputEncoding::Auto, None)
    }

    #[test]
    fn decodes_json_chunks_and_ends() {
        let chunk = br#"{"session_id":"s","chunk_index":0,"events":[]}"#;
        assert!(matches!(decoder().decode(InputTopic::Chunks, Some(b"s"), Some(chunk)), Ok(Decoded::Chunk { .. })));
        let end = br#"{"event":"session.end","sid":"s","chunk_count":1}"#;
        assert!(matches!(decoder().decode(InputTopic::Ends, None, Some(end)), Ok(Decoded::End { .. })));
    }

    #[test]
    fn bad_records_are_permanent_errors() {
        for (topic, payload) in [
            (InputTopic::Chunks, &b"not json"[..]),
            (InputTopic::Chunks, br#"{"session_id":"","chunk_index":0,"events":[]}"#),
            (InputTopic::Ends, br#"{"event":"print","sid":"s"}"#),
            (InputTopic::Chunks, b"\x00\x00\x00\x00\x01garbage"),
            (InputTopic::Chunks, b""),
        ] {
            let error = decoder().decode(topic, None, Some(payload)).unwrap_err();
            assert!(error.is_permanent(), "{error}");
        }
    }

    #[test]
    fn key_must_be_the_session_id() {
        let chunk = br#"{"session_id":"s","chunk_index":0,"events":[]}"#;
        let error = decoder().decode(InputTopic::Chunks, Some(b"other"), Some(chunk)).unwrap_err();
        assert_eq!(error.kind(), "key_mismatch");
    }

    proptest::proptest! {
        /// Arbitrary bytes on either topic decode or fail with an error; never panic.
        #[test]
        fn arbitrary_records_never_panic(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..512), ends in proptest::bool::ANY) {
            let topic = if ends { InputTopic::Ends } else { InputTopic::Chunks };
            let _ = decoder().decode(topic, Some(b"s"), Some(&payload));
        }

        /// Arbitrary Avro bodies with the bundled schemas decode or fail; never panic.
        #[test]
        fn arbitrary_avro_bodies_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let framed = [&[0u8, 0, 0, 0, 1][..], &body].concat();
            for (schema, ends) in [(avro::RECORDING_CHUNK_SCHEMA, false), (avro::SESSION_END_SCHEMA, true)] {
                let schema = apache_avro::Schema::parse_str(schema).unwrap();
                if let Ok(record) = avro::decode_body(&framed, 1, &schema) {
                    let _ = if ends { avro::end_to_json(record) } else { avro::chunk_to_json(record) };
                }
            }
        }
    }

    #[test]
    fn encoding_is_enforced() {
        let chunk = br#"{"session_id":"s","chunk_index":0,"events":[]}"#;
        let error = Decoder::new(InputEncoding::Avro, None).decode(InputTopic::Chunks, None, Some(chunk)).unwrap_err();
        assert_eq!(error.kind(), "wrong_encoding");
    }
}
