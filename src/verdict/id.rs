//! Deterministic record ids: a name-based UUID (v5) of the session id, the record kind and the
//! analysis version, so every replay of a session yields the same ids and consumers can drop
//! duplicates.

use uuid::Uuid;

/// The namespace of Sightline's record ids (a fixed, random UUID).
const SIGHTLINE_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b8e_93a4_4d5f_b0c7_1e2d_3a4b_5c6d);

/// What kind of output record an id is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// The verdict on the risk topic.
    Verdict,
    /// The `session.summarized` audit event.
    SessionSummarized,
    /// A per-finding risk audit event; the number is the timeline index and finding position.
    Finding { timeline_index: usize, finding_index: usize },
}

/// The deterministic id of an output record.
pub fn record_id(session_id: &str, kind: RecordKind, analysis_version: &str) -> String {
    let kind = match kind {
        RecordKind::Verdict => "verdict".to_string(),
        RecordKind::SessionSummarized => "session.summarized".to_string(),
        RecordKind::Finding { timeline_index, finding_index } => format!("finding/{timeline_index}/{finding_index}"),
    };
    let name = format!("{session_id}\u{1f}{kind}\u{1f}{analysis_version}");
    Uuid::new_v5(&SIGHTLINE_NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let first = record_id("s1", RecordKind::Verdict, "v1");
        assert_eq!(first, record_id("s1", RecordKind::Verdict, "v1"));
        assert_ne!(first, record_id("s1", RecordKind::SessionSummarized, "v1"));
        assert_ne!(first, record_id("s1", RecordKind::Verdict, "v2"));
        assert_ne!(first, record_id("s2", RecordKind::Verdict, "v1"));
    }
}
