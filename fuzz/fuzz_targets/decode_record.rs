//! Kafka input records: any bytes, on either input topic, as JSON or Confluent-wire Avro (with
//! the bundled schemas as writer schemas) must decode or fail with an error — never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sightline::config::InputEncoding;
use sightline::source::kafka::avro;
use sightline::source::kafka::decode::{Decoder, InputTopic};
use std::sync::OnceLock;

fn schemas() -> &'static (apache_avro::Schema, apache_avro::Schema) {
    static SCHEMAS: OnceLock<(apache_avro::Schema, apache_avro::Schema)> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        (
            apache_avro::Schema::parse_str(avro::RECORDING_CHUNK_SCHEMA).unwrap(),
            apache_avro::Schema::parse_str(avro::SESSION_END_SCHEMA).unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else { return };
    let topic = if selector & 1 == 0 { InputTopic::Chunks } else { InputTopic::Ends };
    let decoder = Decoder::new(InputEncoding::Auto, None);
    let key = (selector & 2 == 0).then_some(&b"s"[..]);
    let _ = decoder.decode(topic, key, Some(payload));
    // The Avro path past the registry: decode the body with the bundled schemas.
    let mut framed = vec![0, 0, 0, 0, 1];
    framed.extend_from_slice(payload);
    let (chunk_schema, end_schema) = schemas();
    if let Ok(record) = avro::decode_body(&framed, 1, chunk_schema) {
        let _ = avro::chunk_to_json(record);
    }
    if let Ok(record) = avro::decode_body(&framed, 1, end_schema) {
        let _ = avro::end_to_json(record);
    }
});
