//! Command-line parsing and dispatch; each subcommand lives in its own module.

mod analyze;
mod eval;
mod rules;

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
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(arguments) => analyze::run(arguments),
        Command::Rules(command) => rules::run(command),
        Command::Eval(arguments) => eval::run(arguments),
    }
}
