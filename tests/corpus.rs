//! The labelled detection corpus (`tests/corpus/`, written by the team from its knowledge of
//! attacker tradecraft and of routine admin work; rendered by `scripts/corpus/make-corpus.py`)
//! meets the project's targets with the bundled rule packs and no LLM: technique recall ≥ 90%,
//! malicious sessions at ≥ MEDIUM ≥ 95%, benign sessions at ≥ HIGH ≤ 1%, every obfuscated
//! variant at least as risky as its plain form, every injected variant flagged.

use sightline::analyze::detect::RuleDetector;
use sightline::eval;
use std::path::Path;

#[test]
fn corpus_meets_detection_targets() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let detector = RuleDetector::new(&[]).unwrap();
    let report = eval::evaluate(&directory, &detector).unwrap();
    let summary = report.summary();
    let table = report.render();
    assert!(summary.malicious >= 150 && summary.benign >= 150, "corpus too small\n{table}");
    let tactics = report.tactics.values().filter(|stats| stats.expected > 0).count();
    assert!(tactics >= 10, "only {tactics} tactics\n{table}");
    assert!(summary.technique_recall >= 0.90, "recall\n{table}");
    assert!(summary.malicious_at_medium >= 0.95, "malicious at MEDIUM\n{table}");
    assert!(
        summary.benign_at_high <= 0.01,
        "false positives {:?}\n{table}",
        report
            .sessions
            .iter()
            .filter(|session| session.label.class == "benign" && session.risk >= sightline::model::RiskLevel::High)
            .map(|session| &session.file)
            .collect::<Vec<_>>()
    );
    assert!(summary.obfuscated_weaker.is_empty(), "{:?}\n{table}", summary.obfuscated_weaker);
    assert!(summary.injected_unflagged.is_empty(), "{:?}\n{table}", summary.injected_unflagged);
    assert!(summary.obfuscated_total >= 25 && summary.injected_total >= 20, "{table}");
}
