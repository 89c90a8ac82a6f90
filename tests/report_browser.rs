//! The review pages in a real browser: `sightline report` writes a page for every sample
//! session and the index; headless Chromium (Debian's, driven by playwright-core, installed by
//! `scripts/browser.sh install`) opens each with every non-`file:` request blocked, clicks the
//! riskiest timeline mark and checks the player's current time equals that command's offset,
//! walks the risky commands with `n` / `p`, checks links and the index filters, and fails on
//! any console error (`tests/browser/report.test.mjs`). Screenshots of the riskiest report
//! (screen and print) and of the index are kept in `target/report-artifacts/`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn install_browser() {
    let status = Command::new(repository("scripts/browser.sh")).arg("install").status().expect("scripts/browser.sh");
    assert!(status.success(), "scripts/browser.sh install failed");
}

fn browser_check(report: &Path, index: &Path, screenshots: &Path) -> String {
    let output = Command::new("node")
        .arg(repository("tests/browser/report.test.mjs"))
        .args([report, index, screenshots])
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "browser check of {} failed:\n{stdout}\n{}",
        report.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn every_sample_report_plays_seeks_and_makes_no_request() {
    install_browser();
    let artifacts = repository("target/report-artifacts");
    let pages = artifacts.join("pages");
    let _ = std::fs::remove_dir_all(&pages);
    let status = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("report")
        .arg(repository("examples/sessions"))
        .arg("-o")
        .arg(&pages)
        .status()
        .unwrap();
    assert!(status.success());
    let index = pages.join("index.html");
    let index_text = std::fs::read_to_string(&index).unwrap();

    // The riskiest session is the first row of the index.
    let first = index_text.split("class=\"open\" href=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let mut reports: Vec<PathBuf> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "html") && !path.ends_with("index.html"))
        .collect();
    reports.sort();
    assert!(reports.len() >= 8, "a page per sample session");
    for report in &reports {
        let shots = if report.ends_with(first) { artifacts.clone() } else { artifacts.join("others") };
        let summary = browser_check(report, &index, &shots);
        assert!(summary.contains("\"ok\":true"), "{summary}");
    }
    for shot in ["report.png", "report-print.png", "index.png"] {
        let size = std::fs::metadata(artifacts.join(shot)).map(|meta| meta.len()).unwrap_or(0);
        assert!(size > 10_000, "{shot} missing or blank ({size} bytes)");
    }
}

#[test]
fn a_verdict_file_gets_a_page_from_its_timeline() {
    install_browser();
    let directory = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .args(["analyze", "--format", "json"])
        .arg(repository("examples/sessions/db-postgres-billing.jsonl"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let verdict_file = directory.path().join("verdict.json");
    std::fs::write(&verdict_file, &output.stdout).unwrap();
    let page = directory.path().join("billing.html");
    let status = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("report")
        .arg(&verdict_file)
        .arg("-o")
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let index = directory.path().join("index.html");
    let all = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("report")
        .arg(&verdict_file)
        .arg(repository("examples/sessions/ssh-incident-bastion.cast"))
        .arg("-o")
        .arg(directory.path())
        .status()
        .unwrap();
    assert!(all.success() && index.exists());
    let summary = browser_check(&page, &index, &directory.path().join("shots"));
    assert!(summary.contains("\"ok\":true"), "{summary}");
}
