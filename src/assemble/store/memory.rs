//! An in-memory session store, for unit tests of the assembler and pipeline logic only: it
//! keeps nothing across restarts, so it cannot keep the pipeline's guarantee.

use super::{SessionState, SessionStore, StoreError, WriteBatch};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Everything in hash maps.
#[derive(Debug, Default)]
pub struct MemoryStore {
    chunks: HashMap<String, BTreeMap<u64, Vec<u8>>>,
    states: HashMap<(i32, String), SessionState>,
    finalized: HashSet<String>,
    /// Writes to fail before succeeding again (fault injection).
    pub fail_writes: usize,
}

impl SessionStore for MemoryStore {
    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        if self.fail_writes > 0 {
            self.fail_writes -= 1;
            return Err(StoreError::Embedded("injected write failure".into()));
        }
        for (sid, index, bytes) in &batch.chunks {
            self.chunks.entry(sid.clone()).or_default().insert(*index, bytes.clone());
        }
        for state in &batch.states {
            self.states.insert((state.partition, state.sid.clone()), state.clone());
        }
        Ok(())
    }

    fn open_sessions(&mut self, partition: i32) -> Result<Vec<SessionState>, StoreError> {
        Ok(self.states.iter().filter(|((owner, _), _)| *owner == partition).map(|(_, state)| state.clone()).collect())
    }

    fn chunks(&mut self, sid: &str) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        Ok(self
            .chunks
            .get(sid)
            .map(|chunks| chunks.iter().map(|(index, bytes)| (*index, bytes.clone())).collect())
            .unwrap_or_default())
    }

    fn finalized(&mut self, sids: &[&str]) -> Result<Vec<bool>, StoreError> {
        Ok(sids.iter().map(|sid| self.finalized.contains(*sid)).collect())
    }

    fn finish(&mut self, partition: i32, sid: &str) -> Result<(), StoreError> {
        self.chunks.remove(sid);
        self.states.remove(&(partition, sid.to_string()));
        self.finalized.insert(sid.to_string());
        Ok(())
    }

    fn purge_expired(&mut self) -> Result<usize, StoreError> {
        Ok(0)
    }

    fn check(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn meets_the_store_contract() {
        let mut store = super::MemoryStore::default();
        super::super::contract::check_store(&mut store, "memory");
    }
}
