//! The HTTP endpoints: `/metrics` (Prometheus text format), `/healthz` (the process answers),
//! `/readyz` (partitions assigned, broker reachable, store writable), `/state` (JSON snapshot:
//! assigned partitions, positions, committed offsets, open sessions, per-model circuit state).
//!
//! A small blocking server on its own thread; the pipeline refreshes the snapshot about once a
//! second, so a slow scrape never touches the consumer's thread.

use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One input partition as `/state` shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionState {
    pub topic: String,
    pub partition: i32,
    /// The next offset librdkafka will fetch.
    pub position: Option<i64>,
    /// The last offset committed (the next to read after a restart).
    pub committed: Option<i64>,
    /// Records read and not yet durable.
    pub in_flight: usize,
}

/// A model's circuit breaker as `/state` shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelState {
    pub provider: String,
    pub model: String,
    /// `closed`, `half_open` or `open`.
    pub circuit: String,
}

/// What `/state` and `/readyz` report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// Partition numbers this instance owns.
    pub assigned_partitions: Vec<i32>,
    /// Per topic and partition: position, committed offset, records in flight.
    pub partitions: Vec<PartitionState>,
    pub open_sessions: usize,
    pub sessions_in_flight: usize,
    pub rebalances: u64,
    pub verdicts: u64,
    pub dlq_records: u64,
    pub broker_reachable: bool,
    pub store_writable: bool,
    /// Partitions stopped after a permanent output failure.
    pub stopped_partitions: Vec<i32>,
    /// Inference models and their circuit state (empty when no model is configured).
    pub models: Vec<ModelState>,
}

impl Snapshot {
    /// Ready: partitions assigned, broker reachable, store writable.
    pub fn is_ready(&self) -> bool {
        !self.assigned_partitions.is_empty() && self.broker_reachable && self.store_writable
    }
}

/// The snapshot the pipeline updates and the server reads.
#[derive(Debug, Default)]
pub struct Health {
    snapshot: Mutex<Snapshot>,
}

impl Health {
    /// Replaces the snapshot.
    pub fn update(&self, snapshot: Snapshot) {
        if let Ok(mut current) = self.snapshot.lock() {
            *current = snapshot;
        }
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.lock().map(|snapshot| snapshot.clone()).unwrap_or_default()
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address} for /metrics and health (telemetry.listen): {message}")]
pub struct ServeError {
    address: String,
    message: String,
}

/// Starts the server on `address` (port 0 picks a free one); returns the bound address.
pub fn serve(address: &str, health: Arc<Health>) -> Result<SocketAddr, ServeError> {
    let server = tiny_http::Server::http(address)
        .map_err(|error| ServeError { address: address.to_string(), message: error.to_string() })?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| ServeError { address: address.to_string(), message: "not an IP address".into() })?;
    std::thread::Builder::new()
        .name("sightline-http".into())
        .spawn(move || {
            for request in server.incoming_requests() {
                respond(request, &health);
            }
        })
        .map_err(|error| ServeError { address: address.to_string(), message: error.to_string() })?;
    Ok(bound)
}

fn respond(request: tiny_http::Request, health: &Health) {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let (status, content_type, body) = match (request.method(), path.as_str()) {
        (tiny_http::Method::Get, "/metrics") => (200, "text/plain; version=0.0.4", super::metrics::render()),
        (tiny_http::Method::Get, "/healthz") => (200, "text/plain", "ok\n".to_string()),
        (tiny_http::Method::Get, "/readyz") => {
            let snapshot = health.snapshot();
            let body = serde_json::json!({
                "ready": snapshot.is_ready(),
                "assigned_partitions": snapshot.assigned_partitions.len(),
                "broker_reachable": snapshot.broker_reachable,
                "store_writable": snapshot.store_writable,
            });
            (if snapshot.is_ready() { 200 } else { 503 }, "application/json", body.to_string())
        }
        (tiny_http::Method::Get, "/state") => {
            (200, "application/json", serde_json::to_string(&health.snapshot()).unwrap_or_default())
        }
        _ => (404, "text/plain", "not found\n".to_string()),
    };
    let header = tiny_http::Header::from_bytes("Content-Type", content_type).ok();
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
    if let Some(header) = header {
        response = response.with_header(header);
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(address: SocketAddr, path: &str) -> (u16, String) {
        let response = reqwest::blocking::get(format!("http://{address}{path}")).unwrap();
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    }

    #[test]
    fn endpoints_answer() {
        let health = Arc::new(Health::default());
        let address = serve("127.0.0.1:0", health.clone()).unwrap();
        assert_eq!(get(address, "/healthz").0, 200);
        assert_eq!(get(address, "/readyz").0, 503, "nothing assigned yet");
        health.update(Snapshot {
            assigned_partitions: vec![0],
            broker_reachable: true,
            store_writable: true,
            ..Snapshot::default()
        });
        assert_eq!(get(address, "/readyz").0, 200);
        let (status, state) = get(address, "/state");
        assert_eq!(status, 200);
        let state: serde_json::Value = serde_json::from_str(&state).unwrap();
        assert_eq!(state["assigned_partitions"], serde_json::json!([0]));
        let (status, metrics) = get(address, "/metrics");
        assert_eq!(status, 200);
        assert!(metrics.contains("sightline_build_info"), "{metrics}");
        assert_eq!(get(address, "/nope").0, 404);
    }
}
