//! Shared domain types: what a recorded session is and what Sightline says about it.
//!
//! Every stage of the pipeline imports this module; it imports nothing else of ours, so the
//! types here are the contract between stages:
//!
//! - [`kind`]: the session kinds `ssh`, `k8s`, `db`, named as Teleport names them.
//! - [`recording`]: the events a recording holds, in Teleport's audit-event JSON shape, decoded
//!   leniently (unknown event types are kept as [`EventBody::Other`], never an error).
//! - [`session`]: one session's events and the metadata gathered from them.
//! - [`chunk`]: the Kafka input records (recording chunk, session end).
//! - [`enums`] and [`verdict`]: the verdict, mirroring Teleport's `Summary` / `EnhancedSummary` /
//!   `SessionEvent` with the same snake_case field names and upper-case enum names.
//! - [`duration`]: protobuf-JSON duration strings (`"12.500s"`).

pub mod chunk;
pub mod duration;
pub mod enums;
pub mod kind;
mod lenient;
pub mod recording;
mod recording_json;
pub mod session;
pub mod verdict;

pub use chunk::{ChunkHeader, RecordingChunk, SessionEndRecord};
pub use duration::ProtoDuration;
pub use enums::{CommandCategory, NeedsReviewReason, RiskLevel, SummaryState, ThreatCategory};
pub use kind::SessionKind;
pub use recording::{EventBody, RecordingEvent, RecordingEventError};
pub use session::{CaptureStatus, Session, SessionMetadata};
pub use verdict::{
    CommandEventDetails, EnhancedSummary, ExecutedProgram, Finding, FindingSource, RiskScoreReason, TimelineEntry,
    TimelineSource, Usage, Verdict,
};
