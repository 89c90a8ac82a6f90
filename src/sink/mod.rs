//! Where verdicts go. [`kafka`] produces verdicts, audit events and DLQ copies with an
//! idempotent producer and reports every delivery back, so the pipeline only forgets a session
//! (and only advances past a DLQ record) once Kafka acknowledged it.

pub mod avro;
pub mod encode;
pub mod kafka;
pub mod size_guard;
