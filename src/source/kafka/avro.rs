//! Avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary),
//! converted to and from the JSON records the rest of the pipeline reads.
//!
//! A recorded event in Avro keeps Teleport's common fields typed, `print` bytes raw in `data`
//! and every other field as JSON text in `fields` (see `schemas/README.md`); converting to JSON
//! merges `fields` back and base64-encodes `data`, which gives exactly the JSON record.

use apache_avro::Schema;
use apache_avro::types::Value;
use base64::Engine;
use serde_json::{Map, Value as Json};

/// The Confluent wire format's first byte.
pub const MAGIC_BYTE: u8 = 0;

/// The schema of recording-chunk records.
pub const RECORDING_CHUNK_SCHEMA: &str = include_str!("../../../schemas/recording_chunk.avsc");
/// The schema of session-end records.
pub const SESSION_END_SCHEMA: &str = include_str!("../../../schemas/session_end.avsc");

/// An Avro record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AvroError {
    /// Shorter than the 5-byte header or without the magic byte.
    #[error("not in the confluent wire format (magic byte 0 and a 4-byte schema id)")]
    NotWireFormat,
    /// The body does not decode with the writer schema.
    #[error("avro body does not decode with schema {schema_id}: {message}")]
    Body { schema_id: u32, message: String },
    /// The decoded record is not a record of the expected shape.
    #[error("avro record has an unexpected shape: {0}")]
    Shape(String),
    /// Encoding failed (the value does not fit the schema).
    #[error("cannot encode avro: {0}")]
    Encode(String),
}

/// The schema id in a wire-format record.
pub fn schema_id(payload: &[u8]) -> Result<u32, AvroError> {
    match payload {
        [MAGIC_BYTE, a, b, c, d, ..] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(AvroError::NotWireFormat),
    }
}

/// Decodes a wire-format record's body with its writer schema into JSON.
pub fn decode_body(payload: &[u8], schema_id: u32, schema: &Schema) -> Result<Json, AvroError> {
    let mut body = payload.get(5..).ok_or(AvroError::NotWireFormat)?;
    let value = apache_avro::from_avro_datum(schema, &mut body, None)
        .map_err(|error| AvroError::Body { schema_id, message: error.to_string() })?;
    if !body.is_empty() {
        return Err(AvroError::Body { schema_id, message: format!("{} bytes left after the record", body.len()) });
    }
    Ok(to_json(value))
}

/// Generic Avro → JSON: unions unwrapped, enums as their symbol, bytes as base64.
pub fn to_json(value: Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(flag) => Json::Bool(flag),
        Value::Int(number) => Json::from(number),
        Value::Long(number) => Json::from(number),
        Value::Float(number) => Json::from(f64::from(number)),
        Value::Double(number) => Json::from(number),
        Value::Bytes(bytes) | Value::Fixed(_, bytes) => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Value::String(text) | Value::Enum(_, text) => Json::String(text),
        Value::Union(_, inner) => to_json(*inner),
        Value::Array(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(entries.into_iter().map(|(key, value)| (key, to_json(value))).collect()),
        Value::Record(fields) => Json::Object(fields.into_iter().map(|(key, value)| (key, to_json(value))).collect()),
        other => Json::String(format!("{other:?}")),
    }
}

/// Turns an Avro-shaped event (typed common fields + `fields` JSON text) into the Teleport event.
fn event_to_json(event: Json) -> Result<Json, AvroError> {
    let Json::Object(mut typed) = event else { return Err(AvroError::Shape("event is not a record".into())) };
    let mut merged = match typed.remove("fields") {
        Some(Json::String(text)) => match serde_json::from_str::<Json>(&text) {
            Ok(Json::Object(fields)) => fields,
            _ => return Err(AvroError::Shape("event `fields` is not a JSON object".into())),
        },
        _ => Map::new(),
    };
    for (key, value) in typed {
        if !value.is_null() {
            merged.insert(key, value);
        }
    }
    Ok(Json::Object(merged))
}

/// A decoded Avro chunk record → the JSON chunk record.
pub fn chunk_to_json(record: Json) -> Result<Json, AvroError> {
    let Json::Object(mut record) = record else { return Err(AvroError::Shape("chunk is not a record".into())) };
    let events = match record.remove("events") {
        Some(Json::Array(events)) => events.into_iter().map(event_to_json).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(AvroError::Shape("chunk has no `events` array".into())),
    };
    record.insert("events".into(), Json::Array(events));
    record.retain(|_, value| !value.is_null());
    Ok(Json::Object(record))
}

/// A decoded Avro end record → the JSON end record (the end event with `chunk_count`, `kind`).
pub fn end_to_json(record: Json) -> Result<Json, AvroError> {
    let Json::Object(mut record) = record else { return Err(AvroError::Shape("end is not a record".into())) };
    let event = record.remove("event").ok_or_else(|| AvroError::Shape("end has no `event`".into()))?;
    let Json::Object(mut event) = event_to_json(event)? else { unreachable!("event_to_json returns an object") };
    if let Some(Json::String(sid)) = record.remove("session_id") {
        event.entry("sid").or_insert(Json::String(sid));
    }
    for key in ["chunk_count", "kind"] {
        if let Some(value) = record.remove(key).filter(|value| !value.is_null()) {
            event.insert(key.into(), value);
        }
    }
    Ok(Json::Object(event))
}

/// Teleport fields kept typed in the Avro event record.
const TYPED_EVENT_FIELDS: &[&str] = &["event", "code", "time", "ei", "sid", "data", "ms"];

fn optional(value: Option<Value>) -> Value {
    match value {
        Some(value) => Value::Union(1, Box::new(value)),
        None => Value::Union(0, Box::new(Value::Null)),
    }
}

fn kind_value(kind: Option<&Json>) -> Result<Value, AvroError> {
    match kind.and_then(Json::as_str) {
        None => Ok(optional(None)),
        Some(kind) => {
            let index = ["ssh", "k8s", "db"]
                .iter()
                .position(|known| *known == kind)
                .ok_or_else(|| AvroError::Encode(format!("kind {kind:?} is not ssh, k8s or db")))?;
            Ok(optional(Some(Value::Enum(index as u32, kind.to_string()))))
        }
    }
}

fn event_to_avro(event: &Json) -> Result<Value, AvroError> {
    let object = event.as_object().ok_or_else(|| AvroError::Encode("event is not an object".into()))?;
    let text = |key: &str| object.get(key).and_then(Json::as_str).map(|text| Value::String(text.to_string()));
    let data = match object.get("data").and_then(Json::as_str) {
        Some(encoded) => Some(Value::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|error| AvroError::Encode(format!("print data is not base64: {error}")))?,
        )),
        None => None,
    };
    let rest: Map<String, Json> = object
        .iter()
        .filter(|(key, _)| !TYPED_EVENT_FIELDS.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Value::Record(vec![
        ("event".into(), text("event").unwrap_or(Value::String(String::new()))),
        ("code".into(), optional(text("code"))),
        ("time".into(), optional(text("time"))),
        ("ei".into(), optional(object.get("ei").and_then(Json::as_i64).map(Value::Long))),
        ("sid".into(), optional(text("sid"))),
        ("data".into(), optional(data)),
        ("ms".into(), optional(object.get("ms").and_then(Json::as_f64).map(Value::Double))),
        ("fields".into(), Value::String(Json::Object(rest).to_string())),
    ]))
}

/// Encodes a JSON chunk record in the wire format with `schema_id`.
pub fn encode_chunk(chunk: &Json, schema: &Schema, schema_id: u32) -> Result<Vec<u8>, AvroError> {
    let object = chunk.as_object().ok_or_else(|| AvroError::Encode("chunk is not an object".into()))?;
    let events = object
        .get("events")
        .and_then(Json::as_array)
        .ok_or_else(|| AvroError::Encode("chunk has no events".into()))?
        .iter()
        .map(event_to_avro)
        .collect::<Result<Vec<_>, _>>()?;
    let value = Value::Record(vec![
        ("session_id".into(), Value::String(object.get("session_id").and_then(Json::as_str).unwrap_or("").into())),
        ("chunk_index".into(), Value::Long(object.get("chunk_index").and_then(Json::as_i64).unwrap_or(0))),
        ("kind".into(), kind_value(object.get("kind"))?),
        ("events".into(), Value::Array(events)),
    ]);
    wire(schema, schema_id, value)
}

/// Encodes a JSON end record (end event with `chunk_count`/`kind`) in the wire format.
pub fn encode_end(end: &Json, schema: &Schema, schema_id: u32) -> Result<Vec<u8>, AvroError> {
    let object = end.as_object().ok_or_else(|| AvroError::Encode("end record is not an object".into()))?;
    let mut event = object.clone();
    let chunk_count = event.remove("chunk_count").and_then(|count| count.as_i64());
    let kind = event.remove("kind");
    let value = Value::Record(vec![
        ("session_id".into(), Value::String(object.get("sid").and_then(Json::as_str).unwrap_or("").into())),
        ("chunk_count".into(), optional(chunk_count.map(Value::Long))),
        ("kind".into(), kind_value(kind.as_ref())?),
        ("event".into(), event_to_avro(&Json::Object(event))?),
    ]);
    wire(schema, schema_id, value)
}

pub fn wire(schema: &Schema, schema_id: u32, value: Value) -> Result<Vec<u8>, AvroError> {
    let body = apache_avro::to_avro_datum(schema, value).map_err(|error| AvroError::Encode(error.to_string()))?;
    let mut payload = Vec::with_capacity(body.len() + 5);
    payload.push(MAGIC_BYTE);
    payload.extend_from_slice(&schema_id.to_be_bytes());
    payload.extend_from_slice(&body);
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_round_trips_through_avro() {
        let schema = Schema::parse_str(RECORDING_CHUNK_SCHEMA).unwrap();
        let chunk: Json = serde_json::from_str(
            r#"{"session_id":"s1","chunk_index":3,"kind":"ssh","events":[
                {"event":"print","data":"aGkK","ms":12.5,"ei":4},
                {"event":"session.start","sid":"s1","time":"2026-01-01T00:00:00Z","user":"alice","server_labels":{"env":"prod"}}]}"#,
        )
        .unwrap();
        let payload = encode_chunk(&chunk, &schema, 7).unwrap();
        assert_eq!(schema_id(&payload).unwrap(), 7);
        let back = chunk_to_json(decode_body(&payload, 7, &schema).unwrap()).unwrap();
        assert_eq!(back, chunk);
    }

    #[test]
    fn end_round_trips_through_avro() {
        let schema = Schema::parse_str(SESSION_END_SCHEMA).unwrap();
        let end: Json =
            serde_json::from_str(r#"{"event":"session.end","sid":"s1","chunk_count":2,"kind":"db","user":"bob"}"#)
                .unwrap();
        let payload = encode_end(&end, &schema, 9).unwrap();
        let back = end_to_json(decode_body(&payload, 9, &schema).unwrap()).unwrap();
        assert_eq!(back, end);
    }

    #[test]
    fn truncated_body_is_an_error() {
        let schema = Schema::parse_str(SESSION_END_SCHEMA).unwrap();
        let end: Json = serde_json::from_str(r#"{"event":"session.end","sid":"s1"}"#).unwrap();
        let payload = encode_end(&end, &schema, 9).unwrap();
        assert!(decode_body(&payload[..payload.len() - 3], 9, &schema).is_err());
        assert!(schema_id(b"{}").is_err());
    }
}
