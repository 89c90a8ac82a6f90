//! `sightline report PATH... -o OUT`: HTML review pages. Recordings are judged (as `analyze`
//! does) and their own terminal output goes into the player; verdict files (one JSON verdict,
//! or JSON lines as `analyze --format json` prints) get a player replaying their timeline.
//!
//! One session and `-o something.html` writes that page; otherwise `-o` is a directory that
//! receives one page per session and `index.html`, the sessions sorted by risk.

use anyhow::{Context, bail};
use clap::Args;
use sightline::analyze::detect::RuleDetector;
use sightline::model::{Session, Verdict};
use sightline::report;
use sightline::source::files;
use sightline::verdict::judge_session;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `sightline report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Recording files, verdict files (JSON / JSON lines), or directories of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output: a `.html` file for a single session, else a directory (created if needed).
    #[arg(short, long)]
    output: PathBuf,
    /// Extra rule files (YAML), added to the bundled packs.
    #[arg(long = "rules", value_name = "FILE", num_args = 1..)]
    rule_files: Vec<PathBuf>,
}

/// Reads verdicts from `text` when it holds verdicts (one JSON object or JSON lines).
fn verdicts_in(text: &str) -> Option<Vec<Verdict>> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return None;
    }
    if let Ok(verdict) = serde_json::from_str::<Verdict>(trimmed) {
        return Some(vec![verdict]);
    }
    let mut verdicts = Vec::new();
    for line in trimmed.lines().filter(|line| !line.trim().is_empty()) {
        verdicts.push(serde_json::from_str::<Verdict>(line).ok()?);
    }
    (!verdicts.is_empty()).then_some(verdicts)
}

/// Runs `report`.
pub fn run(arguments: ReportArgs) -> anyhow::Result<ExitCode> {
    let detector = RuleDetector::with_packs(true, &arguments.rule_files).context("loading rule packs")?;
    let (found, problems) = files::collect_files(&arguments.paths);
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    let mut judged: Vec<(Option<Session>, Verdict)> = Vec::new();
    for file in &found {
        if let Ok(text) = std::fs::read_to_string(&file.path)
            && let Some(verdicts) = verdicts_in(&text)
        {
            judged.extend(verdicts.into_iter().map(|verdict| (None, verdict)));
            continue;
        }
        let read = files::read_file(&file.path);
        if read.format.is_none() && !file.named {
            continue; // a README beside the recordings
        }
        for problem in &read.problems {
            eprintln!("warning: {problem}");
        }
        for session in read.sessions {
            let verdict = judge_session(&session, &detector);
            judged.push((Some(session), verdict));
        }
    }
    if judged.is_empty() {
        bail!("no session or verdict could be read from the given paths");
    }
    let single = judged.len() == 1 && arguments.output.extension().is_some_and(|extension| extension == "html");
    if single {
        let (session, verdict) = &judged[0];
        report::write(&arguments.output, &report::session_report(session.as_ref(), verdict))?;
        eprintln!("wrote {}", arguments.output.display());
        return Ok(ExitCode::SUCCESS);
    }
    write_directory(&arguments.output, &judged)?;
    Ok(ExitCode::SUCCESS)
}

fn write_directory(directory: &Path, judged: &[(Option<Session>, Verdict)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory).with_context(|| format!("creating {}", directory.display()))?;
    for (session, verdict) in judged {
        let path = directory.join(report::file_name(&verdict.session_id));
        report::write(&path, &report::session_report(session.as_ref(), verdict))?;
    }
    let verdicts: Vec<Verdict> = judged.iter().map(|(_, verdict)| verdict.clone()).collect();
    let index = directory.join("index.html");
    report::write(&index, &report::index::render(&verdicts))?;
    eprintln!("wrote {} session pages and {}", judged.len(), index.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_files_are_told_from_recordings() {
        assert!(verdicts_in("{\"event\":\"print\",\"data\":\"aGk=\"}\n").is_none());
        assert!(verdicts_in("[{\"event\":\"session.start\"}]").is_none());
    }
}
