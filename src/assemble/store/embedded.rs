//! The embedded session store: a redb database on local disk (pure Rust, crash-safe with
//! copy-on-write B-trees and fsync at commit).
//!
//! Guarantee: a [`SessionStore::write`] is one redb write transaction committed with immediate
//! durability, so after `kill -9` either the whole batch is there or none of it. One process at a
//! time: redb locks the file, and the store is not shared between instances — use Redis for a
//! consumer group with several instances.

use super::{SessionState, SessionStore, StoreError, WriteBatch, now_ms};
use redb::{Database, ReadableTable, TableDefinition};
use std::path::Path;

/// Chunk records by (session id, chunk index).
const CHUNKS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("chunks");
/// Session states (JSON) by (partition, session id).
const STATES: TableDefinition<(i32, &str), &[u8]> = TableDefinition::new("states");
/// Finalized sessions: session id → when (Unix ms).
const FINALIZED: TableDefinition<&str, u64> = TableDefinition::new("finalized");
/// The same, ordered by time, so expiry is a range delete: (Unix ms, session id).
const FINALIZED_BY_TIME: TableDefinition<(u64, &str), ()> = TableDefinition::new("finalized_by_time");

/// How far input was read into this store: (topic, partition) → next offset.
const POSITIONS: TableDefinition<(&str, i32), i64> = TableDefinition::new("positions");

/// redb's page cache. Its default (1 GiB) let RSS grow with the backlog; chunks are read back
/// once, soon after they are written, so a small cache loses little.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// redb on local disk.
pub struct EmbeddedStore {
    database: Database,
    finalized_ttl_ms: u64,
}

fn embedded(error: impl std::fmt::Display) -> StoreError {
    StoreError::Embedded(error.to_string())
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `directory`.
    pub fn open(directory: &Path, finalized_ttl_secs: u64) -> Result<Self, StoreError> {
        std::fs::create_dir_all(directory)
            .map_err(|error| embedded(format!("cannot create {}: {error}", directory.display())))?;
        let path = directory.join("sessions.redb");
        let database = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|error| embedded(format!("{}: {error}", path.display())))?;
        // Create the tables up front so readers never meet a missing table.
        let transaction = database.begin_write().map_err(embedded)?;
        transaction.open_table(CHUNKS).map_err(embedded)?;
        transaction.open_table(STATES).map_err(embedded)?;
        transaction.open_table(FINALIZED).map_err(embedded)?;
        transaction.open_table(FINALIZED_BY_TIME).map_err(embedded)?;
        transaction.open_table(POSITIONS).map_err(embedded)?;
        transaction.commit().map_err(embedded)?;
        Ok(EmbeddedStore { database, finalized_ttl_ms: finalized_ttl_secs.saturating_mul(1000) })
    }
}

impl SessionStore for EmbeddedStore {
    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let transaction = self.database.begin_write().map_err(embedded)?;
        {
            let mut chunks = transaction.open_table(CHUNKS).map_err(embedded)?;
            for (sid, index, bytes) in &batch.chunks {
                chunks.insert((sid.as_str(), *index), bytes.as_slice()).map_err(embedded)?;
            }
            let mut states = transaction.open_table(STATES).map_err(embedded)?;
            for state in &batch.states {
                let json = serde_json::to_vec(state).map_err(embedded)?;
                states.insert((state.partition, state.sid.as_str()), json.as_slice()).map_err(embedded)?;
            }
            let mut positions = transaction.open_table(POSITIONS).map_err(embedded)?;
            for (topic, partition, next) in &batch.positions {
                let previous =
                    positions.get((topic.as_str(), *partition)).map_err(embedded)?.map(|found| found.value());
                if previous.is_none_or(|previous| previous < *next) {
                    positions.insert((topic.as_str(), *partition), *next).map_err(embedded)?;
                }
            }
        }
        transaction.commit().map_err(embedded)
    }

    fn position(&mut self, topic: &str, partition: i32) -> Result<Option<i64>, StoreError> {
        let transaction = self.database.begin_read().map_err(embedded)?;
        let positions = transaction.open_table(POSITIONS).map_err(embedded)?;
        Ok(positions.get((topic, partition)).map_err(embedded)?.map(|found| found.value()))
    }

    fn open_sessions(&mut self, partition: i32) -> Result<Vec<SessionState>, StoreError> {
        let transaction = self.database.begin_read().map_err(embedded)?;
        let states = transaction.open_table(STATES).map_err(embedded)?;
        let mut open = Vec::new();
        for entry in states.range((partition, "")..(partition.saturating_add(1), "")).map_err(embedded)? {
            let (key, value) = entry.map_err(embedded)?;
            if key.value().0 != partition {
                continue;
            }
            let state: SessionState = serde_json::from_slice(value.value())
                .map_err(|source| StoreError::Corrupt { sid: key.value().1.to_string(), source })?;
            open.push(state);
        }
        Ok(open)
    }

    fn chunks(&mut self, sid: &str) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let transaction = self.database.begin_read().map_err(embedded)?;
        let chunks = transaction.open_table(CHUNKS).map_err(embedded)?;
        let mut found = Vec::new();
        for entry in chunks.range((sid, 0u64)..=(sid, u64::MAX)).map_err(embedded)? {
            let (key, value) = entry.map_err(embedded)?;
            found.push((key.value().1, value.value().to_vec()));
        }
        Ok(found)
    }

    fn finalized(&mut self, sids: &[&str]) -> Result<Vec<bool>, StoreError> {
        let transaction = self.database.begin_read().map_err(embedded)?;
        let finalized = transaction.open_table(FINALIZED).map_err(embedded)?;
        sids.iter().map(|sid| Ok(finalized.get(*sid).map_err(embedded)?.is_some())).collect()
    }

    fn finish(&mut self, partition: i32, sid: &str) -> Result<(), StoreError> {
        self.finish_all(&[(partition, sid)])
    }

    fn finish_all(&mut self, sessions: &[(i32, &str)]) -> Result<(), StoreError> {
        if sessions.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        // One transaction (one fsync) for all: a commit per session capped the pipeline at
        // about one session per disk flush.
        let transaction = self.database.begin_write().map_err(embedded)?;
        {
            let mut chunks = transaction.open_table(CHUNKS).map_err(embedded)?;
            let mut states = transaction.open_table(STATES).map_err(embedded)?;
            let mut finalized = transaction.open_table(FINALIZED).map_err(embedded)?;
            let mut by_time = transaction.open_table(FINALIZED_BY_TIME).map_err(embedded)?;
            for &(partition, sid) in sessions {
                let indexes: Vec<u64> = chunks
                    .range((sid, 0u64)..=(sid, u64::MAX))
                    .map_err(embedded)?
                    .map(|entry| entry.map(|(key, _)| key.value().1).map_err(embedded))
                    .collect::<Result<_, _>>()?;
                for index in indexes {
                    chunks.remove((sid, index)).map_err(embedded)?;
                }
                states.remove((partition, sid)).map_err(embedded)?;
                let previous = finalized.insert(sid, now).map_err(embedded)?.map(|previous| previous.value());
                if let Some(previous) = previous {
                    by_time.remove((previous, sid)).map_err(embedded)?;
                }
                by_time.insert((now, sid), ()).map_err(embedded)?;
            }
        }
        transaction.commit().map_err(embedded)
    }

    fn purge_expired(&mut self) -> Result<usize, StoreError> {
        let cutoff = now_ms().saturating_sub(self.finalized_ttl_ms);
        let transaction = self.database.begin_write().map_err(embedded)?;
        let expired: Vec<(u64, String)>;
        {
            let mut by_time = transaction.open_table(FINALIZED_BY_TIME).map_err(embedded)?;
            expired = by_time
                .range((0u64, "")..(cutoff, ""))
                .map_err(embedded)?
                .map(|entry| entry.map(|(key, _)| (key.value().0, key.value().1.to_string())).map_err(embedded))
                .collect::<Result<_, _>>()?;
            let mut finalized = transaction.open_table(FINALIZED).map_err(embedded)?;
            for (at, sid) in &expired {
                by_time.remove((*at, sid.as_str())).map_err(embedded)?;
                finalized.remove(sid.as_str()).map_err(embedded)?;
            }
        }
        transaction.commit().map_err(embedded)?;
        Ok(expired.len())
    }

    fn check(&mut self) -> Result<(), StoreError> {
        let transaction = self.database.begin_write().map_err(embedded)?;
        transaction.open_table(STATES).map_err(embedded)?;
        transaction.commit().map_err(embedded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meets_the_store_contract() {
        let directory = tempfile::tempdir().unwrap();
        let mut store = EmbeddedStore::open(directory.path(), 60).unwrap();
        super::super::contract::check_store(&mut store, "embedded");
    }

    #[test]
    fn survives_reopening() {
        let directory = tempfile::tempdir().unwrap();
        {
            let mut store = EmbeddedStore::open(directory.path(), 60).unwrap();
            let batch = WriteBatch {
                chunks: vec![("s".into(), 0, b"x".to_vec())],
                states: vec![super::super::contract::state("s", 1)],
                positions: Vec::new(),
            };
            store.write(&batch).unwrap();
        }
        let mut store = EmbeddedStore::open(directory.path(), 60).unwrap();
        assert_eq!(store.open_sessions(1).unwrap().len(), 1);
        assert_eq!(store.chunks("s").unwrap().len(), 1);
    }

    #[test]
    fn positions_only_move_forward() {
        let directory = tempfile::tempdir().unwrap();
        let mut store = EmbeddedStore::open(directory.path(), 60).unwrap();
        assert_eq!(store.position("chunks", 0).unwrap(), None);
        let batch = |next| WriteBatch { positions: vec![("chunks".into(), 0, next)], ..WriteBatch::default() };
        store.write(&batch(10)).unwrap();
        store.write(&batch(7)).unwrap();
        assert_eq!(store.position("chunks", 0).unwrap(), Some(10));
        assert_eq!(store.position("chunks", 1).unwrap(), None);
    }

    #[test]
    fn finalized_ids_expire_after_the_ttl() {
        let directory = tempfile::tempdir().unwrap();
        let mut store = EmbeddedStore::open(directory.path(), 0).unwrap();
        store.finish(0, "old").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(store.purge_expired().unwrap(), 1);
        assert_eq!(store.finalized(&["old"]).unwrap(), vec![false]);
    }
}
