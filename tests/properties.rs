//! Property tests: no reader and no part of the reconstruction panics on arbitrary bytes, and
//! what can be checked for any input holds (offsets ordered, the segmenter loses no byte).

use proptest::prelude::*;
use sightline::analyze::terminal::{TerminalInput, is_incomplete, reconstruct, to_plain_text};
use sightline::analyze::timeline::build_timeline;
use sightline::source::files::{self, asciicast, jsonl, tsh_json};
use std::path::Path;

fn terminal_bytes() -> impl Strategy<Value = Vec<u8>> {
    // Mix raw bytes with the escape sequences the reconstructor reacts to.
    let piece = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        Just(b"\x1b[?2004h".to_vec()),
        Just(b"\x1b[?2004l".to_vec()),
        Just(b"\x1b[?1049h".to_vec()),
        Just(b"\x1b[?1049l".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"$ ".to_vec()),
        Just(b"\x1b[A\x1b[2K\x1b[H\x1b[J".to_vec()),
        Just(b"cat <<EOF".to_vec()),
        Just("λ ❯ 你".as_bytes().to_vec()),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

/// Inputs the fuzzers found crashes with (`tests/fixtures/fuzz-regressions/`) stay fixed.
#[test]
fn fuzz_regressions_do_not_panic() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(directory).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let mut sink = |_: usize, _: String| {};
        for reader in [jsonl::read, tsh_json::read, asciicast::read] {
            for session in reader(Path::new("regression"), &bytes, &mut sink) {
                let _ = build_timeline(&session);
            }
        }
        seen += 1;
    }
    assert!(seen >= 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn reconstruction_never_panics_and_orders_offsets(
        writes in proptest::collection::vec((0.0f64..100.0, terminal_bytes()), 0..25),
        cols in 0u16..300,
        rows in 0u16..100,
    ) {
        let mut writes = writes;
        writes.sort_by(|left, right| left.0.total_cmp(&right.0));
        let inputs: Vec<TerminalInput<'_>> = writes.iter().map(|(time, data)| TerminalInput::Output { time: *time, data }).collect();
        for command in reconstruct(cols, rows, &inputs) {
            prop_assert!(command.start <= command.end);
            prop_assert!(!command.command.trim().is_empty());
        }
    }

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let path = Path::new("fuzz.bin");
        let mut sink = |_: usize, _: String| {};
        let _ = jsonl::read(path, &bytes, &mut sink);
        let _ = tsh_json::read(path, &bytes, &mut sink);
        let _ = asciicast::read(path, &bytes, &mut sink);
        let contents = files::read_bytes(path, &bytes);
        for session in &contents.sessions {
            let _ = build_timeline(session);
        }
    }

    #[test]
    fn readers_never_panic_on_near_valid_input(tail in proptest::collection::vec(any::<u8>(), 0..1500), cut in 0usize..400) {
        let path = Path::new("fuzz.json");
        let mut sink = |_: usize, _: String| {};
        let mut cast = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"\\u001b[?2004h$ \"]\n".to_vec();
        cast.extend_from_slice(&tail);
        for session in asciicast::read(path, &cast, &mut sink) {
            let _ = build_timeline(&session);
        }
        let array = br#"[{"event":"session.start","sid":"s","size":"80:24","time":"2026-01-01T00:00:00Z"},{"event":"print","data":"JCBscw0K","ms":5},{"event":"db.session.query","db_query":"select 1","time":"2026-01-01T00:00:01Z"}]"#;
        let mut truncated = array[..cut.min(array.len())].to_vec();
        truncated.extend_from_slice(&tail);
        for session in tsh_json::read(path, &truncated, &mut sink) {
            let _ = build_timeline(&session);
        }
        let mut lines = br#"{"session_id":"s","chunk_index":0,"kind":"ssh","events":[{"event":"print","data":"JCA=","ms":1}]}"#.to_vec();
        lines.push(b'\n');
        lines.extend_from_slice(&tail);
        for session in jsonl::read(path, &lines, &mut sink) {
            let _ = build_timeline(&session);
        }
    }

    #[test]
    fn text_helpers_never_panic(text in ".{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..500)) {
        let _ = is_incomplete(&text);
        let _ = to_plain_text(&bytes);
    }
}
