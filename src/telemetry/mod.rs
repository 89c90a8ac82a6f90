//! Telemetry: Prometheus metrics ([`metrics`]) and the HTTP endpoints operators and
//! orchestrators poll ([`http`]): `/metrics`, `/healthz`, `/readyz`, `/state`; rate-limited
//! logging for events that can come in floods ([`limit`]).

pub mod http;
pub mod limit;
pub mod metrics;

pub use metrics::metrics;
