//! Telemetry: Prometheus metrics ([`metrics`]) and the HTTP endpoints operators and
//! orchestrators poll ([`http`]): `/metrics`, `/healthz`, `/readyz`, `/state`.

pub mod http;
pub mod metrics;

pub use metrics::metrics;
