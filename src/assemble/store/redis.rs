//! The shared session store: Redis, so several instances in one consumer group can take over
//! each other's partitions after a rebalance.
//!
//! Keys (all under the configured prefix, by default `sightline:<group_id>`):
//! - `<prefix>:states:<partition>` — hash: session id → state JSON (listed on assignment)
//! - `<prefix>:chunks:<session id>` — hash: chunk index → chunk record
//! - `<prefix>:finalized:<session id>` — set with an expiry: the session was judged
//! - `<prefix>:owner:<partition>` — the token of the instance that claimed the partition last
//!
//! Fencing: every write and finish runs in `WATCH owner keys` / check / `MULTI … EXEC`, so it
//! applies only while this instance still owns the partitions it touches.
//!
//! Guarantee: a batch is one `MULTI`/`EXEC` transaction; `Ok` means Redis acknowledged it. How
//! durable an acknowledged write is depends on the server's persistence settings (AOF with
//! `appendfsync everysec` or better for production). A broken connection is reopened on the
//! next call; every call has a timeout.

use super::{SessionState, SessionStore, StoreError, WriteBatch};
use redis::{Client, Commands, Connection};
use std::time::Duration;

/// How long one Redis call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Redis.
pub struct RedisStore {
    client: Client,
    connection: Option<Connection>,
    prefix: String,
    finalized_ttl_secs: u64,
    /// This instance's ownership token (random per process).
    owner: String,
}

impl RedisStore {
    /// Connects to `url` (checked with a round trip).
    pub fn open(url: &str, prefix: &str, finalized_ttl_secs: u64) -> Result<Self, StoreError> {
        let client = Client::open(url)?;
        let mut store = RedisStore {
            client,
            connection: None,
            prefix: prefix.to_string(),
            finalized_ttl_secs: finalized_ttl_secs.max(1),
            owner: format!("{:016x}", rand::random::<u64>()),
        };
        store.check()?;
        Ok(store)
    }

    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.is_none() {
            let connection = self.client.get_connection_with_timeout(CALL_TIMEOUT)?;
            connection.set_read_timeout(Some(CALL_TIMEOUT))?;
            connection.set_write_timeout(Some(CALL_TIMEOUT))?;
            self.connection = Some(connection);
        }
        // Just set above when it was missing.
        self.connection.as_mut().ok_or_else(|| StoreError::Embedded("redis connection missing".into()))
    }

    /// Runs a call, dropping the connection on failure so the next call reconnects.
    fn call<T>(&mut self, call: impl FnOnce(&mut Connection) -> redis::RedisResult<T>) -> Result<T, StoreError> {
        let connection = self.connection()?;
        match call(connection) {
            Ok(value) => Ok(value),
            Err(error) => {
                self.connection = None;
                Err(error.into())
            }
        }
    }

    fn states_key(&self, partition: i32) -> String {
        format!("{}:states:{partition}", self.prefix)
    }
    fn chunks_key(&self, sid: &str) -> String {
        format!("{}:chunks:{sid}", self.prefix)
    }
    fn finalized_key(&self, sid: &str) -> String {
        format!("{}:finalized:{sid}", self.prefix)
    }
    fn owner_key(&self, partition: i32) -> String {
        format!("{}:owner:{partition}", self.prefix)
    }

    /// Runs `build`'s commands atomically if this instance owns every partition in `partitions`.
    fn fenced(&mut self, partitions: &[i32], build: impl Fn(&mut redis::Pipeline)) -> Result<(), StoreError> {
        let keys: Vec<String> = partitions.iter().map(|partition| self.owner_key(*partition)).collect();
        let owner = self.owner.clone();
        let outcome: Result<(), Vec<i32>> = self.call(|connection| {
            redis::transaction(connection, &keys, |connection, pipe| {
                let owners: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(connection)?;
                let fenced: Vec<i32> = partitions
                    .iter()
                    .zip(&owners)
                    .filter(|(_, found)| found.as_deref() != Some(owner.as_str()))
                    .map(|(partition, _)| *partition)
                    .collect();
                if !fenced.is_empty() {
                    redis::cmd("UNWATCH").exec(connection)?;
                    return Ok(Some(Err(fenced)));
                }
                build(pipe);
                let applied: Option<()> = pipe.query(connection)?;
                Ok(applied.map(Ok))
            })
        })?;
        outcome.map_err(|partitions| StoreError::Fenced { partitions })
    }
}

impl SessionStore for RedisStore {
    fn claim(&mut self, partition: i32) -> Result<(), StoreError> {
        let key = self.owner_key(partition);
        let owner = self.owner.clone();
        self.call(|connection| connection.set::<_, _, ()>(key, owner))
    }

    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        // Positions are the embedded store's business: Redis has only chunks and states to write.
        if batch.chunks.is_empty() && batch.states.is_empty() {
            return Ok(());
        }
        let mut states = Vec::with_capacity(batch.states.len());
        for state in &batch.states {
            let json =
                serde_json::to_vec(state).map_err(|source| StoreError::Corrupt { sid: state.sid.clone(), source })?;
            states.push((self.states_key(state.partition), state.sid.clone(), json));
        }
        let chunks: Vec<(String, u64, &[u8])> =
            batch.chunks.iter().map(|(sid, index, bytes)| (self.chunks_key(sid), *index, bytes.as_slice())).collect();
        let mut partitions: Vec<i32> = batch.states.iter().map(|state| state.partition).collect();
        partitions.sort_unstable();
        partitions.dedup();
        self.fenced(&partitions, |pipe| {
            for (key, index, bytes) in &chunks {
                pipe.hset(key, index, *bytes).ignore();
            }
            for (key, sid, json) in &states {
                pipe.hset(key, sid, json.as_slice()).ignore();
            }
        })
    }

    fn open_sessions(&mut self, partition: i32) -> Result<Vec<SessionState>, StoreError> {
        let key = self.states_key(partition);
        let entries: Vec<(String, Vec<u8>)> = self.call(|connection| connection.hgetall(key))?;
        entries
            .into_iter()
            .map(|(sid, json)| serde_json::from_slice(&json).map_err(|source| StoreError::Corrupt { sid, source }))
            .collect()
    }

    fn chunks(&mut self, sid: &str) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let key = self.chunks_key(sid);
        let entries: Vec<(u64, Vec<u8>)> = self.call(|connection| connection.hgetall(key))?;
        let mut entries = entries;
        entries.sort_by_key(|(index, _)| *index);
        Ok(entries)
    }

    fn finalized(&mut self, sids: &[&str]) -> Result<Vec<bool>, StoreError> {
        if sids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for sid in sids {
            pipe.exists(self.finalized_key(sid));
        }
        self.call(|connection| pipe.query::<Vec<bool>>(connection))
    }

    fn finish(&mut self, partition: i32, sid: &str) -> Result<(), StoreError> {
        self.finish_all(&[(partition, sid)])
    }

    fn finish_all(&mut self, sessions: &[(i32, &str)]) -> Result<(), StoreError> {
        if sessions.is_empty() {
            return Ok(());
        }
        let keys: Vec<(String, String, String, &str)> = sessions
            .iter()
            .map(|&(partition, sid)| (self.states_key(partition), self.chunks_key(sid), self.finalized_key(sid), sid))
            .collect();
        let mut partitions: Vec<i32> = sessions.iter().map(|(partition, _)| *partition).collect();
        partitions.sort_unstable();
        partitions.dedup();
        let ttl = self.finalized_ttl_secs;
        // One round trip (MULTI/EXEC, fenced) for all.
        self.fenced(&partitions, |pipe| {
            for (states, chunks, finalized, sid) in &keys {
                pipe.hdel(states, *sid).ignore().del(chunks).ignore().set_ex(finalized, 1, ttl).ignore();
            }
        })
    }

    fn purge_expired(&mut self) -> Result<usize, StoreError> {
        // Redis expires the finalized markers itself.
        Ok(0)
    }

    fn check(&mut self) -> Result<(), StoreError> {
        let key = format!("{}:check", self.prefix);
        self.call(|connection| {
            connection.set_ex::<_, _, ()>(&key, 1, 60)?;
            connection.get::<_, Option<i64>>(&key)
        })
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redis from `SIGHTLINE_TEST_REDIS` (set by `scripts/test.sh`), else the local default.
    fn redis_url() -> String {
        std::env::var("SIGHTLINE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_string())
    }

    #[test]
    fn meets_the_store_contract() {
        let prefix = format!("sightline-test:{}", rand::random::<u64>());
        let mut store = RedisStore::open(&redis_url(), &prefix, 60).unwrap_or_else(|error| {
            panic!("redis at {} (start it with scripts/services.sh start): {error}", redis_url())
        });
        store.claim(3).unwrap();
        store.claim(4).unwrap();
        super::super::contract::check_store(&mut store, "redis");
    }

    #[test]
    fn a_partition_claimed_by_another_instance_fences_this_one() {
        let prefix = format!("sightline-test:{}", rand::random::<u64>());
        let mut old_owner = RedisStore::open(&redis_url(), &prefix, 60).unwrap();
        let mut new_owner = RedisStore::open(&redis_url(), &prefix, 60).unwrap();
        old_owner.claim(7).unwrap();
        let batch = |sid: &str| WriteBatch {
            chunks: vec![(sid.to_string(), 0, b"x".to_vec())],
            states: vec![super::super::contract::state(sid, 7)],
            positions: Vec::new(),
        };
        old_owner.write(&batch("before")).unwrap();
        new_owner.claim(7).unwrap();
        match old_owner.write(&batch("after")) {
            Err(StoreError::Fenced { partitions }) => assert_eq!(partitions, vec![7]),
            other => panic!("expected fenced, got {other:?}"),
        }
        assert!(old_owner.chunks("after").unwrap().is_empty(), "a fenced write changes nothing");
        assert!(matches!(old_owner.finish(7, "before"), Err(StoreError::Fenced { .. })));
        new_owner.write(&batch("after")).unwrap();
        assert_eq!(new_owner.open_sessions(7).unwrap().len(), 2);
    }

    #[test]
    fn finalized_markers_expire() {
        let prefix = format!("sightline-test:{}", rand::random::<u64>());
        let mut store = RedisStore::open(&redis_url(), &prefix, 60).unwrap();
        store.claim(0).unwrap();
        store.finish(0, "s").unwrap();
        let ttl: i64 = store.call(|connection| connection.ttl(format!("{prefix}:finalized:s"))).unwrap();
        assert!((1..=60).contains(&ttl), "ttl {ttl}");
    }
}
