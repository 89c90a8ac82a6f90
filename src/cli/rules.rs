//! `sightline rules check [FILE...]` loads the bundled packs plus the given files and runs every
//! rule's examples; `sightline rules try TEXT...` shows which rules match a command line, query
//! or `VERB /api/...` request.

use anyhow::Context;
use clap::Subcommand;
use sightline::analyze::detect::RuleDetector;
use sightline::analyze::kube::understand_request;
use sightline::analyze::rules::Target;
use sightline::analyze::shell::{Variables, understand};
use sightline::analyze::sql::understand_query;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load the bundled packs and FILEs, validate them and run every rule's examples.
    Check {
        /// Extra rule files.
        files: Vec<PathBuf>,
        /// Check only FILEs, not the bundled packs.
        #[arg(long)]
        no_bundled: bool,
    },
    /// Show which rules match each TEXT (a command line, a SQL query, or `VERB /api/...`).
    Try {
        /// Texts to try.
        #[arg(required = true)]
        texts: Vec<String>,
        /// Extra rule files.
        #[arg(long = "rules", value_name = "FILE", num_args = 1..)]
        files: Vec<PathBuf>,
        /// Use only the `--rules` files, not the bundled packs.
        #[arg(long)]
        no_bundled: bool,
        /// The database protocol for queries.
        #[arg(long, default_value = "postgres")]
        protocol: String,
    },
}

pub fn run(command: RulesCommand) -> anyhow::Result<ExitCode> {
    match command {
        RulesCommand::Check { files, no_bundled } => {
            let detector = RuleDetector::with_packs(!no_bundled, &files).context("loading rule packs")?;
            detector.rules().compile_all().context("compiling rule patterns")?;
            let failures = detector.rules().check_examples();
            for failure in &failures {
                println!("FAIL {failure}");
            }
            let rules = detector.rules().rules.len();
            println!("{rules} rules, {} example failures", failures.len());
            Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        RulesCommand::Try { texts, files, no_bundled, protocol } => {
            let detector = RuleDetector::with_packs(!no_bundled, &files).context("loading rule packs")?;
            for text in texts {
                let mut variables = Variables::default();
                let line = understand(&text, &mut variables);
                let sql = understand_query(&text, &protocol);
                let kube = understand_request(&text);
                println!("{text}");
                for command in &line.commands {
                    println!(
                        "  runs: {} (origin {:?}, wrappers {:?})",
                        command.text(),
                        command.origin,
                        command.wrappers
                    );
                }
                for obfuscation in &line.obfuscations {
                    println!("  obfuscation: {} -> {}", obfuscation.technique, obfuscation.revealed);
                }
                let revealed = line.revealed();
                let target = Target {
                    line: &text,
                    revealed: &revealed,
                    commands: &line.commands,
                    sql: Some(&sql),
                    kube: kube.as_ref(),
                    output: "",
                };
                for hit in detector.rules().evaluate(&target) {
                    let rule = &detector.rules().rules[hit.rule];
                    println!(
                        "  MATCH {} [{}] {} {:?} <- {}",
                        rule.id, rule.risk, rule.title, rule.techniques, hit.evidence
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
