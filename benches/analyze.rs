//! `analyze` throughput: one 10 MB session and 10,000 small sessions, read from JSON lines in
//! memory and judged on one thread (so the figures are per core). Run with
//! `cargo bench --bench analyze`; results go to `BENCHMARKS.md`.

use base64::Engine;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sightline::analyze::NoDetection;
use sightline::analyze::detect::RuleDetector;
use sightline::analyze::terminal::{TerminalInput, reconstruct};
use sightline::source::files;
use sightline::verdict::judge_session;
use std::hint::black_box;
use std::path::Path;

const PROMPT: &str = "\x1b[?2004h\x1b]0;alice@web-01: ~\x07\x1b[01;32malice@web-01\x1b[00m:\x1b[01;34m~\x1b[00m$ ";

/// Appends one print event line for `session` to `out`.
fn print_line(out: &mut String, sid: &str, ei: &mut u64, ms: &mut u64, data: &[u8]) {
    // Keystrokes come ~90 ms apart, like a person typing; output comes quickly.
    *ms += if data.len() == 1 { 90 } else { 3 };
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    out.push_str(&format!(
        "{{\"event\":\"print\",\"sid\":\"{sid}\",\"ei\":{ei},\"ms\":{ms},\"bytes\":{},\"data\":\"{encoded}\"}}\n",
        data.len()
    ));
    *ei += 1;
}

/// A session whose commands print `output_lines` log lines each; typing is one write per key.
fn session_jsonl(sid: &str, commands: usize, output_lines: usize) -> String {
    let mut out = format!(
        "{{\"event\":\"session.start\",\"sid\":\"{sid}\",\"ei\":0,\"time\":\"2026-11-20T10:00:00Z\",\"user\":\"alice\",\"login\":\"alice\",\"server_hostname\":\"web-01\",\"size\":\"120:40\"}}\n"
    );
    let (mut ei, mut ms) = (1u64, 0u64);
    print_line(&mut out, sid, &mut ei, &mut ms, PROMPT.as_bytes());
    for index in 0..commands {
        let command = format!("grep -n error /var/log/app/service-{index}.log | tail -50");
        for byte in command.as_bytes() {
            print_line(&mut out, sid, &mut ei, &mut ms, std::slice::from_ref(byte));
        }
        print_line(&mut out, sid, &mut ei, &mut ms, b"\r\n\x1b[?2004l\r");
        let mut output = String::new();
        for line in 0..output_lines {
            output.push_str(&format!(
                "{line}:2026-11-20T10:{:02}:{:02}Z ERROR request failed id={line:08x} upstream=10.0.3.{} status=503\r\n",
                line % 60,
                (line * 7) % 60,
                line % 250
            ));
            if output.len() > 32 * 1024 {
                print_line(&mut out, sid, &mut ei, &mut ms, output.as_bytes());
                output.clear();
            }
        }
        output.push_str(PROMPT);
        print_line(&mut out, sid, &mut ei, &mut ms, output.as_bytes());
    }
    out.push_str(&format!(
        "{{\"event\":\"session.end\",\"sid\":\"{sid}\",\"ei\":{ei},\"time\":\"2026-11-20T10:30:00Z\"}}\n"
    ));
    out
}

fn output_bytes(jsonl: &str) -> u64 {
    let contents = files::read_bytes(Path::new("bench.jsonl"), jsonl.as_bytes());
    contents.sessions.iter().map(|session| session.output_bytes() as u64).sum()
}

fn large_session(criterion: &mut Criterion) {
    // 20 commands × ~5,700 lines × ~92 bytes ≈ 10 MB of terminal output.
    let jsonl = session_jsonl("large", 20, 5_700);
    let bytes = output_bytes(&jsonl);
    let mut group = criterion.benchmark_group("analyze_10mb_session");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("read_and_judge", |bench| {
        bench.iter(|| {
            let contents = files::read_bytes(Path::new("large.jsonl"), black_box(jsonl.as_bytes()));
            for session in &contents.sessions {
                black_box(judge_session(session, &NoDetection));
            }
        })
    });
    let contents = files::read_bytes(Path::new("large.jsonl"), jsonl.as_bytes());
    let session = &contents.sessions[0];
    group.bench_function("judge_only", |bench| {
        bench.iter(|| black_box(judge_session(black_box(session), &NoDetection)))
    });
    let inputs: Vec<TerminalInput<'_>> = session
        .events
        .iter()
        .filter_map(|event| match &event.body {
            sightline::model::EventBody::Print(print) => {
                Some(TerminalInput::Output { time: print.ms.unwrap_or(0.0) / 1000.0, data: &print.data })
            }
            _ => None,
        })
        .collect();
    group
        .bench_function("reconstruct_only", |bench| bench.iter(|| black_box(reconstruct(120, 40, black_box(&inputs)))));
    group.finish();
    let detector = RuleDetector::new(&[]).expect("bundled rules load");
    let mut group = criterion.benchmark_group("analyze_10mb_session_rules");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("judge_with_rules", |bench| {
        bench.iter(|| black_box(judge_session(black_box(session), &detector)))
    });
    group.finish();
}

fn small_sessions(criterion: &mut Criterion) {
    // 10,000 sessions of 20 typed commands with 3 output lines each (~100 KB of JSON per
    // session: one print event per keystroke).
    let mut jsonl = String::new();
    for index in 0..10_000 {
        jsonl.push_str(&session_jsonl(&format!("small-{index:05}"), 20, 3));
    }
    let mut group = criterion.benchmark_group("analyze_10k_small_sessions");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("read_and_judge", |bench| {
        bench.iter(|| {
            let contents = files::read_bytes(Path::new("small.jsonl"), black_box(jsonl.as_bytes()));
            assert_eq!(contents.sessions.len(), 10_000);
            for session in &contents.sessions {
                black_box(judge_session(session, &NoDetection));
            }
        })
    });
    let contents = files::read_bytes(Path::new("small.jsonl"), jsonl.as_bytes());
    let detector = RuleDetector::new(&[]).expect("bundled rules load");
    group.bench_function("judge_with_rules", |bench| {
        bench.iter(|| {
            for session in &contents.sessions {
                black_box(judge_session(session, &detector));
            }
        })
    });
    group.finish();
}

/// Detection alone: 200,000 commands (10,000 sessions × 20) through the rule packs.
fn detection(criterion: &mut Criterion) {
    let mut jsonl = String::new();
    for index in 0..2_000 {
        jsonl.push_str(&session_jsonl(&format!("d-{index:05}"), 20, 1));
    }
    let contents = files::read_bytes(Path::new("d.jsonl"), jsonl.as_bytes());
    let timelines: Vec<_> = contents.sessions.iter().map(sightline::analyze::timeline::build_timeline).collect();
    let detector = RuleDetector::new(&[]).expect("bundled rules load");
    let mut group = criterion.benchmark_group("detection");
    group.sample_size(10);
    group.throughput(Throughput::Elements(40_000));
    group.bench_function("rules_on_40k_commands", |bench| {
        bench.iter(|| {
            for (session, timeline) in contents.sessions.iter().zip(&timelines) {
                let mut timeline = timeline.clone();
                black_box(sightline::analyze::Detector::assess(&detector, session, &mut timeline));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, large_session, small_sessions, detection);
criterion_main!(benches);
