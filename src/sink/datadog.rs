//! Datadog Logs API v2: batches of logs (`sink/encode.rs`'s Datadog shape) POSTed as a JSON
//! array to `https://http-intake.logs.<site>/api/v2/logs` with `DD-API-KEY`, gzipped.
//!
//! Datadog's limits (Logs API reference): at most 1000 entries and 5 MB uncompressed per
//! request, 1 MB per log (larger logs are truncated by Datadog, so they are trimmed here first,
//! in the documented order of `sink/size_guard.rs`). `202` means accepted; `400`, `401`, `403`
//! are permanent; `408`, `413` (split and retried), `429` and `5xx` are retried.

use super::config::DatadogConfig;
use super::deliver::{DirectSink, Prepared, batch_by};
use super::encode::{Encoding, EnvelopeConfig, encode};
use super::http::{self, Attempt};
use super::route::Item;
use reqwest::blocking::Client;
use std::time::Duration;

/// The Datadog sink.
pub struct Datadog {
    name: String,
    config: DatadogConfig,
    envelope: EnvelopeConfig,
    client: Client,
    url: String,
}

impl Datadog {
    /// A sink named `name`; `envelope` gives `ddsource`, `service` and extra tags.
    pub fn new(name: &str, config: DatadogConfig, envelope: EnvelopeConfig) -> Self {
        let client = http::client(Duration::from_millis(config.delivery.timeout_ms));
        let url = config.url();
        Datadog { name: name.to_string(), config, envelope, client, url }
    }
}

impl DirectSink for Datadog {
    fn name(&self) -> &str {
        &self.name
    }

    fn prepare(&self, item: &Item) -> Option<Prepared> {
        let log = encode(&item.record(), Encoding::Datadog, &self.envelope);
        Some(Prepared::new(item, log, self.config.max_entry_bytes))
    }

    fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>> {
        // `[` and `]` plus one comma per entry.
        batch_by(records, self.config.max_batch_entries, self.config.max_batch_bytes.saturating_sub(2), 1)
    }

    fn attempt(&mut self, batch: &[Prepared]) -> Attempt {
        let mut body = Vec::with_capacity(batch.iter().map(|record| record.body.len() + 1).sum::<usize>() + 2);
        body.push(b'[');
        for (index, record) in batch.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&record.body);
        }
        body.push(b']');
        let request = self
            .client
            .post(&self.url)
            .header("DD-API-KEY", self.config.api_key.expose())
            .header("Content-Type", "application/json");
        match http::send(http::with_body(request, &body, self.config.gzip), |_| Attempt::Delivered) {
            // A refused batch is split by the deliverer; a single log refused as too large is
            // a limit the config should know about.
            Attempt::Reject { reason } if reason.starts_with("HTTP 413") && batch.len() == 1 => Attempt::Reject {
                reason: format!("{reason} (a single log over the intake's limit; lower max_entry_bytes)"),
            },
            answer => answer,
        }
    }
}
