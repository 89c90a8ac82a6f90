//! The session assembler: turns a stream of recording chunks and session ends (duplicated, out
//! of order, late, or never ending) into complete sessions, ready to judge.
//!
//! Guarantees:
//! - A chunk index is kept once (the first copy wins); chunks are ordered by index when the
//!   session is built, whatever order they arrived in.
//! - A session is released for judging exactly once per open period: when its end record and all
//!   announced chunks are in ([`CloseReason::Complete`]); when the grace period after its end
//!   expires ([`CloseReason::GraceExpired`], judged as not fully captured); or when it was idle
//!   past the timeout with no end ([`CloseReason::Idle`], judged as incomplete).
//! - Memory holds only each open session's small [`SessionState`]; chunk bytes go to the store
//!   in the [`WriteBatch`] the caller makes durable. Bytes beyond the per-session limit are not
//!   kept and the session is flagged too large.
//! - Records of a session finalized recently are recognised and ignored, so replays do not
//!   judge a session twice.
//!
//! The assembler is plain state with no I/O and no clock of its own (times are passed in), so
//! its behaviour is tested directly and with properties.

pub mod store;

use crate::model::{ChunkHeader, RecordingChunk, RecordingEvent, Session, SessionEndRecord, SessionKind};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
pub use store::{EndState, SessionState, SessionStore, StoreError, WriteBatch};

/// Limits and timeouts the assembler applies.
#[derive(Debug, Clone)]
pub struct AssemblerLimits {
    /// Bytes of chunk records kept per session.
    pub max_session_bytes: u64,
    /// Wait after the end record for missing chunks (or, with no chunk count, for late ones).
    pub end_grace_ms: u64,
    /// Close a session with no end after this long without records.
    pub idle_timeout_ms: u64,
    /// How many finalized session ids to remember in memory (the store remembers them longer).
    pub remembered_finalized: usize,
}

/// Why a session was released for judging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The end record and every announced chunk arrived.
    Complete,
    /// The end record arrived; chunks were still missing when the grace period expired (or the
    /// end record did not say how many chunks to expect).
    GraceExpired,
    /// No end record; the session was idle past the timeout.
    Idle,
}

impl CloseReason {
    /// A fixed name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Complete => "complete",
            CloseReason::GraceExpired => "grace_expired",
            CloseReason::Idle => "idle",
        }
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored (or, past the size limit, counted and flagged).
    Stored,
    /// A chunk index already seen: ignored.
    Duplicate,
    /// The session was already finalized: ignored.
    AlreadyFinalized,
}

/// Open sessions of the assigned partitions.
#[derive(Debug)]
pub struct SessionAssembler {
    limits: AssemblerLimits,
    sessions: HashMap<String, SessionState>,
    /// When each open session is next due for a look: (Unix ms, session id).
    deadlines: BTreeSet<(u64, String)>,
    deadline_of: HashMap<String, u64>,
    /// Sessions handed out for judging and not finished yet.
    in_flight: HashSet<String>,
    recent_finalized: HashSet<String>,
    recent_order: VecDeque<String>,
}

impl SessionAssembler {
    /// An assembler with no sessions.
    pub fn new(limits: AssemblerLimits) -> Self {
        SessionAssembler {
            limits,
            sessions: HashMap::new(),
            deadlines: BTreeSet::new(),
            deadline_of: HashMap::new(),
            in_flight: HashSet::new(),
            recent_finalized: HashSet::new(),
            recent_order: VecDeque::new(),
        }
    }

    /// Open sessions (including those being judged).
    pub fn open_sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Sessions being judged.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Sessions of a partition being judged.
    pub fn in_flight_of(&self, partition: i32) -> usize {
        self.in_flight
            .iter()
            .filter(|sid| self.sessions.get(*sid).is_some_and(|state| state.partition == partition))
            .count()
    }

    /// Whether the assembler knows this session (open, or finalized recently).
    pub fn knows(&self, sid: &str) -> bool {
        self.sessions.contains_key(sid) || self.recent_finalized.contains(sid)
    }

    /// An open session's state.
    pub fn state(&self, sid: &str) -> Option<&SessionState> {
        self.sessions.get(sid)
    }

    /// Remembers that a session was finalized (as the store reported).
    pub fn remember_finalized(&mut self, sid: &str) {
        if self.recent_finalized.insert(sid.to_string()) {
            self.recent_order.push_back(sid.to_string());
            while self.recent_order.len() > self.limits.remembered_finalized {
                if let Some(oldest) = self.recent_order.pop_front() {
                    self.recent_finalized.remove(&oldest);
                }
            }
        }
    }

    /// Takes over sessions loaded from the store (after an assignment or a restart).
    pub fn resume(&mut self, states: Vec<SessionState>, now_ms: u64) {
        for state in states {
            if self.sessions.contains_key(&state.sid) {
                continue;
            }
            let sid = state.sid.clone();
            self.sessions.insert(sid.clone(), state);
            self.schedule(&sid, now_ms);
        }
    }

    /// Forgets a revoked partition's sessions (they stay in the store for the next owner).
    pub fn drop_partition(&mut self, partition: i32) -> usize {
        let dropped: Vec<String> = self
            .sessions
            .values()
            .filter(|state| state.partition == partition)
            .map(|state| state.sid.clone())
            .collect();
        for sid in &dropped {
            self.sessions.remove(sid);
            self.in_flight.remove(sid);
            self.unschedule(sid);
        }
        dropped.len()
    }

    /// Adds a chunk; the chunk record (`bytes`, JSON) goes into `batch` unless the session is
    /// over its size limit.
    pub fn add_chunk(
        &mut self,
        partition: i32,
        chunk: &ChunkHeader,
        bytes: Vec<u8>,
        now_ms: u64,
        batch: &mut WriteBatch,
    ) -> Accepted {
        if self.recent_finalized.contains(&chunk.session_id) {
            return Accepted::AlreadyFinalized;
        }
        let limit = self.limits.max_session_bytes;
        let state = self.open(&chunk.session_id, partition, now_ms);
        let position = match state.chunks.binary_search(&chunk.chunk_index) {
            Ok(_) => return Accepted::Duplicate,
            Err(position) => position,
        };
        state.chunks.insert(position, chunk.chunk_index);
        state.kind = state.kind.or(chunk.kind);
        state.last_activity_ms = now_ms;
        if state.bytes + bytes.len() as u64 > limit {
            state.too_large = true;
        } else {
            state.bytes += bytes.len() as u64;
            batch.chunks.push((chunk.session_id.clone(), chunk.chunk_index, bytes));
        }
        let snapshot = state.clone();
        batch.states.push(snapshot);
        let sid = chunk.session_id.clone();
        self.schedule(&sid, now_ms);
        Accepted::Stored
    }

    /// Adds an end record (`record` is its JSON). A repeated end record is a duplicate.
    pub fn add_end(
        &mut self,
        partition: i32,
        end: &SessionEndRecord,
        record: String,
        now_ms: u64,
        batch: &mut WriteBatch,
    ) -> Accepted {
        if self.recent_finalized.contains(&end.session_id) {
            return Accepted::AlreadyFinalized;
        }
        let state = self.open(&end.session_id, partition, now_ms);
        if state.end.is_some() {
            return Accepted::Duplicate;
        }
        state.kind = state.kind.or(end.kind);
        state.last_activity_ms = now_ms;
        state.end = Some(EndState { record, chunk_count: end.chunk_count, seen_at_ms: now_ms });
        batch.states.push(state.clone());
        let sid = end.session_id.clone();
        self.schedule(&sid, now_ms);
        Accepted::Stored
    }

    /// Sessions due for judging at `now_ms`, marked in flight. Each is released once until it is
    /// [`finished`](Self::finished) or [`retry_later`](Self::retry_later).
    pub fn due(&mut self, now_ms: u64) -> Vec<(SessionState, CloseReason)> {
        let mut due = Vec::new();
        while let Some((deadline, sid)) = self.deadlines.first().cloned() {
            if deadline > now_ms {
                break;
            }
            self.deadlines.pop_first();
            self.deadline_of.remove(&sid);
            let Some(state) = self.sessions.get(&sid) else { continue };
            if let Some(reason) = close_reason(state, now_ms, &self.limits) {
                self.in_flight.insert(sid.clone());
                due.push((state.clone(), reason));
            } else {
                self.schedule(&sid, now_ms);
            }
        }
        due
    }

    /// The session's verdict is delivered: forget it, remember it as finalized.
    pub fn finished(&mut self, sid: &str) {
        self.sessions.remove(sid);
        self.in_flight.remove(sid);
        self.unschedule(sid);
        self.remember_finalized(sid);
    }

    /// Judging or delivering failed: look at the session again at `at_ms`.
    pub fn retry_later(&mut self, sid: &str, at_ms: u64) {
        self.in_flight.remove(sid);
        if self.sessions.contains_key(sid) {
            self.unschedule(sid);
            self.deadlines.insert((at_ms, sid.to_string()));
            self.deadline_of.insert(sid.to_string(), at_ms);
        }
    }

    fn open(&mut self, sid: &str, partition: i32, now_ms: u64) -> &mut SessionState {
        self.sessions.entry(sid.to_string()).or_insert_with(|| SessionState {
            sid: sid.to_string(),
            partition,
            kind: None,
            chunks: Vec::new(),
            bytes: 0,
            too_large: false,
            first_seen_ms: now_ms,
            last_activity_ms: now_ms,
            end: None,
        })
    }

    /// (Re)computes when to look at a session next; sessions being judged are left alone.
    fn schedule(&mut self, sid: &str, now_ms: u64) {
        if self.in_flight.contains(sid) {
            return;
        }
        let Some(state) = self.sessions.get(sid) else { return };
        let deadline = next_look(state, now_ms, &self.limits);
        self.unschedule(sid);
        self.deadlines.insert((deadline, sid.to_string()));
        self.deadline_of.insert(sid.to_string(), deadline);
    }

    fn unschedule(&mut self, sid: &str) {
        if let Some(previous) = self.deadline_of.remove(sid) {
            self.deadlines.remove(&(previous, sid.to_string()));
        }
    }
}

/// Whether every announced chunk arrived.
fn has_all_chunks(state: &SessionState) -> bool {
    match state.end.as_ref().and_then(|end| end.chunk_count) {
        Some(0) => true,
        Some(count) => state.chunks.len() as u64 >= count && state.chunks[(count - 1) as usize] == count - 1,
        None => false,
    }
}

/// When to look at the session next.
fn next_look(state: &SessionState, now_ms: u64, limits: &AssemblerLimits) -> u64 {
    match &state.end {
        Some(_) if has_all_chunks(state) => now_ms,
        Some(end) => end.seen_at_ms.saturating_add(limits.end_grace_ms),
        None => state.last_activity_ms.saturating_add(limits.idle_timeout_ms),
    }
}

/// Whether the session should be judged now, and why.
pub fn close_reason(state: &SessionState, now_ms: u64, limits: &AssemblerLimits) -> Option<CloseReason> {
    match &state.end {
        Some(_) if has_all_chunks(state) => Some(CloseReason::Complete),
        Some(end) if now_ms >= end.seen_at_ms.saturating_add(limits.end_grace_ms) => Some(CloseReason::GraceExpired),
        Some(_) => None,
        None if now_ms >= state.last_activity_ms.saturating_add(limits.idle_timeout_ms) => Some(CloseReason::Idle),
        None => None,
    }
}

/// A stored session could not be turned back into a session.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A stored chunk record no longer decodes.
    #[error("stored chunk {index} of session {sid} does not decode: {source}")]
    Chunk {
        sid: String,
        index: u64,
        #[source]
        source: crate::model::chunk::RecordError,
    },
    /// The stored end record no longer decodes.
    #[error("stored end record of session {sid} does not decode: {source}")]
    End {
        sid: String,
        #[source]
        source: crate::model::chunk::RecordError,
    },
}

/// Builds the session to judge from its state and stored chunk records, with the same
/// assembly rule `analyze` uses for files.
pub fn build_session(
    state: &SessionState,
    stored_chunks: Vec<(u64, Vec<u8>)>,
    reason: CloseReason,
) -> Result<Session, BuildError> {
    let mut chunks: BTreeMap<u64, Vec<RecordingEvent>> = BTreeMap::new();
    let mut kind: Option<SessionKind> = state.kind;
    for (index, bytes) in stored_chunks {
        let chunk = RecordingChunk::from_json_slice(&bytes).map_err(|source| BuildError::Chunk {
            sid: state.sid.clone(),
            index,
            source,
        })?;
        kind = kind.or(chunk.kind);
        chunks.insert(index, chunk.events);
    }
    let mut loose = Vec::new();
    let mut announced = None;
    if let Some(end) = &state.end {
        let record = SessionEndRecord::from_json_slice(end.record.as_bytes())
            .map_err(|source| BuildError::End { sid: state.sid.clone(), source })?;
        kind = kind.or(record.kind);
        announced = record.chunk_count;
        // An end record `replay` made up for a recording without one: the session is over,
        // but the event was never recorded, so it is not added.
        let synthetic = record
            .event
            .raw
            .as_ref()
            .and_then(|raw| raw.get(crate::replay::SYNTHETIC_END_FIELD))
            .and_then(|flag| flag.as_bool())
            .unwrap_or(false);
        if !synthetic {
            loose.push(record.event);
        }
    }
    let mut session = Session::from_chunks(state.sid.clone(), kind, chunks, &state.chunks, loose, announced);
    session.capture.too_large = state.too_large;
    if reason == CloseReason::Idle {
        session.capture.missing_end = true;
    }
    Ok(session)
}

#[cfg(test)]
mod tests;
