//! `sightline analyze PATH...`: reads recording files, analyses every session and prints one
//! verdict per session, as a text report or as JSON lines. Files are read and sessions judged
//! in parallel, in batches, and printed in input order. The exit code is non-zero only when
//! nothing could be read.

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sightline::analyze::Detector;
use sightline::analyze::detect::RuleDetector;
use sightline::classify::Classifier;
use sightline::classify::config::InferenceConfig;
use sightline::model::Session;
use sightline::source::files::{self, ReadProblem};
use sightline::verdict::{judge_session, render};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Files read and analysed together before their verdicts are printed.
const FILES_PER_BATCH: usize = 64;

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
enum OutputFormat {
    /// A readable report per session.
    #[default]
    Text,
    /// One verdict per line (JSON lines).
    Json,
}

/// Arguments of `sightline analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Recording files or directories (walked recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// Extra rule files (YAML), added to the bundled packs.
    #[arg(long = "rules", value_name = "FILE", num_args = 1..)]
    rule_files: Vec<PathBuf>,
    /// Use only the `--rules` files, not the bundled packs.
    #[arg(long)]
    no_bundled: bool,
    /// Summarize with an LLM where a policy matches: a TOML file with `[models.*]`,
    /// `[secrets.*]` and `[policies.*]` (or a `run` config's `[inference]` section).
    #[arg(long, value_name = "FILE")]
    inference: Option<PathBuf>,
}

/// Loads the `--inference` file.
fn load_classifier(path: &std::path::Path) -> anyhow::Result<Option<Classifier>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut table: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if let Some(toml::Value::Table(inner)) = table.remove("inference") {
        table = inner;
    }
    let config: InferenceConfig = toml::Value::Table(table)
        .try_into()
        .with_context(|| format!("{}: not an inference config (models, secrets, policies)", path.display()))?;
    if let Err((key, message)) = config.validate() {
        anyhow::bail!("{}: {key} {message}", path.display());
    }
    let classifier = Classifier::new(&config)?;
    if classifier.is_none() {
        eprintln!("note: {} has no policy; verdicts are rules-only", path.display());
    }
    Ok(classifier)
}

/// Runs `analyze`.
pub fn run(arguments: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let detector =
        RuleDetector::with_packs(!arguments.no_bundled, &arguments.rule_files).context("loading rule packs")?;
    let classifier = arguments.inference.as_deref().map(load_classifier).transpose()?.flatten();
    let (found, walk_problems) = files::collect_files(&arguments.paths);
    for problem in &walk_problems {
        eprintln!("warning: {problem}");
    }
    let progress = ProgressBar::with_draw_target(Some(found.len() as u64), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut sessions_judged = 0usize;
    let mut skipped_in_directories = 0usize;
    for batch in found.chunks(FILES_PER_BATCH) {
        let contents: Vec<files::FileContents> = batch.par_iter().map(|file| files::read_file(&file.path)).collect();
        let mut sessions: Vec<Session> = Vec::new();
        let mut problems: Vec<ReadProblem> = Vec::new();
        for (file, read) in batch.iter().zip(contents) {
            // Files in a directory that are not recordings at all (a README) are skipped
            // quietly; a file named on the command line is always reported.
            if !file.named && read.format.is_none() {
                skipped_in_directories += 1;
                continue;
            }
            sessions.extend(read.sessions);
            problems.extend(read.problems);
        }
        for problem in &problems {
            progress.suspend(|| eprintln!("warning: {problem}"));
        }
        let rendered: Vec<String> = sessions
            .par_iter()
            .map(|session| render_verdict(session, &detector, classifier.as_ref(), arguments.format))
            .collect::<anyhow::Result<_>>()?;
        for text in rendered {
            out.write_all(text.as_bytes()).context("writing to stdout")?;
        }
        sessions_judged += sessions.len();
        progress.inc(batch.len() as u64);
        progress.set_message(format!("{sessions_judged} sessions"));
    }
    out.flush().context("writing to stdout")?;
    progress.finish_and_clear();
    if skipped_in_directories > 0 {
        let files = if skipped_in_directories == 1 { "file" } else { "files" };
        eprintln!("note: skipped {skipped_in_directories} {files} that are not recordings (README.md and the like)");
    }

    if sessions_judged == 0 {
        eprintln!("error: no session could be read from the given paths");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn render_verdict(
    session: &Session,
    detector: &dyn Detector,
    classifier: Option<&Classifier>,
    format: OutputFormat,
) -> anyhow::Result<String> {
    let mut verdict = judge_session(session, detector);
    if let Some(classifier) = classifier {
        classifier.classify(Some(session), &mut verdict);
    }
    Ok(match format {
        OutputFormat::Json => {
            let mut line = serde_json::to_string(&verdict).context("serializing a verdict")?;
            line.push('\n');
            line
        }
        OutputFormat::Text => format!("{}\n", render::text_report(&verdict)),
    })
}
