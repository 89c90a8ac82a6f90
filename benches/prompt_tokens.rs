//! Prompt size per session: how far the classifier condenses a transcript before a model sees
//! it, and how many requests a large session takes.
//!
//! `cargo bench --bench prompt_tokens` (with `SIGHTLINE_TEST_LLM` pointing at the llama.cpp
//! server from `scripts/services.sh start`, tokens are counted by its real tokenizer,
//! SmolLM2's; without it, estimated at 2 bytes per token). Prints a Markdown table.

use sightline::classify::prompt;
use sightline::model::{EventBody, TimelineEntry, Verdict};
use std::path::Path;

fn tokens(text: &str) -> Option<usize> {
    let base = std::env::var("SIGHTLINE_TEST_LLM").ok()?;
    let url = format!("{}/tokenize", base.trim_end_matches("/v1"));
    let reply: serde_json::Value = reqwest::blocking::Client::new()
        .post(url)
        .json(&serde_json::json!({"content": text}))
        .send()
        .ok()?
        .json()
        .ok()?;
    reply["tokens"].as_array().map(Vec::len)
}

fn row(name: &str, raw_bytes: usize, verdict: &Verdict) {
    let entries: Vec<(usize, &TimelineEntry)> = verdict.enhanced_summary.session_events.iter().enumerate().collect();
    let built = prompt::build(verdict, &entries, 8192 - 1024 - 256, &prompt::boundary(), None);
    let text = format!("{}\n{}", built.system, built.user);
    let (counted, how) = match tokens(&text) {
        Some(count) => (count, "tokenizer"),
        None => (built.estimated_tokens, "estimate"),
    };
    println!(
        "| {name} | {raw_bytes} | {} | {counted} ({how}) | {:.1} |",
        text.len(),
        raw_bytes as f64 / counted.max(1) as f64
    );
}

fn main() {
    let detector = sightline::analyze::detect::RuleDetector::new(&[]).expect("rules");
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions");
    let (found, _) = sightline::source::files::collect_files(&[directory]);
    println!("| session | raw transcript bytes | prompt bytes | prompt tokens | raw bytes per prompt token |");
    println!("|---|---|---|---|---|");
    let mut largest = None;
    for file in &found {
        for session in sightline::source::files::read_file(&file.path).sessions {
            let raw: usize = session
                .events
                .iter()
                .map(|event| match &event.body {
                    EventBody::Print(print) => print.data.len(),
                    EventBody::DbQuery(query) => query.query.len(),
                    _ => 0,
                })
                .sum();
            let verdict = sightline::verdict::judge_session(&session, &detector);
            row(&session.sid.chars().take(24).collect::<String>(), raw, &verdict);
            if largest.is_none() {
                largest = Some(verdict);
            }
        }
    }
    // A 1 MB session: 250 commands with 4 KB of output each.
    if let Some(mut verdict) = largest {
        let template = verdict.enhanced_summary.session_events.clone();
        verdict.enhanced_summary.session_events = (0..250)
            .map(|index| {
                let mut entry = template[index % template.len()].clone();
                entry.output =
                    (0..100).map(|line| format!("{index:03}:{line:03} output of a long command run\n")).collect();
                entry
            })
            .collect();
        let raw: usize = verdict.enhanced_summary.session_events.iter().map(|entry| entry.output.len()).sum();
        row("synthetic 1 MB session (one prompt, condensed)", raw, &verdict);
    }
}
