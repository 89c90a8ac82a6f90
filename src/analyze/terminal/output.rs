//! What a command printed: captured from the raw output bounded in memory (a head and a tail,
//! cut with a marker in between), rendered to plain text, and checked for visible failure.

use aho_corasick::AhoCorasick;
use std::collections::VecDeque;
use std::sync::OnceLock;

/// Bytes of raw output kept from the start of a command's output.
const HEAD_LIMIT: usize = 6 * 1024;
/// Bytes of raw output kept from the end of a command's output.
const TAIL_LIMIT: usize = 2 * 1024;
/// At most this many error lines are reported per command.
const ERROR_LINES_LIMIT: usize = 5;

/// Bounded capture of one command's raw output.
#[derive(Debug, Default)]
pub struct OutputCapture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: usize,
}

impl OutputCapture {
    /// Appends output bytes, keeping at most `HEAD_LIMIT + TAIL_LIMIT` of them.
    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        let room = HEAD_LIMIT.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        if rest.is_empty() {
            return;
        }
        let rest = if rest.len() > TAIL_LIMIT { &rest[rest.len() - TAIL_LIMIT..] } else { rest };
        let overflow = (self.tail.len() + rest.len()).saturating_sub(TAIL_LIMIT);
        self.tail.drain(..overflow);
        self.tail.extend(rest);
    }

    /// Total bytes pushed.
    pub fn total_bytes(&self) -> usize {
        self.total
    }

    /// The output as plain text, with a marker where the middle was cut.
    pub fn render(&self) -> String {
        let mut text = to_plain_text(&self.head);
        let kept = self.head.len() + self.tail.len();
        if self.total > kept {
            let omitted = self.total - kept;
            text.push_str(&format!("\n[... {omitted} bytes of output omitted ...]\n"));
        }
        if !self.tail.is_empty() {
            let (first, second) = self.tail.as_slices();
            let mut tail = Vec::with_capacity(self.tail.len());
            tail.extend_from_slice(first);
            tail.extend_from_slice(second);
            text.push_str(&to_plain_text(&tail));
        }
        text
    }
}

/// Removes escape sequences and control characters from terminal output; a carriage return
/// not followed by a line feed rewinds the line (progress bars keep their last state), and a
/// backspace removes the previous character.
pub fn to_plain_text(bytes: &[u8]) -> String {
    let decoded = String::from_utf8_lossy(bytes);
    let mut text = String::with_capacity(decoded.len());
    let mut chars = decoded.chars();
    let mut line_start = 0;
    loop {
        // Printable ASCII, most of any output, is kept as it is: copy each run at once.
        let rest = chars.as_str();
        let run = rest.bytes().position(|byte| !(b' '..=b'~').contains(&byte)).unwrap_or(rest.len());
        text.push_str(&rest[..run]);
        chars = rest[run..].chars();
        let Some(c) = chars.next() else { break };
        apply(c, &mut chars, &mut text, &mut line_start);
    }
    text
}

/// Applies one character of output to `text`, whose current line starts at `line_start`;
/// `chars` is what follows it (an escape sequence is consumed from there).
fn apply(c: char, chars: &mut std::str::Chars<'_>, text: &mut String, line_start: &mut usize) {
    match c {
        '\x1b' => skip_escape(chars),
        '\r' => {
            let next = chars.clone().next();
            if next.is_some_and(|next| next != '\n' && next != '\r') {
                text.truncate(*line_start);
            }
        }
        '\n' => {
            text.push('\n');
            *line_start = text.len();
        }
        '\t' => text.push('\t'),
        '\x08' => {
            if text.len() > *line_start {
                text.pop();
            }
        }
        c if c.is_control() => {}
        c => text.push(c),
    }
}

fn skip_escape(chars: &mut std::str::Chars<'_>) {
    match chars.next() {
        // CSI: parameters and intermediates, then a final byte in @..~
        Some('[') => {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        // OSC, DCS, APC, PM, SOS: until BEL or ST (ESC \)
        Some(']' | 'P' | '_' | '^' | 'X') => {
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' {
                    chars.next();
                    break;
                }
            }
        }
        // Charset designations take one more character.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
        }
        _ => {}
    }
}

/// Messages in output that mean the command failed, matched anywhere in a line.
const FAILURE_MARKERS: &[&str] = &[
    "command not found",
    "No such file or directory",
    "Permission denied",
    "Operation not permitted",
    "is not in the sudoers file",
    "Authentication failure",
    "Traceback (most recent call last)",
    "Segmentation fault",
    "syntax error",
    "cannot access",
    "cannot open",
    "Connection refused",
    "Could not resolve host",
    "not recognized as",
    "Unknown command",
];

/// [`FAILURE_MARKERS`] as one automaton (each output is scanned once, not once per marker).
fn failure_markers() -> &'static AhoCorasick {
    static MARKERS: OnceLock<AhoCorasick> = OnceLock::new();
    // Fifteen short literals: building the automaton cannot fail (covered by tests).
    MARKERS.get_or_init(|| AhoCorasick::new(FAILURE_MARKERS).expect("failure markers build (tested)"))
}

/// Line prefixes that mean the command failed.
const FAILURE_PREFIXES: &[&str] = &["error:", "Error:", "ERROR:", "ERROR ", "fatal:", "FATAL:", "E: ", "psql: error"];

/// The lines of `output` that show the command failed (at most a few). An output ending in
/// the `^C` echo means the command was interrupted.
pub fn failure_lines(output: &str) -> Vec<String> {
    let interrupted = output.trim_end().lines().last().is_some_and(|line| line.trim() == "^C");
    let interrupt = interrupted.then(|| "interrupted (^C)".to_string());
    // Markers hold no line break: when none is anywhere in the output, no line has one.
    let markers = failure_markers();
    let any_marker = markers.is_match(output);
    output
        .lines()
        .map(str::trim)
        .filter(|line| {
            (any_marker && markers.is_match(line)) || FAILURE_PREFIXES.iter().any(|prefix| line.starts_with(prefix))
        })
        .map(|line| line.chars().take(300).collect())
        .chain(interrupt)
        .take(ERROR_LINES_LIMIT)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    /// `to_plain_text` as it was, deciding on every character: copying printable runs at once
    /// must not change the text.
    fn to_plain_text_char_by_char(bytes: &[u8]) -> String {
        let decoded = String::from_utf8_lossy(bytes);
        let (mut text, mut line_start) = (String::new(), 0);
        let mut chars = decoded.chars();
        while let Some(c) = chars.next() {
            apply(c, &mut chars, &mut text, &mut line_start);
        }
        text
    }

    proptest::proptest! {
        #[test]
        fn runs_copied_at_once_give_the_same_text(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[ -~]{0,12}").unwrap().prop_map(String::into_bytes),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..6),
                    proptest::sample::select(vec![
                        b"\r".to_vec(), b"\r\n".to_vec(), b"\n".to_vec(), b"\x08".to_vec(), b"\t".to_vec(),
                        b"\x1b[1;32m".to_vec(), b"\x1b]0;t\x07".to_vec(), b"\x1b(B".to_vec(), "é→".as_bytes().to_vec(),
                    ]),
                ],
                0..40,
            )
        ) {
            let bytes = parts.concat();
            proptest::prop_assert_eq!(to_plain_text(&bytes), to_plain_text_char_by_char(&bytes));
        }
    }

    #[test]
    fn strips_escapes_and_applies_carriage_returns() {
        assert_eq!(to_plain_text(b"\x1b[1;32mok\x1b[0m\r\n"), "ok\n");
        assert_eq!(to_plain_text(b"10%\r50%\r100%\r\ndone"), "100%\ndone");
        assert_eq!(to_plain_text(b"\x1b]0;title\x07x\x08y"), "y");
    }

    #[test]
    fn capture_keeps_head_and_tail_with_a_marker() {
        let mut capture = OutputCapture::default();
        for line in 0..10_000 {
            capture.push(format!("line {line}\n").as_bytes());
        }
        let text = capture.render();
        assert!(text.starts_with("line 0\n"));
        assert!(text.ends_with("line 9999\n"));
        assert!(text.contains("bytes of output omitted"));
        assert!(text.len() < HEAD_LIMIT + TAIL_LIMIT + 100);
    }

    #[test]
    fn finds_failure_lines() {
        let output = "bash: nosuch: command not found\nok\ncat: /x: No such file or directory\n";
        assert_eq!(failure_lines(output).len(), 2);
        assert!(failure_lines("all good\n0 errors\n").is_empty());
    }

    #[test]
    fn every_marker_is_found_in_the_middle_of_a_line_among_others() {
        for marker in FAILURE_MARKERS {
            let output = format!("first line\nprefix {marker} suffix\nlast line\n");
            assert_eq!(failure_lines(&output), vec![format!("prefix {marker} suffix")], "{marker}");
        }
        // A marker cut by a line break is not a marker.
        assert!(failure_lines("command not\nfound\n").is_empty());
        assert_eq!(failure_lines("ok\nerror: bad flag\n"), vec!["error: bad flag".to_string()]);
    }
}
