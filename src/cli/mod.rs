//! Command-line parsing and dispatch; each subcommand lives in its own module.

mod analyze;
mod eval;
mod replay;
mod report;
mod rules;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Sightline: summaries, risk levels and ATT&CK timelines for recorded sessions.
#[derive(Debug, Parser)]
#[command(name = "sightline", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse recording files (JSON lines, tsh play JSON, asciicast) and print one verdict per
    /// session.
    Analyze(analyze::AnalyzeArgs),
    /// Score verdicts against a labelled corpus: recall and precision per tactic, false
    /// positives.
    Eval(eval::EvalArgs),
    /// Check rule packs (load them and run every rule's examples) or try them on a command.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Run the streaming pipeline: consume recording chunks and session ends from Kafka,
    /// produce verdicts and audit events.
    Run(run::RunArgs),
    /// Check a configuration file as `run` would load it.
    CheckConfig(run::CheckConfigArgs),
    /// Publish recording files to Kafka as chunk and end records (demo data, load generator).
    Replay(replay::ReplayArgs),
    /// Write HTML review pages: per session a timeline with jump-to-risk playback; for several
    /// sessions, an index sorted by risk.
    Report(report::ReportArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(arguments) => analyze::run(arguments),
        Command::Rules(command) => rules::run(command),
        Command::Eval(arguments) => eval::run(arguments),
        Command::Run(arguments) => run::run(arguments),
        Command::CheckConfig(arguments) => run::check(arguments),
        Command::Replay(arguments) => replay::run(arguments),
        Command::Report(arguments) => report::run(arguments),
    }
}
