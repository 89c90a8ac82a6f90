//! A generic webhook: each record POSTed alone as JSON, signed so the receiver can check it
//! came from Sightline and was not replayed.
//!
//! Headers: `X-Sightline-Timestamp` (Unix seconds), `X-Sightline-Signature:
//! sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, `X-Sightline-Record-Id` (stable
//! across re-deliveries, for deduplication) and `X-Sightline-Record-Kind` (`verdict` or
//! `audit`). A receiver recomputes the HMAC over the raw body and rejects stale timestamps.
//! Any 2xx delivers; 408, 429 and 5xx are retried; other statuses are permanent.

use super::config::{RecordKindName, WebhookConfig};
use super::deliver::{DirectSink, Prepared};
use super::encode::{Encoding, EnvelopeConfig, encode};
use super::http::{self, Attempt};
use super::route::Item;
use hmac::{Hmac, Mac};
use reqwest::blocking::Client;
use sha2::Sha256;
use std::time::Duration;

/// The webhook sink.
pub struct Webhook {
    name: String,
    config: WebhookConfig,
    client: Client,
}

impl Webhook {
    /// A sink named `name`.
    pub fn new(name: &str, config: WebhookConfig) -> Self {
        let client = http::client(Duration::from_millis(config.delivery.timeout_ms));
        Webhook { name: name.to_string(), config, client }
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>").
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never returns early.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

impl DirectSink for Webhook {
    fn name(&self) -> &str {
        &self.name
    }

    fn prepare(&self, item: &Item) -> Option<Prepared> {
        let record = encode(&item.record(), Encoding::Json, &EnvelopeConfig::default());
        Some(Prepared::new(item, record, self.config.max_body_bytes))
    }

    fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>> {
        records.into_iter().map(|record| vec![record]).collect()
    }

    fn attempt(&mut self, batch: &[Prepared]) -> Attempt {
        let Some(record) = batch.first() else { return Attempt::Delivered };
        let timestamp = chrono::Utc::now().timestamp();
        let kind = match record.kind {
            RecordKindName::Verdict => "verdict",
            RecordKindName::Audit => "audit",
        };
        let mut request = self
            .client
            .post(&self.config.url)
            .header("Content-Type", "application/json")
            .header("X-Sightline-Timestamp", timestamp.to_string())
            .header("X-Sightline-Signature", signature(self.config.secret.expose().as_bytes(), timestamp, &record.body))
            .header("X-Sightline-Record-Id", &record.id)
            .header("X-Sightline-Record-Kind", kind);
        for (name, value) in &self.config.headers {
            request = request.header(name, value);
        }
        http::send(request.body(record.body.clone()), |_| Attempt::Delivered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_computation() {
        // Computed with Python's hmac module:
        // hmac.new(b"0123456789abcdef", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"0123456789abcdef", 1_700_000_000, br#"{"a":1}"#),
            "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
        );
    }
}
