//! Sightline: turns recorded SSH, Kubernetes and database sessions into a summary, a risk
//! level, a timeline of commands mapped to MITRE ATT&CK, and audit events.
//!
//! # Layout
//!
//! The modules follow the data flow in `design.md`:
//!
//! - [`model`]: shared domain types — session kinds, recorded events, sessions, the Kafka input
//!   records and the verdict. Imports nothing else of ours.
//! - [`source`]: where sessions come from; [`source::files`] reads recording files (JSON lines,
//!   `tsh play --format json` arrays, asciicast); [`source::kafka`] decodes Kafka input records
//!   and owns the commit rule.
//! - [`assemble`]: the session assembler and the session stores (embedded redb, Redis).
//! - [`analyze`]: the deterministic analysis — terminal reconstruction
//!   ([`analyze::terminal`]), the timeline ([`analyze::timeline`]) and the [`analyze::Detector`]
//!   seam where rules judge it.
//! - [`eval`]: scores verdicts against a labelled corpus (`sightline eval`).
//! - [`verdict`]: turns an analysis into the verdict with a deterministic id, plain-words
//!   descriptions, the text report and the audit events.
//! - [`sink`]: the Kafka producer for verdicts, audit events and DLQ copies; Avro output.
//! - [`pipeline`]: `sightline run`, wiring source → assemble → analyze → verdict → sink with
//!   the at-least-once guarantee; [`config`] is its configuration file.
//! - [`replay`]: recording files as Kafka input records (`sightline replay`).
//!
//! Stages talk through plain function calls with owned values; a stage knows the types of the
//! stage before it, never the one after.

pub mod analyze;
pub mod assemble;
pub mod classify;
pub mod config;
pub mod eval;
pub mod model;
pub mod pipeline;
pub mod replay;
pub mod report;
pub mod sink;
pub mod source;
pub mod telemetry;
pub mod verdict;
