//! Where open sessions live until they are judged: their chunks and their assembly state.
//!
//! Guarantee: when [`SessionStore::write`] returns `Ok`, the batch is durable (fsynced to disk
//! for the embedded store, acknowledged by the server for Redis) and atomic — all of it or none.
//! That is what lets the pipeline commit the Kafka offsets of the records in the batch.
//!
//! Backends: [`embedded::EmbeddedStore`] (redb on local disk; the default, one instance) and
//! [`redis::RedisStore`] (several instances in one consumer group, so any instance can take over
//! any partition after a rebalance). [`memory::MemoryStore`] is for unit tests only.

pub mod embedded;
pub mod memory;
pub mod redis;

use crate::model::SessionKind;
use serde::{Deserialize, Serialize};

/// One open session's assembly state, as persisted (and kept in memory while its partition is
/// assigned). Small on purpose: the chunks themselves stay in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// The session id.
    pub sid: String,
    /// The input partition the session's records arrive on.
    pub partition: i32,
    /// The session kind, once a record stated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SessionKind>,
    /// Chunk indexes that arrived, sorted, without repeats (including chunks not stored because
    /// the session was over its size limit).
    #[serde(default)]
    pub chunks: Vec<u64>,
    /// Bytes of chunk records stored.
    #[serde(default)]
    pub bytes: u64,
    /// Set when a chunk was not stored because of the size limit.
    #[serde(default)]
    pub too_large: bool,
    /// When the first record arrived (Unix ms).
    pub first_seen_ms: u64,
    /// When the last record arrived (Unix ms).
    pub last_activity_ms: u64,
    /// The end record, once it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<EndState>,
}

/// A session's end record as the assembler keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndState {
    /// The end record as JSON (Avro input is converted).
    pub record: String,
    /// How many chunks the end record announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_count: Option<u64>,
    /// When the end record arrived (Unix ms).
    pub seen_at_ms: u64,
}

/// Writes that become durable together.
#[derive(Debug, Default)]
pub struct WriteBatch {
    /// Chunk records to store: (session id, chunk index, JSON bytes).
    pub chunks: Vec<(String, u64, Vec<u8>)>,
    /// Session states to store (the latest for each session).
    pub states: Vec<SessionState>,
    /// How far input has been read into this store: (topic, partition, next offset). Only the
    /// embedded store keeps them, to notice another instance writing elsewhere.
    pub positions: Vec<(String, i32, i64)>,
}

impl WriteBatch {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.states.is_empty() && self.positions.is_empty()
    }
}

/// A store operation failed. All failures are worth retrying: the store may come back.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The embedded database failed.
    #[error("embedded store: {0}")]
    Embedded(String),
    /// Redis failed or is unreachable.
    #[error("redis store: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// Another instance claimed these partitions: this instance must stop writing for them.
    #[error("partitions {partitions:?} were claimed by another instance")]
    Fenced { partitions: Vec<i32> },
    /// A stored value could not be read back.
    #[error("stored session state of {sid} is unreadable: {source}")]
    Corrupt {
        sid: String,
        #[source]
        source: serde_json::Error,
    },
}

/// A session store backend. Used from one thread at a time (`&mut self`).
///
/// Ownership: a shared backend fences writers. [`SessionStore::claim`] makes this instance the
/// partition's only writer; a write or finish touching a partition claimed since by another
/// instance fails with [`StoreError::Fenced`] and changes nothing, so a member that lost a
/// partition (a zombie, or a broker that assigned it twice) can never overwrite the new owner's
/// state.
pub trait SessionStore: Send {
    /// Makes this instance the writer of `partition` (shared backends; a no-op otherwise).
    fn claim(&mut self, _partition: i32) -> Result<(), StoreError> {
        Ok(())
    }
    /// How far this store has read `topic`/`partition` (next offset), when it keeps track
    /// (the embedded store; a shared store returns `None`, having nothing to compare).
    fn position(&mut self, _topic: &str, _partition: i32) -> Result<Option<i64>, StoreError> {
        Ok(None)
    }
    /// Durably and atomically applies a batch.
    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError>;
    /// The open sessions of an input partition, to resume after an assignment or a restart.
    fn open_sessions(&mut self, partition: i32) -> Result<Vec<SessionState>, StoreError>;
    /// A session's stored chunk records, by chunk index.
    fn chunks(&mut self, sid: &str) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
    /// For each session id, whether it was finalized (within the remembered period).
    fn finalized(&mut self, sids: &[&str]) -> Result<Vec<bool>, StoreError>;
    /// Marks a session finalized: drops its chunks and state, remembers its id for the TTL.
    fn finish(&mut self, partition: i32, sid: &str) -> Result<(), StoreError>;
    /// [`SessionStore::finish`] for several sessions at once (one transaction where the
    /// backend has them: all or none).
    fn finish_all(&mut self, sessions: &[(i32, &str)]) -> Result<(), StoreError> {
        for (partition, sid) in sessions {
            self.finish(*partition, sid)?;
        }
        Ok(())
    }
    /// Forgets finalized ids older than the TTL, where the backend does not expire them itself.
    fn purge_expired(&mut self) -> Result<usize, StoreError>;
    /// A cheap write and read that proves the store works (for readiness and startup).
    fn check(&mut self) -> Result<(), StoreError>;
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod contract {
    //! The behaviour every backend must have, run against each.
    use super::*;

    pub fn state(sid: &str, partition: i32) -> SessionState {
        SessionState {
            sid: sid.to_string(),
            partition,
            kind: Some(SessionKind::Ssh),
            chunks: vec![0, 1],
            bytes: 10,
            too_large: false,
            first_seen_ms: 1,
            last_activity_ms: 2,
            end: None,
        }
    }

    pub fn check_store(store: &mut dyn SessionStore, prefix: &str) {
        let sid_a = format!("{prefix}-a");
        let sid_b = format!("{prefix}-b");
        store.check().unwrap();
        let batch = WriteBatch {
            chunks: vec![
                (sid_a.clone(), 1, b"one".to_vec()),
                (sid_a.clone(), 0, b"zero".to_vec()),
                (sid_a.clone(), 10, b"ten".to_vec()),
                (sid_b.clone(), 0, b"b0".to_vec()),
            ],
            states: vec![state(&sid_a, 3), state(&sid_b, 4)],
            positions: Vec::new(),
        };
        store.write(&batch).unwrap();
        let chunks = store.chunks(&sid_a).unwrap();
        let indexes: Vec<u64> = chunks.iter().map(|(index, _)| *index).collect();
        assert_eq!(indexes, vec![0, 1, 10], "chunks come back in index order");
        assert_eq!(chunks[0].1, b"zero");
        let open = store.open_sessions(3).unwrap();
        assert!(open.iter().any(|open| open.sid == sid_a));
        assert!(!open.iter().any(|open| open.sid == sid_b), "other partitions are not listed");
        assert_eq!(store.finalized(&[&sid_a, &sid_b]).unwrap(), vec![false, false]);
        store.finish(3, &sid_a).unwrap();
        assert_eq!(store.finalized(&[&sid_a, &sid_b]).unwrap(), vec![true, false]);
        assert!(store.chunks(&sid_a).unwrap().is_empty());
        assert!(!store.open_sessions(3).unwrap().iter().any(|open| open.sid == sid_a));
        assert_eq!(store.chunks(&sid_b).unwrap().len(), 1, "finishing one session leaves the others");
        store.finish(4, &sid_b).unwrap();
    }
}
