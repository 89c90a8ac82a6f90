//! Reads recording files into sessions, detecting the format from content (never the file
//! name):
//!
//! - JSON lines ([`jsonl`]): Teleport events one per line, or recording-chunk records, or
//!   session-end records; one file may hold many sessions in any interleaving, grouped by `sid`.
//! - A JSON array ([`tsh_json`]): Teleport's `tsh play --format json` output, with `print` data.
//! - asciicast v2 or v3 ([`asciicast`]), the asciinema format.
//!
//! Guarantee: a malformed line or element is reported with its file and line number and
//! skipped; the rest of the file is still read. Reading never panics on any bytes.

pub mod asciicast;
pub mod jsonl;
pub mod tsh_json;

use crate::model::Session;
use std::fmt;
use std::path::{Path, PathBuf};

/// A recording file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line: events, chunks or end records.
    JsonLines,
    /// One JSON array of events (`tsh play --format json`).
    TshJson,
    /// asciicast v2/v3.
    Asciicast,
}

/// Something wrong with part of a file; the rest was still read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub path: PathBuf,
    /// 1-based line number, 0 when the problem is with the whole file.
    pub line: usize,
    pub message: String,
}

/// The message for a file whose content is in no recording format.
pub const NOT_A_RECORDING: &str = "not a recording: expected JSON lines, a JSON array of events or asciicast";

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

/// The sessions read from one file, and what could not be read.
#[derive(Debug, Default)]
pub struct FileContents {
    pub format: Option<Format>,
    pub sessions: Vec<Session>,
    pub problems: Vec<ReadProblem>,
}

/// Detects the format of a file's bytes.
pub fn detect_format(bytes: &[u8]) -> Option<Format> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes.iter().position(|byte| !byte.is_ascii_whitespace())?;
    match bytes[start] {
        b'[' => Some(Format::TshJson),
        b'{' => {
            let first_line = bytes[start..].split(|byte| *byte == b'\n').next().unwrap_or_default();
            if asciicast::is_header(first_line) { Some(Format::Asciicast) } else { Some(Format::JsonLines) }
        }
        _ => None,
    }
}

/// Reads one file's sessions from its bytes; `path` names it in problems and gives asciicast
/// sessions their default id.
pub fn read_bytes(path: &Path, bytes: &[u8]) -> FileContents {
    let mut contents = FileContents { format: detect_format(bytes), ..FileContents::default() };
    let mut problem = |line: usize, message: String| {
        contents.problems.push(ReadProblem { path: path.to_path_buf(), line, message });
    };
    let sessions = match contents.format {
        Some(Format::JsonLines) => jsonl::read(path, bytes, &mut problem),
        Some(Format::TshJson) => tsh_json::read(path, bytes, &mut problem),
        Some(Format::Asciicast) => asciicast::read(path, bytes, &mut problem),
        None => {
            problem(0, NOT_A_RECORDING.to_string());
            Vec::new()
        }
    };
    contents.sessions = sessions;
    contents
}

/// Reads one file.
pub fn read_file(path: &Path) -> FileContents {
    match std::fs::read(path) {
        Ok(bytes) => read_bytes(path, &bytes),
        Err(error) => FileContents {
            problems: vec![ReadProblem {
                path: path.to_path_buf(),
                line: 0,
                message: format!("cannot read file: {error}"),
            }],
            ..FileContents::default()
        },
    }
}

/// A file to read, and whether it was named on the command line (else found in a directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    pub named: bool,
}

/// The files under `paths` (directories walked recursively, hidden entries skipped), sorted
/// within each directory; paths that do not exist are reported.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<FoundFile>, Vec<ReadProblem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let mut files = Vec::new();
        walk(path, &mut files, &mut problems);
        let named = !path.is_dir();
        found.extend(files.into_iter().map(|path| FoundFile { path, named }));
    }
    (found, problems)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<ReadProblem>) {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => {
            problems.push(ReadProblem { path: path.to_path_buf(), line: 0, message: format!("cannot read: {error}") });
            return;
        }
    };
    if !metadata.is_dir() {
        files.push(path.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(ReadProblem {
                path: path.to_path_buf(),
                line: 0,
                message: format!("cannot list directory: {error}"),
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|child| !child.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with('.')))
        .collect();
    children.sort();
    for child in children {
        walk(&child, files, problems);
    }
}

/// The file name without extension, used as a session id when the file names none.
pub fn file_stem(path: &Path) -> String {
    path.file_stem().and_then(|stem| stem.to_str()).unwrap_or("session").to_string()
}

/// Splits bytes into lines with their 1-based numbers, tolerating `\r\n`.
pub(crate) fn numbered_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes.split(|byte| *byte == b'\n').enumerate().map(|(index, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (index + 1, line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_from_content() {
        assert_eq!(detect_format(b"  [\n{\"event\":\"print\"}]"), Some(Format::TshJson));
        assert_eq!(
            detect_format(b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"x\"]"),
            Some(Format::Asciicast)
        );
        assert_eq!(detect_format(b"{\"event\":\"session.start\"}\n"), Some(Format::JsonLines));
        assert_eq!(detect_format(b"\xef\xbb\xbf{\"event\":\"x\"}"), Some(Format::JsonLines));
        assert_eq!(detect_format(b"hello"), None);
        assert_eq!(detect_format(b""), None);
    }
}
