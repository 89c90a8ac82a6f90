//! The shared session store: Redis, so several instances in one consumer group can take over
//! each other's partitions after a rebalance.
//!
//! Keys (all under the configured prefix, by default `sightline:<group_id>`):
//! - `<prefix>:states:<partition>` — hash: session id → state JSON (listed on assignment)
//! - `<prefix>:chunks:<session id>` — hash: chunk index → chunk record
//! - `<prefix>:finalized:<session id>` — set with an expiry: the session was judged
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
}

impl SessionStore for RedisStore {
    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (sid, index, bytes) in &batch.chunks {
            pipe.hset(self.chunks_key(sid), index, bytes.as_slice()).ignore();
        }
        for state in &batch.states {
            let json =
                serde_json::to_vec(state).map_err(|source| StoreError::Corrupt { sid: state.sid.clone(), source })?;
            pipe.hset(self.states_key(state.partition), &state.sid, json).ignore();
        }
        self.call(|connection| pipe.query::<()>(connection))
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
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hdel(self.states_key(partition), sid)
            .ignore()
            .del(self.chunks_key(sid))
            .ignore()
            .set_ex(self.finalized_key(sid), 1, self.finalized_ttl_secs)
            .ignore();
        self.call(|connection| pipe.query::<()>(connection))
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
        super::super::contract::check_store(&mut store, "redis");
    }

    #[test]
    fn finalized_markers_expire() {
        let prefix = format!("sightline-test:{}", rand::random::<u64>());
        let mut store = RedisStore::open(&redis_url(), &prefix, 60).unwrap();
        store.finish(0, "s").unwrap();
        let ttl: i64 = store.call(|connection| connection.ttl(format!("{prefix}:finalized:s"))).unwrap();
        assert!((1..=60).contains(&ttl), "ttl {ttl}");
    }
}
