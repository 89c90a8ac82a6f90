//! Splunk HTTP Event Collector: batches of event envelopes (`sink/encode.rs`, one JSON object
//! per event, concatenated) POSTed to `/services/collector/event` with
//! `Authorization: Splunk <token>`, gzipped, within the batch limits.
//!
//! With indexer acknowledgement on, every request carries this sink's channel
//! (`X-Splunk-Request-Channel`, a random GUID per process) and a batch counts as delivered
//! only once `/services/collector/ack?channel=…` reports its `ackId` indexed; an ack that does
//! not arrive within `ack_timeout_ms` sends the batch again (HEC forgets unacknowledged data
//! on an indexer restart). Events over `max_event_bytes` are trimmed (`sink/size_guard.rs`).

use super::config::SplunkHecConfig;
use super::deliver::{DirectSink, Prepared, batch_by};
use super::encode::{Encoding, EnvelopeConfig, encode};
use super::http::{self, Attempt};
use super::route::Item;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The HEC sink.
pub struct SplunkHec {
    name: String,
    config: SplunkHecConfig,
    envelope: EnvelopeConfig,
    client: Client,
    channel: String,
}

impl SplunkHec {
    /// A sink named `name`; `envelope` gives `source` (the index comes from the sink's config).
    pub fn new(name: &str, config: SplunkHecConfig, mut envelope: EnvelopeConfig) -> Self {
        envelope.splunk_index = config.index.clone().or(envelope.splunk_index);
        let client = http::client(Duration::from_millis(config.delivery.timeout_ms));
        let channel = new_channel();
        SplunkHec { name: name.to_string(), config, envelope, client, channel }
    }

    /// The request channel (a GUID).
    pub fn channel(&self) -> &str {
        &self.channel
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.endpoint.trim_end_matches('/'))
    }

    fn authorization(&self) -> String {
        format!("Splunk {}", self.config.token.expose())
    }

    /// Polls for `ack_id` until it is indexed or the ack timeout passes.
    fn await_ack(&self, ack_id: u64) -> Attempt {
        let deadline = Instant::now() + Duration::from_millis(self.config.ack_timeout_ms);
        loop {
            std::thread::sleep(Duration::from_millis(self.config.ack_poll_interval_ms));
            let request = self
                .client
                .post(format!("{}?channel={}", self.url("/services/collector/ack"), self.channel))
                .header("Authorization", self.authorization())
                .header("X-Splunk-Request-Channel", &self.channel)
                .header("Content-Type", "application/json")
                .body(json!({ "acks": [ack_id] }).to_string());
            let answer = http::send(request, |body| match acknowledged(body, ack_id) {
                Some(true) => Attempt::Delivered,
                Some(false) => Attempt::Retry { reason: format!("ackId {ack_id} not indexed yet"), after: None },
                None => Attempt::Retry { reason: format!("unreadable ack answer: {body}"), after: None },
            });
            let last = match answer {
                Attempt::Delivered => return Attempt::Delivered,
                Attempt::Retry { reason, .. } | Attempt::Reject { reason } => reason,
            };
            if Instant::now() >= deadline {
                return Attempt::Retry {
                    reason: format!(
                        "no indexer acknowledgement for ackId {ack_id} within {} ms ({last}); sending again",
                        self.config.ack_timeout_ms
                    ),
                    after: None,
                };
            }
        }
    }
}

/// A random GUID for the request channel.
fn new_channel() -> String {
    let bytes: [u8; 16] = rand::random();
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
}

/// Reads `{"acks":{"<id>":true}}`.
fn acknowledged(body: &str, ack_id: u64) -> Option<bool> {
    let value: Value = serde_json::from_str(body).ok()?;
    value.get("acks")?.get(ack_id.to_string())?.as_bool()
}

impl DirectSink for SplunkHec {
    fn name(&self) -> &str {
        &self.name
    }

    fn prepare(&self, item: &Item) -> Option<Prepared> {
        let envelope = encode(&item.record(), Encoding::SplunkHec, &self.envelope);
        Some(Prepared::new(item, envelope, self.config.max_event_bytes))
    }

    fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>> {
        batch_by(records, self.config.max_batch_events, self.config.max_batch_bytes, 1)
    }

    fn attempt(&mut self, batch: &[Prepared]) -> Attempt {
        let mut body = Vec::with_capacity(batch.iter().map(|record| record.body.len() + 1).sum());
        for record in batch {
            body.extend_from_slice(&record.body);
            body.push(b'\n');
        }
        let mut request = self
            .client
            .post(self.url("/services/collector/event"))
            .header("Authorization", self.authorization())
            .header("Content-Type", "application/json");
        if self.config.acknowledgements {
            request = request.header("X-Splunk-Request-Channel", &self.channel);
        }
        let acknowledgements = self.config.acknowledgements;
        let mut ack_id = None;
        let answer = http::send(http::with_body(request, &body, self.config.gzip), |text| {
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            if value.get("code").and_then(Value::as_i64) != Some(0) {
                return Attempt::Reject { reason: format!("HEC answered without success: {text}") };
            }
            if acknowledgements {
                match value.get("ackId").and_then(Value::as_u64) {
                    Some(id) => ack_id = Some(id),
                    None => {
                        return Attempt::Reject {
                            reason: format!(
                                "HEC answered without an ackId ({text}): enable indexer acknowledgement on the token or set acknowledgements = false"
                            ),
                        };
                    }
                }
            }
            Attempt::Delivered
        });
        match (answer, ack_id) {
            (Attempt::Delivered, Some(id)) => self.await_ack(id),
            (answer, _) => answer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_is_a_guid() {
        let channel = new_channel();
        let parsed = uuid::Uuid::parse_str(&channel).unwrap();
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(channel, new_channel());
    }

    #[test]
    fn reads_ack_answers() {
        assert_eq!(acknowledged(r#"{"acks":{"3":true}}"#, 3), Some(true));
        assert_eq!(acknowledged(r#"{"acks":{"3":false}}"#, 3), Some(false));
        assert_eq!(acknowledged(r#"{"acks":{"4":true}}"#, 3), None);
        assert_eq!(acknowledged("nope", 3), None);
    }
}
