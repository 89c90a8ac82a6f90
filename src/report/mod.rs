//! HTML reports for reviewers: one self-contained page per session ([`page`]) with a timeline
//! strip and the embedded player ([`cast`]), and an index page of sessions sorted by risk
//! ([`index`]).
//!
//! Guarantees: every page is one file that works offline (scripts, styles and the recording
//! inlined; no request leaves the page), reads without JavaScript, and escapes everything that
//! came from the session — recorded text is hostile input here too.

pub mod cast;
pub mod index;
pub mod page;

use crate::model::{RiskLevel, Session, Verdict};
use std::path::{Path, PathBuf};

/// `[report]` in the `run` config: write a page for every verdict at or above `min_risk`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Directory the pages go to (created if needed; a mounted bucket works too). One file per
    /// session, named after its id; a re-judged session overwrites its page.
    pub directory: PathBuf,
    /// Lowest risk that gets a page. Default `high`.
    #[serde(default = "default_report_risk")]
    pub min_risk: RiskLevel,
    /// Where the directory is served from (e.g. `https://reports.example.com/sightline/`): the
    /// location in verdicts and audit events becomes this prefix plus the file name. Unset:
    /// the page's path.
    #[serde(default)]
    pub url_prefix: Option<String>,
}

fn default_report_risk() -> RiskLevel {
    RiskLevel::High
}

impl ReportConfig {
    /// Writes the page for a judged session when its risk calls for one; returns its location.
    pub fn write_for(&self, session: &Session, verdict: &Verdict) -> Result<Option<String>, ReportError> {
        if verdict.enhanced_summary.risk_level < self.min_risk {
            return Ok(None);
        }
        let name = file_name(&verdict.session_id);
        let path = self.directory.join(&name);
        write(&path, &session_report(Some(session), verdict))?;
        Ok(Some(match &self.url_prefix {
            Some(prefix) => format!("{prefix}{name}"),
            None => std::path::absolute(&path).unwrap_or(path).display().to_string(),
        }))
    }
}

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct ReportError {
    path: PathBuf,
    source: std::io::Error,
}

/// `LOW`, `MEDIUM`, `HIGH` or `CRITICAL` (an unspecified level shows as `LOW`).
pub fn risk_name(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::Unspecified | RiskLevel::Low => "LOW",
        other => other.as_str(),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters other than tab and newline would make the page invalid.
            control if control.is_control() && control != '\n' && control != '\t' => {
                escaped.push_str(&format!("\\x{:02x}", control as u32));
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// `text` as a JSON string safe inside `<script type="application/json">` (no `</script>`,
/// no `<!--`).
pub fn json_for_script(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e")
}

/// The page for a judged session: its own terminal output in the player, or a cast written
/// from the timeline when it has none.
pub fn session_report(session: Option<&Session>, verdict: &Verdict) -> String {
    let cast = session.and_then(cast::from_session).unwrap_or_else(|| {
        let metadata = &verdict.session_metadata;
        let prompt = match verdict.kind {
            crate::model::SessionKind::Db => format!("{}=> ", metadata.db_name),
            crate::model::SessionKind::K8s => format!("{}# ", metadata.kubernetes_pod_name),
            crate::model::SessionKind::Ssh => format!("{}$ ", metadata.login),
        };
        cast::from_timeline(&verdict.enhanced_summary.session_events, &prompt)
    });
    page::render(verdict, &cast)
}

/// A file name for a session's page: the session id with anything but `[A-Za-z0-9._-]`
/// replaced.
pub fn file_name(session_id: &str) -> String {
    let clean: String = session_id
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || "._-".contains(character) { character } else { '_' })
        .collect();
    let clean = clean.trim_start_matches('.');
    format!("{}.html", if clean.is_empty() { "session" } else { clean })
}

/// Writes `text` to `path`, creating parent directories, through a temporary file so a reader
/// never sees half a page.
pub fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    let error = |source| ReportError { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    let temporary = path.with_extension("html.tmp");
    std::fs::write(&temporary, text).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\x1b[31mb");
        assert!(!json_for_script("</script><!--").contains('<'));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("7a1c-22"), "7a1c-22.html");
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd.html");
        assert_eq!(file_name(""), "session.html");
    }
}
