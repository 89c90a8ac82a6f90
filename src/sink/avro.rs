//! Avro output: verdicts and audit events encoded with `schemas/verdict.avsc` and
//! `schemas/audit_event.avsc` in the Confluent wire format, schemas registered under
//! `<topic>-value`.
//!
//! The JSON record is converted by walking the schema: missing fields take the schema's
//! default, `["null", T]` unions hold null or T, enums their symbol, and a JSON object where the
//! schema says string (the recorded `session_end_event`) is kept as JSON text. A value that does
//! not fit is an error naming the field, never silently dropped.

use crate::source::kafka::avro::{AvroError, wire};
use apache_avro::Schema;
use apache_avro::schema::{Name, ResolvedSchema};
use apache_avro::types::Value;
use serde_json::Value as Json;
use std::collections::HashMap;

/// The verdict schema.
pub const VERDICT_SCHEMA: &str = include_str!("../../schemas/verdict.avsc");
/// The audit event schema.
pub const AUDIT_EVENT_SCHEMA: &str = include_str!("../../schemas/audit_event.avsc");

/// Encodes JSON records with one registered schema.
#[derive(Debug, Clone)]
pub struct AvroEncoder {
    schema: Schema,
    schema_id: u32,
    names: HashMap<Name, Schema>,
}

impl AvroEncoder {
    /// An encoder for `schema` (Avro JSON text) registered as `schema_id`.
    pub fn new(schema: &str, schema_id: u32) -> Result<Self, AvroError> {
        let schema = Schema::parse_str(schema).map_err(|error| AvroError::Encode(error.to_string()))?;
        let names = ResolvedSchema::try_from(&schema)
            .map_err(|error| AvroError::Encode(error.to_string()))?
            .get_names()
            .iter()
            .map(|(name, schema)| (name.clone(), (*schema).clone()))
            .collect();
        Ok(AvroEncoder { schema, schema_id, names })
    }

    /// Encodes a JSON record in the wire format.
    pub fn encode(&self, record: &Json) -> Result<Vec<u8>, AvroError> {
        let value = self.convert(record, &self.schema, "")?;
        wire(&self.schema, self.schema_id, value)
    }

    fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        match schema {
            Schema::Ref { name } => self
                .names
                .get(name)
                .or_else(|| self.names.iter().find(|(known, _)| known.name == name.name).map(|(_, schema)| schema))
                .unwrap_or(schema),
            other => other,
        }
    }

    fn convert(&self, json: &Json, schema: &Schema, path: &str) -> Result<Value, AvroError> {
        let mismatch = || AvroError::Encode(format!("field {path:?}: {json} does not fit the schema"));
        Ok(match self.resolve(schema) {
            Schema::Null => Value::Null,
            Schema::Boolean => Value::Boolean(json.as_bool().ok_or_else(mismatch)?),
            Schema::Int => {
                Value::Int(json.as_i64().and_then(|number| i32::try_from(number).ok()).ok_or_else(mismatch)?)
            }
            Schema::Long => Value::Long(json.as_i64().ok_or_else(mismatch)?),
            Schema::Float => Value::Float(json.as_f64().ok_or_else(mismatch)? as f32),
            Schema::Double => Value::Double(json.as_f64().ok_or_else(mismatch)?),
            Schema::String => match json {
                Json::String(text) => Value::String(text.clone()),
                Json::Null => return Err(mismatch()),
                other => Value::String(other.to_string()),
            },
            Schema::Enum(enumeration) => {
                let symbol = json.as_str().ok_or_else(mismatch)?;
                let index = enumeration.symbols.iter().position(|known| known == symbol).ok_or_else(mismatch)?;
                Value::Enum(index as u32, symbol.to_string())
            }
            Schema::Array(array) => Value::Array(
                json.as_array()
                    .ok_or_else(mismatch)?
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.convert(item, &array.items, &format!("{path}[{index}]")))
                    .collect::<Result<_, _>>()?,
            ),
            Schema::Map(map) => Value::Map(
                json.as_object()
                    .ok_or_else(mismatch)?
                    .iter()
                    .map(|(key, item)| Ok((key.clone(), self.convert(item, &map.types, &format!("{path}.{key}"))?)))
                    .collect::<Result<_, AvroError>>()?,
            ),
            Schema::Union(union) => {
                let variants = union.variants();
                let null_index = variants.iter().position(|variant| matches!(variant, Schema::Null));
                match (json, null_index) {
                    (Json::Null, Some(index)) => Value::Union(index as u32, Box::new(Value::Null)),
                    _ => {
                        let (index, variant) = variants
                            .iter()
                            .enumerate()
                            .find(|(_, variant)| !matches!(variant, Schema::Null))
                            .ok_or_else(mismatch)?;
                        Value::Union(index as u32, Box::new(self.convert(json, variant, path)?))
                    }
                }
            }
            Schema::Record(record) => {
                let object = json.as_object().ok_or_else(mismatch)?;
                let mut fields = Vec::with_capacity(record.fields.len());
                for field in &record.fields {
                    let field_path = format!("{path}.{}", field.name);
                    let value = match (object.get(&field.name), &field.default) {
                        (Some(value), _) if !value.is_null() || field.default.is_none() => value.clone(),
                        (_, Some(default)) => default.clone(),
                        (None, None) => Json::Null,
                        (Some(value), None) => value.clone(),
                    };
                    fields.push((field.name.clone(), self.convert(&value, &field.schema, &field_path)?));
                }
                Value::Record(fields)
            }
            _ => return Err(mismatch()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::detect::RuleDetector;

    #[test]
    fn real_verdicts_and_audit_events_encode_and_decode() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions");
        let (files, _) = crate::source::files::collect_files(&[root]);
        let verdicts = AvroEncoder::new(VERDICT_SCHEMA, 3).unwrap();
        let audit = AvroEncoder::new(AUDIT_EVENT_SCHEMA, 4).unwrap();
        let detector = RuleDetector::new(&[]).unwrap();
        let mut encoded = 0;
        for file in files {
            for session in crate::source::files::read_file(&file.path).sessions {
                let verdict = crate::verdict::judge_session(&session, &detector);
                let payload = verdicts.encode(&serde_json::to_value(&verdict).unwrap()).unwrap();
                assert_eq!(&payload[..5], &[0, 0, 0, 0, 3]);
                let decoded = apache_avro::from_avro_datum(&verdicts.schema, &mut &payload[5..], None).unwrap();
                let Value::Record(fields) = decoded else { panic!("not a record") };
                assert!(
                    fields
                        .iter()
                        .any(|(name, value)| name == "session_id" && *value == Value::String(session.sid.clone()))
                );
                for event in crate::verdict::audit::audit_events(&verdict) {
                    audit.encode(&serde_json::to_value(&event).unwrap()).unwrap();
                }
                encoded += 1;
            }
        }
        assert!(encoded >= 8);
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_field() {
        let audit = AvroEncoder::new(AUDIT_EVENT_SCHEMA, 4).unwrap();
        let error = audit
            .encode(
                &serde_json::json!({"event": "x", "code": "y", "uid": "u", "time": "t", "sid": "s", "success": "yes"}),
            )
            .unwrap_err();
        assert!(error.to_string().contains("success"), "{error}");
    }
}
