//! Where verdicts go. [`kafka`] produces verdicts, audit events and DLQ copies with an
//! idempotent producer and reports every delivery back, so the pipeline only forgets a session
//! (and only advances past a DLQ record) once Kafka acknowledged it.
//!
//! The direct sinks ([`splunk_hec`], [`datadog`], [`pagerduty`], [`webhook`]) are fed by
//! [`forward`]: each reads the verdict topic in its own consumer group, routes ([`route`]),
//! encodes and trims ([`encode`], [`size_guard`]) and delivers with retries ([`deliver`],
//! [`http`]), dead-lettering what a receiver refuses for good.

pub mod avro;
pub mod config;
pub mod datadog;
pub mod deliver;
pub mod encode;
pub mod forward;
pub mod http;
pub mod kafka;
pub mod pagerduty;
pub mod route;
pub mod size_guard;
pub mod splunk_hec;
pub mod webhook;
