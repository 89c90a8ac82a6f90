//! Scores verdicts against a labelled corpus (`sightline eval DIR`): technique recall and
//! precision per ATT&CK tactic, how many malicious sessions reach `MEDIUM`, how many benign
//! ones reach `HIGH` (the false positives that bury a reviewer), whether every obfuscated
//! variant is judged at least as risky as its plain form, and whether every injected variant
//! is flagged `prompt_injection`.
//!
//! The corpus is a directory with `labels.json` mapping each session file (relative path) to
//! its class, expected techniques, risk bounds and, for variants, the plain session it varies.
//! A predicted technique counts for an expected one when they are equal or one is the other's
//! sub-technique.

use crate::analyze::{Detector, attack};
use crate::model::{RiskLevel, Verdict};
use crate::source::files;
use crate::verdict::judge_session;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// Why a corpus could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid labels file {path}: {source}")]
    Labels {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{file}: {message}")]
    Session { file: String, message: String },
}

/// The label of one corpus session.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// `malicious` or `benign`.
    pub class: String,
    #[serde(default)]
    pub techniques: Vec<String>,
    pub min_risk: RiskLevel,
    pub max_risk: RiskLevel,
    /// For variants: the plain session's file.
    #[serde(default)]
    pub variant_of: Option<String>,
    /// `obfuscated` or `injected`.
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// The outcome for one session.
#[derive(Debug, Clone)]
pub struct SessionResult {
    pub file: String,
    pub label: Label,
    pub risk: RiskLevel,
    pub predicted: BTreeSet<String>,
    pub prompt_injection: bool,
}

/// Per-tactic technique counts.
#[derive(Debug, Clone, Default)]
pub struct TacticStats {
    /// Expected techniques (over malicious sessions).
    pub expected: usize,
    /// Expected techniques that were predicted.
    pub found: usize,
    /// Predicted techniques (all sessions).
    pub predicted: usize,
    /// Predicted techniques that were expected.
    pub correct: usize,
}

/// The evaluation of a corpus.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sessions: Vec<SessionResult>,
    pub tactics: BTreeMap<String, TacticStats>,
}

fn related(left: &str, right: &str) -> bool {
    left == right || left.split('.').next() == Some(right) || right.split('.').next() == Some(left)
}

fn tactic_of(id: &str) -> String {
    attack::table().primary_tactic(id).unwrap_or("unknown").to_string()
}

/// Analyses every labelled session of `directory`.
pub fn evaluate(directory: &Path, detector: &dyn Detector) -> Result<Report, EvalError> {
    let labels_path = directory.join("labels.json");
    let text = std::fs::read(&labels_path)
        .map_err(|source| EvalError::Read { path: labels_path.display().to_string(), source })?;
    let labels: BTreeMap<String, Label> = serde_json::from_slice(&text)
        .map_err(|source| EvalError::Labels { path: labels_path.display().to_string(), source })?;
    let mut report = Report::default();
    let results: Vec<Result<SessionResult, EvalError>> = {
        use rayon::prelude::*;
        labels.par_iter().map(|(file, label)| judge_file(directory, file, label, detector)).collect()
    };
    for result in results {
        report.sessions.push(result?);
    }
    for session in &report.sessions {
        let expected: Vec<String> =
            session.label.techniques.iter().flat_map(|id| attack::table().current_ids(id)).collect();
        if session.label.class == "malicious" {
            for id in &expected {
                let stats = report.tactics.entry(tactic_of(id)).or_default();
                stats.expected += 1;
                if session.predicted.iter().any(|predicted| related(predicted, id)) {
                    stats.found += 1;
                }
            }
        }
        for predicted in &session.predicted {
            let stats = report.tactics.entry(tactic_of(predicted)).or_default();
            stats.predicted += 1;
            if expected.iter().any(|id| related(predicted, id)) {
                stats.correct += 1;
            }
        }
    }
    Ok(report)
}

fn judge_file(
    directory: &Path,
    file: &str,
    label: &Label,
    detector: &dyn Detector,
) -> Result<SessionResult, EvalError> {
    let contents = files::read_file(&directory.join(file));
    if let Some(problem) = contents.problems.first() {
        return Err(EvalError::Session { file: file.to_string(), message: problem.to_string() });
    }
    let [session] = contents.sessions.as_slice() else {
        return Err(EvalError::Session {
            file: file.to_string(),
            message: format!("expected one session, found {}", contents.sessions.len()),
        });
    };
    let verdict: Verdict = judge_session(session, detector);
    let events = &verdict.enhanced_summary.session_events;
    Ok(SessionResult {
        file: file.to_string(),
        label: label.clone(),
        risk: verdict.enhanced_summary.risk_level,
        predicted: events.iter().flat_map(|entry| entry.mitre_attack_ids.iter().cloned()).collect(),
        prompt_injection: events
            .iter()
            .any(|entry| entry.suspicious_flags.iter().any(|flag| flag == "prompt_injection")),
    })
}

/// Headline numbers, with the thresholds the project holds itself to.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub malicious: usize,
    pub benign: usize,
    pub technique_recall: f64,
    pub technique_precision: f64,
    pub malicious_at_medium: f64,
    pub benign_at_high: f64,
    pub benign_at_medium: f64,
    pub outside_bounds: Vec<String>,
    pub obfuscated_weaker: Vec<String>,
    pub obfuscated_total: usize,
    pub injected_unflagged: Vec<String>,
    pub injected_total: usize,
}

impl Summary {
    /// Whether the corpus meets the targets: recall ≥ 90%, malicious at ≥ MEDIUM ≥ 95%, benign
    /// at ≥ HIGH ≤ 1%, every obfuscated variant at least as risky, every injected variant flagged.
    pub fn meets_targets(&self) -> bool {
        self.technique_recall >= 0.90
            && self.malicious_at_medium >= 0.95
            && self.benign_at_high <= 0.01
            && self.obfuscated_weaker.is_empty()
            && self.injected_unflagged.is_empty()
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

impl Report {
    /// The headline numbers.
    pub fn summary(&self) -> Summary {
        let malicious: Vec<&SessionResult> =
            self.sessions.iter().filter(|session| session.label.class == "malicious").collect();
        let benign: Vec<&SessionResult> =
            self.sessions.iter().filter(|session| session.label.class == "benign").collect();
        let (expected, found, predicted, correct) = self.tactics.values().fold((0, 0, 0, 0), |sums, stats| {
            (sums.0 + stats.expected, sums.1 + stats.found, sums.2 + stats.predicted, sums.3 + stats.correct)
        });
        let by_file: BTreeMap<&str, &SessionResult> =
            self.sessions.iter().map(|session| (session.file.as_str(), session)).collect();
        let variants = |kind: &'static str| {
            self.sessions.iter().filter(move |session| session.label.variant.as_deref() == Some(kind))
        };
        Summary {
            malicious: malicious.len(),
            benign: benign.len(),
            technique_recall: ratio(found, expected),
            technique_precision: ratio(correct, predicted),
            malicious_at_medium: ratio(
                malicious.iter().filter(|session| session.risk >= RiskLevel::Medium).count(),
                malicious.len(),
            ),
            benign_at_high: ratio(
                benign.iter().filter(|session| session.risk >= RiskLevel::High).count(),
                benign.len(),
            ),
            benign_at_medium: ratio(
                benign.iter().filter(|session| session.risk >= RiskLevel::Medium).count(),
                benign.len(),
            ),
            outside_bounds: self
                .sessions
                .iter()
                .filter(|session| session.risk < session.label.min_risk || session.risk > session.label.max_risk)
                .map(|session| {
                    format!(
                        "{} ({}, expected {}..{})",
                        session.file, session.risk, session.label.min_risk, session.label.max_risk
                    )
                })
                .collect(),
            obfuscated_weaker: variants("obfuscated")
                .filter(|session| {
                    let plain = session.label.variant_of.as_deref().and_then(|file| by_file.get(file));
                    plain.is_some_and(|plain| session.risk < plain.risk)
                })
                .map(|session| session.file.clone())
                .collect(),
            obfuscated_total: variants("obfuscated").count(),
            injected_unflagged: variants("injected")
                .filter(|session| !session.prompt_injection)
                .map(|session| session.file.clone())
                .collect(),
            injected_total: variants("injected").count(),
        }
    }

    /// The table `sightline eval` prints (Markdown).
    pub fn render(&self) -> String {
        let summary = self.summary();
        let mut out = String::new();
        let _ = writeln!(out, "| tactic | expected | found | recall | predicted | correct | precision |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for (tactic, stats) in &self.tactics {
            let _ = writeln!(
                out,
                "| {tactic} | {} | {} | {:.0}% | {} | {} | {:.0}% |",
                stats.expected,
                stats.found,
                100.0 * ratio(stats.found, stats.expected),
                stats.predicted,
                stats.correct,
                100.0 * ratio(stats.correct, stats.predicted)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "| measure | value | target |");
        let _ = writeln!(out, "|---|---:|---:|");
        let _ = writeln!(
            out,
            "| sessions (malicious / benign) | {} / {} | ≥ 150 / ≥ 150 |",
            summary.malicious, summary.benign
        );
        let _ = writeln!(out, "| technique recall | {:.1}% | ≥ 90% |", 100.0 * summary.technique_recall);
        let _ = writeln!(out, "| technique precision | {:.1}% | |", 100.0 * summary.technique_precision);
        let _ =
            writeln!(out, "| malicious sessions at ≥ MEDIUM | {:.1}% | ≥ 95% |", 100.0 * summary.malicious_at_medium);
        let _ = writeln!(
            out,
            "| benign sessions at ≥ HIGH (false positives) | {:.1}% | ≤ 1% |",
            100.0 * summary.benign_at_high
        );
        let _ = writeln!(out, "| benign sessions at ≥ MEDIUM | {:.1}% | |", 100.0 * summary.benign_at_medium);
        let _ = writeln!(
            out,
            "| obfuscated variants at least as risky as plain | {} / {} | all |",
            summary.obfuscated_total - summary.obfuscated_weaker.len(),
            summary.obfuscated_total
        );
        let _ = writeln!(
            out,
            "| injected variants flagged prompt_injection | {} / {} | all |",
            summary.injected_total - summary.injected_unflagged.len(),
            summary.injected_total
        );
        let _ = writeln!(out, "| sessions outside their labelled risk bounds | {} | |", summary.outside_bounds.len());
        out
    }
}
