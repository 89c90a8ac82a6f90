//! `sightline eval DIR`: scores verdicts against a labelled corpus and prints recall and
//! precision per tactic and false-positive rates (Markdown tables). `--check` exits non-zero
//! when the corpus misses the project's targets; `--failures` lists the sessions that did.

use anyhow::Context;
use clap::Args;
use sightline::analyze::detect::RuleDetector;
use sightline::eval;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The corpus directory (with `labels.json`).
    directory: PathBuf,
    /// Extra rule files.
    #[arg(long = "rules", value_name = "FILE", num_args = 1..)]
    rule_files: Vec<PathBuf>,
    /// Use only the `--rules` files, not the bundled packs.
    #[arg(long)]
    no_bundled: bool,
    /// Exit non-zero when the targets are missed.
    #[arg(long)]
    check: bool,
    /// List the sessions that miss their labels.
    #[arg(long)]
    failures: bool,
}

pub fn run(arguments: EvalArgs) -> anyhow::Result<ExitCode> {
    let detector =
        RuleDetector::with_packs(!arguments.no_bundled, &arguments.rule_files).context("loading rule packs")?;
    let report = eval::evaluate(&arguments.directory, &detector).context("evaluating the corpus")?;
    print!("{}", report.render());
    let summary = report.summary();
    if arguments.failures {
        for line in &summary.outside_bounds {
            println!("outside bounds: {line}");
        }
        for file in &summary.obfuscated_weaker {
            println!("obfuscated variant judged weaker than its plain form: {file}");
        }
        for file in &summary.injected_unflagged {
            println!("injected variant not flagged: {file}");
        }
        for session in report.sessions.iter().filter(|session| session.label.class == "malicious") {
            let missing: Vec<&String> = session
                .label
                .techniques
                .iter()
                .filter(|id| {
                    !session.predicted.iter().any(|predicted| {
                        predicted == *id
                            || predicted.split('.').next() == Some(id.as_str())
                            || id.split('.').next() == Some(predicted.as_str())
                    })
                })
                .collect();
            if !missing.is_empty() {
                println!("missed techniques in {}: {missing:?} (predicted {:?})", session.file, session.predicted);
            }
        }
    }
    Ok(if arguments.check && !summary.meets_targets() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
