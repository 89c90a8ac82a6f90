use super::store::SessionStore;
use super::store::memory::MemoryStore;
use super::*;
use proptest::prelude::*;

fn limits() -> AssemblerLimits {
    AssemblerLimits {
        max_session_bytes: 1 << 20,
        end_grace_ms: 1_000,
        idle_timeout_ms: 10_000,
        remembered_finalized: 100,
    }
}

fn chunk_json(sid: &str, index: u64, text: &str) -> Vec<u8> {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    format!(
        r#"{{"session_id":"{sid}","chunk_index":{index},"kind":"ssh","events":[{{"event":"print","data":"{data}","ms":{index},"ei":{}}}]}}"#,
        index + 1
    )
    .into_bytes()
}

fn end_json(sid: &str, count: Option<u64>) -> String {
    match count {
        Some(count) => format!(r#"{{"event":"session.end","sid":"{sid}","chunk_count":{count},"ei":100000}}"#),
        None => format!(r#"{{"event":"session.end","sid":"{sid}","ei":100000}}"#),
    }
}

/// Feeds one record; returns what the assembler said.
fn feed(assembler: &mut SessionAssembler, store: &mut MemoryStore, record: &Record, now: u64) -> Accepted {
    let mut batch = WriteBatch::default();
    let accepted = match record {
        Record::Chunk(sid, index) => {
            let bytes = chunk_json(sid, *index, &format!("out{index}\r\n"));
            let chunk = RecordingChunk::check_json_slice(&bytes).unwrap();
            assembler.add_chunk(0, &chunk, bytes, now, &mut batch)
        }
        Record::End(sid, count) => {
            let json = end_json(sid, *count);
            let end = SessionEndRecord::from_json_slice(json.as_bytes()).unwrap();
            assembler.add_end(0, &end, json, now, &mut batch)
        }
    };
    store.write(&batch).unwrap();
    accepted
}

#[derive(Debug, Clone)]
enum Record {
    Chunk(String, u64),
    End(String, Option<u64>),
}

fn judge_all(assembler: &mut SessionAssembler, store: &mut MemoryStore, now: u64) -> Vec<(Session, CloseReason)> {
    let mut sessions = Vec::new();
    for (state, reason) in assembler.due(now) {
        let chunks = store.chunks(&state.sid).unwrap();
        sessions.push((build_session(&state, chunks, reason).unwrap(), reason));
        store.finish(state.partition, &state.sid).unwrap();
        assembler.finished(&state.sid);
    }
    sessions
}

fn printed(session: &Session) -> Vec<String> {
    session
        .events
        .iter()
        .filter_map(|event| match &event.body {
            crate::model::EventBody::Print(print) => Some(String::from_utf8_lossy(&print.data).into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn end_before_chunks_waits_for_them() {
    let mut assembler = SessionAssembler::new(limits());
    let mut store = MemoryStore::default();
    feed(&mut assembler, &mut store, &Record::End("s".into(), Some(2)), 0);
    assert!(judge_all(&mut assembler, &mut store, 10).is_empty());
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 1), 20);
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 30);
    let judged = judge_all(&mut assembler, &mut store, 30);
    assert_eq!(judged.len(), 1);
    assert_eq!(judged[0].1, CloseReason::Complete);
    assert_eq!(printed(&judged[0].0), vec!["out0\r\n", "out1\r\n"]);
    assert!(judged[0].0.capture.is_complete());
}

#[test]
fn missing_chunk_is_judged_after_the_grace_period() {
    let mut assembler = SessionAssembler::new(limits());
    let mut store = MemoryStore::default();
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 0);
    feed(&mut assembler, &mut store, &Record::End("s".into(), Some(2)), 100);
    assert!(judge_all(&mut assembler, &mut store, 1_099).is_empty());
    let judged = judge_all(&mut assembler, &mut store, 1_100);
    assert_eq!(judged[0].1, CloseReason::GraceExpired);
    assert!(judged[0].0.capture.missing_chunks);
}

#[test]
fn no_end_is_judged_incomplete_after_the_idle_timeout() {
    let mut assembler = SessionAssembler::new(limits());
    let mut store = MemoryStore::default();
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 0);
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 1), 5_000);
    assert!(judge_all(&mut assembler, &mut store, 14_999).is_empty(), "activity pushes the idle deadline");
    let judged = judge_all(&mut assembler, &mut store, 15_000);
    assert_eq!(judged[0].1, CloseReason::Idle);
    assert!(judged[0].0.capture.missing_end);
}

#[test]
fn late_records_of_a_finalized_session_are_ignored() {
    let mut assembler = SessionAssembler::new(limits());
    let mut store = MemoryStore::default();
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 0);
    feed(&mut assembler, &mut store, &Record::End("s".into(), Some(1)), 0);
    assert_eq!(judge_all(&mut assembler, &mut store, 0).len(), 1);
    assert_eq!(feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 5), Accepted::AlreadyFinalized);
    assert_eq!(feed(&mut assembler, &mut store, &Record::End("s".into(), Some(1)), 5), Accepted::AlreadyFinalized);
    assert!(judge_all(&mut assembler, &mut store, 100_000).is_empty());
}

#[test]
fn oversized_session_keeps_what_fits_and_is_flagged() {
    let mut assembler = SessionAssembler::new(AssemblerLimits { max_session_bytes: 300, ..limits() });
    let mut store = MemoryStore::default();
    for index in 0..5 {
        feed(&mut assembler, &mut store, &Record::Chunk("s".into(), index), 0);
    }
    feed(&mut assembler, &mut store, &Record::End("s".into(), Some(5)), 0);
    let judged = judge_all(&mut assembler, &mut store, 0);
    assert_eq!(judged[0].1, CloseReason::Complete, "chunks past the limit still count as arrived");
    let session = &judged[0].0;
    assert!(session.capture.too_large);
    assert!(!session.capture.missing_chunks);
    let kept = printed(session).len();
    assert!((1..5).contains(&kept), "kept {kept} chunks");
}

#[test]
fn a_session_in_flight_is_not_released_twice() {
    let mut assembler = SessionAssembler::new(limits());
    let mut store = MemoryStore::default();
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 0);
    feed(&mut assembler, &mut store, &Record::End("s".into(), Some(1)), 0);
    assert_eq!(assembler.due(0).len(), 1);
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 1), 1);
    assert!(assembler.due(100_000).is_empty());
    assembler.retry_later("s", 200_000);
    assert!(assembler.due(199_999).is_empty());
    assert_eq!(assembler.due(200_000).len(), 1);
}

#[test]
fn resumes_from_the_store() {
    let mut store = MemoryStore::default();
    {
        let mut assembler = SessionAssembler::new(limits());
        feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 0), 0);
        feed(&mut assembler, &mut store, &Record::End("s".into(), Some(2)), 0);
    }
    let mut assembler = SessionAssembler::new(limits());
    assembler.resume(store.open_sessions(0).unwrap(), 10);
    assert_eq!(assembler.open_sessions(), 1);
    feed(&mut assembler, &mut store, &Record::Chunk("s".into(), 1), 20);
    let judged = judge_all(&mut assembler, &mut store, 20);
    assert_eq!(printed(&judged[0].0), vec!["out0\r\n", "out1\r\n"]);
}

fn delivery() -> impl Strategy<Value = (u64, Vec<Record>, bool)> {
    (1u64..8, any::<bool>(), any::<bool>()).prop_flat_map(|(count, announce, drop_one)| {
        let mut records: Vec<Record> = (0..count).map(|index| Record::Chunk("s".into(), index)).collect();
        records.push(Record::End("s".into(), if announce { Some(count) } else { None }));
        let records_len = records.len();
        (
            Just(count),
            proptest::collection::vec(0..records_len, records_len..records_len * 2)
                .prop_map(move |picks| {
                    // Every record at least once, then duplicates, in a shuffled order.
                    let mut order: Vec<Record> = records.clone();
                    order.extend(picks.iter().map(|pick| records[*pick].clone()));
                    order
                })
                .prop_shuffle(),
            Just(announce && drop_one),
        )
    })
}

proptest! {
    /// Whatever the order and duplication, a session is judged once, with its chunks in index
    /// order, and flagged exactly when chunks are missing.
    #[test]
    fn judged_once_in_order((count, records, drop_last) in delivery()) {
        let mut assembler = SessionAssembler::new(limits());
        let mut store = MemoryStore::default();
        let mut judged = Vec::new();
        let mut now = 0;
        for record in &records {
            if drop_last && matches!(record, Record::Chunk(_, index) if *index == count - 1) {
                continue;
            }
            now += 7;
            feed(&mut assembler, &mut store, record, now);
            judged.extend(judge_all(&mut assembler, &mut store, now));
        }
        judged.extend(judge_all(&mut assembler, &mut store, now + 1_000_000));
        prop_assert_eq!(judged.len(), 1);
        let (session, _) = &judged[0];
        let expected: Vec<String> = (0..count)
            .filter(|index| !(drop_last && *index == count - 1))
            .map(|index| format!("out{index}\r\n"))
            .collect();
        prop_assert_eq!(printed(session), expected);
        prop_assert_eq!(session.capture.missing_chunks, drop_last);
        prop_assert!(!session.capture.missing_end);
        prop_assert_eq!(assembler.open_sessions(), 0);
    }
}
