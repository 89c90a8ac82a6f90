//! Sessions new to this instance are held in memory for a few seconds before their chunks go
//! to the store: a session whose records all arrive within that window (recordings uploaded when
//! the session ends come as a burst of chunks and the end record) is judged straight from
//! memory and never touches the store. The offsets of a held session's records are marked done
//! when its verdict is delivered, instead of when a store write is durable.
//!
//! Why: writing a small session's chunks to the store, reading them back to judge it and
//! deleting them once delivered was about a fifth of the pipeline's CPU on small sessions
//! (redb's B-tree inserts, page checksums and writes).
//!
//! Guarantees (the at-least-once rule of `design.md`: an offset is committed once what it fed is
//! in the store or reflected in acknowledged output):
//! - A held session's state and chunks are never in the store while it is held, and its records'
//!   offsets are not done: after a crash or a rebalance its records are read again and the
//!   session is assembled again. A replay cannot find chunks marked as seen but missing.
//! - A held session is spilled to the store `timeouts.hold_ms` (default 5 s) after it was first
//!   seen unless finished by then: its chunks and current state are written, and its offsets are
//!   done with that write. So commits lag by at most about `hold_ms`, whatever the output does.
//! - Memory is bounded: a new session whose chunks would take the held bytes past
//!   `limits.held_bytes` (default 64 MiB; 0 holds nothing) takes the store path at once, and
//!   when held sessions grow past it the newest are spilled with the same batch (the oldest are
//!   the next to be judged).

use crate::assemble::{SessionAssembler, WriteBatch};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// A record's offset: (topic, partition, offset).
pub(super) type OffsetKey = (String, i32, i64);

/// A held session's chunk records and the offsets of its records.
#[derive(Debug)]
struct HeldSession {
    partition: i32,
    since_ms: u64,
    bytes: u64,
    chunks: Vec<(u64, Vec<u8>)>,
    offsets: Vec<OffsetKey>,
}

/// Sessions held in memory, by session id.
#[derive(Debug)]
pub(super) struct HeldSessions {
    /// Bytes of chunk records held, at most (`limits.held_bytes`).
    max_bytes: u64,
    /// How long a session is held before it is spilled (`timeouts.hold_ms`).
    hold_ms: u64,
    sessions: HashMap<String, HeldSession>,
    /// When each session was first held, oldest first (entries of sessions no longer held are
    /// skipped when they come up).
    order: VecDeque<(u64, String)>,
    bytes: u64,
}

impl HeldSessions {
    pub(super) fn new(max_bytes: u64, hold_ms: u64) -> Self {
        HeldSessions { max_bytes, hold_ms, sessions: HashMap::new(), order: VecDeque::new(), bytes: 0 }
    }

    /// After a batch went through the assembler: takes out of `batch` (chunks, states) and
    /// `durable` (offsets; each paired with its record's session id) what belongs to held
    /// sessions and to sessions `new` in this batch, which are held from now on while memory
    /// allows.
    pub(super) fn take(
        &mut self,
        new: &[String],
        assembler: &SessionAssembler,
        now_ms: u64,
        batch: &mut WriteBatch,
        durable: &mut Vec<(OffsetKey, String)>,
    ) {
        // Bytes the batch brings to sessions held from now on (all their chunks are in it).
        let mut reserved = 0;
        for sid in new {
            // Sessions the batch opened (not records ignored as finalized).
            let Some(state) = assembler.state(sid) else { continue };
            let fits = self.max_bytes > 0 && self.bytes + reserved + state.bytes <= self.max_bytes;
            if !fits || self.sessions.contains_key(sid) {
                continue;
            }
            reserved += state.bytes;
            let partition = state.partition;
            let session =
                HeldSession { partition, since_ms: now_ms, bytes: 0, chunks: Vec::new(), offsets: Vec::new() };
            self.sessions.insert(sid.clone(), session);
            self.order.push_back((now_ms, sid.clone()));
        }
        if self.sessions.is_empty() {
            return;
        }
        for (sid, index, bytes) in std::mem::take(&mut batch.chunks) {
            match self.sessions.get_mut(&sid) {
                Some(session) => {
                    session.bytes += bytes.len() as u64;
                    self.bytes += bytes.len() as u64;
                    session.chunks.push((index, bytes));
                }
                None => batch.chunks.push((sid, index, bytes)),
            }
        }
        batch.states.retain(|state| !self.sessions.contains_key(&state.sid));
        for (key, sid) in std::mem::take(durable) {
            match self.sessions.get_mut(&sid) {
                Some(session) => session.offsets.push(key),
                None => durable.push((key, sid)),
            }
        }
    }

    /// Moves sessions held since before `now_ms - hold_ms`, and the newest while more than
    /// `max_bytes` are held, to the store: their chunks and current state into `batch`,
    /// their offsets into `durable` (done once `batch` is durable).
    pub(super) fn spill(
        &mut self,
        assembler: &SessionAssembler,
        now_ms: u64,
        batch: &mut WriteBatch,
        durable: &mut Vec<OffsetKey>,
    ) {
        if self.sessions.is_empty() {
            // Only entries of sessions finished before their hold time are left.
            self.order.clear();
            return;
        }
        // Past their hold time: the oldest first.
        while let Some((since_ms, _)) = self.order.front() {
            if now_ms < since_ms.saturating_add(self.hold_ms) {
                break;
            }
            if let Some((since_ms, sid)) = self.order.pop_front() {
                self.spill_one(&sid, since_ms, assembler, batch, durable);
            }
        }
        // Over the memory bound: the newest first, which wait longest for their verdicts (the
        // oldest are the ones being judged now when analysis has a backlog).
        while self.bytes > self.max_bytes {
            let Some((since_ms, sid)) = self.order.pop_back() else { break };
            self.spill_one(&sid, since_ms, assembler, batch, durable);
        }
    }

    /// Spills one session (its `order` entry is `since_ms`; an entry of a session no longer
    /// held, or held again since, is skipped).
    fn spill_one(
        &mut self,
        sid: &str,
        since_ms: u64,
        assembler: &SessionAssembler,
        batch: &mut WriteBatch,
        durable: &mut Vec<OffsetKey>,
    ) {
        if self.sessions.get(sid).is_none_or(|session| session.since_ms != since_ms) {
            return;
        }
        let Some(session) = self.sessions.remove(sid) else { return };
        self.bytes -= session.bytes;
        if let Some(state) = assembler.state(sid) {
            batch.states.push(state.clone());
        }
        batch.chunks.extend(session.chunks.into_iter().map(|(index, bytes)| (sid.to_string(), index, bytes)));
        durable.extend(session.offsets);
    }

    /// A held session's chunk records (`None` when it is in the store).
    pub(super) fn chunks(&self, sid: &str) -> Option<Vec<(u64, Vec<u8>)>> {
        self.sessions.get(sid).map(|session| session.chunks.clone())
    }

    /// The session is finished (delivered and recorded as finalized): the offsets of its
    /// records, now done.
    pub(super) fn finished(&mut self, sid: &str) -> Vec<OffsetKey> {
        match self.sessions.remove(sid) {
            Some(session) => {
                crate::telemetry::metrics().sessions_direct.inc();
                self.bytes -= session.bytes;
                session.offsets
            }
            None => Vec::new(),
        }
    }

    /// Forgets the sessions of revoked partitions (the owner reads their records again).
    pub(super) fn forget_partitions(&mut self, partitions: &BTreeSet<i32>) {
        let bytes = &mut self.bytes;
        self.sessions.retain(|_, session| {
            let keep = !partitions.contains(&session.partition);
            if !keep {
                *bytes -= session.bytes;
            }
            keep
        });
    }

    /// Whether any session is held.
    pub(super) fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assemble::AssemblerLimits;
    use crate::model::ChunkHeader;

    const MAX_HELD_BYTES: u64 = 64 * 1024 * 1024;
    const HOLD_MS: u64 = 5_000;

    fn assembler() -> SessionAssembler {
        SessionAssembler::new(AssemblerLimits {
            max_session_bytes: 1 << 30,
            end_grace_ms: 1_000,
            idle_timeout_ms: 10_000,
            remembered_finalized: 100,
        })
    }

    /// Feeds a chunk of `size` bytes at `offset` of partition `partition` as the pipeline does.
    fn chunk(
        assembler: &mut SessionAssembler,
        batch: &mut WriteBatch,
        durable: &mut Vec<(OffsetKey, String)>,
        (sid, index, size): (&str, u64, usize),
        (partition, offset): (i32, i64),
    ) {
        let header = ChunkHeader { session_id: sid.to_string(), chunk_index: index, kind: None, events: 1 };
        assembler.add_chunk(partition, &header, vec![b'x'; size], 0, batch);
        durable.push((("chunks".to_string(), partition, offset), sid.to_string()));
    }

    #[test]
    fn new_sessions_are_held_and_old_ones_go_to_the_store() {
        let mut assembler = assembler();
        let (mut batch, mut durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut batch, &mut durable, ("old", 0, 10), (0, 1));
        let mut held = HeldSessions::new(MAX_HELD_BYTES, HOLD_MS);
        // "old" was open before this batch: it stays in the batch.
        let (mut next, mut next_durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut next, &mut next_durable, ("old", 1, 10), (0, 2));
        chunk(&mut assembler, &mut next, &mut next_durable, ("new", 0, 100), (1, 3));
        chunk(&mut assembler, &mut next, &mut next_durable, ("new", 1, 100), (1, 4));
        held.take(&["new".to_string()], &assembler, 0, &mut next, &mut next_durable);
        assert_eq!(next.chunks.iter().map(|(sid, index, _)| (sid.as_str(), *index)).collect::<Vec<_>>(), [("old", 1)]);
        assert!(next.states.iter().all(|state| state.sid == "old"));
        assert_eq!(next_durable, [(("chunks".to_string(), 0, 2), "old".to_string())]);
        assert_eq!(held.chunks("new").unwrap().iter().map(|(index, _)| *index).collect::<Vec<_>>(), [0, 1]);
        assert!(held.chunks("old").is_none());
        assert_eq!(held.bytes, 200);

        // A later batch adds to the held session: it stays held, offsets and all.
        let (mut later, mut later_durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut later, &mut later_durable, ("new", 2, 50), (1, 5));
        held.take(&[], &assembler, 10, &mut later, &mut later_durable);
        assert!(later.chunks.is_empty() && later.states.is_empty() && later_durable.is_empty());

        // Finished: its offsets are done, its memory freed.
        let offsets = held.finished("new");
        assert_eq!(offsets.iter().map(|(_, _, offset)| *offset).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(held.bytes, 0);
        assert!(held.is_empty() && held.finished("new").is_empty());
    }

    #[test]
    fn a_session_held_past_its_time_is_spilled_with_its_current_state() {
        let mut assembler = assembler();
        let mut held = HeldSessions::new(MAX_HELD_BYTES, HOLD_MS);
        let (mut batch, mut durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut batch, &mut durable, ("s", 0, 10), (0, 7));
        chunk(&mut assembler, &mut batch, &mut durable, ("s", 1, 10), (0, 8));
        held.take(&["s".to_string()], &assembler, 1_000, &mut batch, &mut durable);
        let mut spilled = (WriteBatch::default(), Vec::new());
        held.spill(&assembler, 1_000 + HOLD_MS - 1, &mut spilled.0, &mut spilled.1);
        assert!(spilled.0.is_empty() && spilled.1.is_empty(), "spilled before its time");
        held.spill(&assembler, 1_000 + HOLD_MS, &mut spilled.0, &mut spilled.1);
        assert_eq!(
            spilled.0.chunks.iter().map(|(sid, index, _)| (sid.as_str(), *index)).collect::<Vec<_>>(),
            [("s", 0), ("s", 1)]
        );
        assert_eq!(spilled.0.states, vec![assembler.state("s").unwrap().clone()]);
        assert_eq!(spilled.0.states[0].chunks, [0, 1]);
        assert_eq!(spilled.1.iter().map(|(_, _, offset)| *offset).collect::<Vec<_>>(), [7, 8]);
        assert!(held.is_empty() && held.chunks("s").is_none() && held.bytes == 0);
        // Finished after the spill: its offsets were done with the spill.
        assert!(held.finished("s").is_empty());
    }

    #[test]
    fn memory_is_bounded() {
        let mut assembler = assembler();
        let mut held = HeldSessions::new(MAX_HELD_BYTES, HOLD_MS);
        let big = (MAX_HELD_BYTES / 2) as usize;
        let (mut batch, mut durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut batch, &mut durable, ("a", 0, big), (0, 1));
        chunk(&mut assembler, &mut batch, &mut durable, ("b", 0, big), (0, 2));
        chunk(&mut assembler, &mut batch, &mut durable, ("c", 0, 10), (0, 3));
        let new = ["a", "b", "c"].map(str::to_string);
        held.take(&new, &assembler, 0, &mut batch, &mut durable);
        // "c" does not fit after "a" and "b": it takes the store path.
        assert!(held.chunks("a").is_some() && held.chunks("b").is_some() && held.chunks("c").is_none());
        assert_eq!(batch.chunks.len(), 1);
        // A held session growing past the bound spills the newest with the same batch.
        let (mut later, mut later_durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut later, &mut later_durable, ("a", 1, 100), (0, 4));
        held.take(&[], &assembler, 1, &mut later, &mut later_durable);
        let mut offsets: Vec<OffsetKey> = later_durable.into_iter().map(|(key, _)| key).collect();
        held.spill(&assembler, 1, &mut later, &mut offsets);
        assert!(held.chunks("a").is_some() && held.chunks("b").is_none());
        assert_eq!(offsets.iter().map(|(_, _, offset)| *offset).collect::<Vec<_>>(), [2]);
        assert_eq!(later.chunks.iter().map(|(sid, index, _)| (sid.as_str(), *index)).collect::<Vec<_>>(), [("b", 0)]);
        assert!(held.bytes <= MAX_HELD_BYTES);
    }

    #[test]
    fn revoked_partitions_are_forgotten() {
        let mut assembler = assembler();
        let mut held = HeldSessions::new(MAX_HELD_BYTES, HOLD_MS);
        let (mut batch, mut durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut batch, &mut durable, ("p0", 0, 10), (0, 1));
        chunk(&mut assembler, &mut batch, &mut durable, ("p1", 0, 20), (1, 1));
        held.take(&["p0".to_string(), "p1".to_string()], &assembler, 0, &mut batch, &mut durable);
        held.forget_partitions(&BTreeSet::from([1]));
        assert!(held.chunks("p0").is_some() && held.chunks("p1").is_none());
        assert_eq!(held.bytes, 10);
    }

    #[test]
    fn nothing_is_held_with_no_room() {
        let mut assembler = assembler();
        let mut held = HeldSessions::new(0, HOLD_MS);
        let (mut batch, mut durable) = (WriteBatch::default(), Vec::new());
        chunk(&mut assembler, &mut batch, &mut durable, ("s", 0, 10), (0, 1));
        let end = crate::model::SessionEndRecord::from_json_slice(br#"{"event":"session.end","sid":"e","ei":1}"#);
        assembler.add_end(0, &end.unwrap(), String::new(), 0, &mut batch);
        durable.push((("ends".to_string(), 0, 2), "e".to_string()));
        held.take(&["s".to_string(), "e".to_string()], &assembler, 0, &mut batch, &mut durable);
        assert!(held.is_empty());
        assert_eq!((batch.chunks.len(), batch.states.len(), durable.len()), (1, 2, 2));
    }
}
