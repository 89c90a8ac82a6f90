//! Whether a shell command line is finished or the shell will ask for more (`PS2`): open quotes,
//! a trailing backslash or operator, unfinished `if`/`for`/`while`/`case` blocks, unclosed
//! brackets and here-documents still waiting for their terminator.
//!
//! This is a scanner, not a parser: it only has to agree with the shell on when a line is
//! complete, so the timeline can join continuation lines into one command.

/// True when the shell would prompt for a continuation line after `text`.
pub fn is_incomplete(text: &str) -> bool {
    let mut scanner = Scanner::default();
    for line in text.split('\n') {
        scanner.scan_line(line);
    }
    scanner.needs_more()
}

#[derive(Default)]
struct Scanner {
    /// Inside a quote: the closing character.
    quote: Option<char>,
    /// Open `(`, `{`, `$(` nesting.
    depth: i32,
    /// Open `if`/`for`/`while`/`until`/`case`/`select` blocks.
    blocks: i32,
    /// Here-document terminators still awaited, with whether leading tabs are stripped.
    heredocs: Vec<(String, bool)>,
    /// Here-documents announced on the current line (their bodies start on the next line).
    announced: Vec<(String, bool)>,
    /// The line ended with a backslash or an operator that needs a right-hand side.
    continued: bool,
}

impl Scanner {
    fn needs_more(&self) -> bool {
        self.quote.is_some() || self.depth > 0 || self.blocks > 0 || !self.heredocs.is_empty() || self.continued
    }

    fn scan_line(&mut self, line: &str) {
        if let Some((terminator, strip_tabs)) = self.heredocs.first() {
            let candidate = if *strip_tabs { line.trim_start_matches('\t') } else { line };
            if candidate == terminator {
                self.heredocs.remove(0);
            }
            return;
        }
        self.continued = false;
        let chars: Vec<char> = line.chars().collect();
        let mut index = 0;
        let mut word = String::new();
        let mut at_command_start = true;
        while index < chars.len() {
            let c = chars[index];
            if let Some(close) = self.quote {
                if c == '\\' && close == '"' {
                    index += 2;
                    continue;
                }
                if c == close {
                    self.quote = None;
                }
                index += 1;
                continue;
            }
            match c {
                '\\' => {
                    if index + 1 == chars.len() {
                        self.continued = true;
                    }
                    index += 2;
                    continue;
                }
                '\'' | '"' | '`' => self.quote = Some(c),
                '#' if word.is_empty() && (index == 0 || chars[index - 1].is_whitespace()) => break,
                '(' | '{' if word.is_empty() || word == "$" => self.depth += 1,
                ')' | '}' if self.depth > 0 => self.depth -= 1,
                '<' if chars.get(index + 1) == Some(&'<') && chars.get(index + 2) != Some(&'<') => {
                    index += 2;
                    let strip_tabs = chars.get(index) == Some(&'-');
                    if strip_tabs {
                        index += 1;
                    }
                    while chars.get(index).is_some_and(|c| c.is_whitespace()) {
                        index += 1;
                    }
                    let mut terminator = String::new();
                    while let Some(&c) = chars.get(index) {
                        if c.is_whitespace() || matches!(c, ';' | '|' | '&' | '>' | '<' | ')') {
                            break;
                        }
                        if !matches!(c, '\'' | '"' | '\\') {
                            terminator.push(c);
                        }
                        index += 1;
                    }
                    if !terminator.is_empty() {
                        self.announced.push((terminator, strip_tabs));
                    }
                    continue;
                }
                _ => {}
            }
            if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')') {
                self.end_word(&word, at_command_start);
                at_command_start = matches!(c, ';' | '&' | '|' | '(' | ')') || (at_command_start && word.is_empty());
                word.clear();
            } else if !matches!(c, '\'' | '"' | '`') {
                word.push(c);
            }
            index += 1;
        }
        if self.quote.is_none() {
            self.end_word(&word, at_command_start);
            let trimmed = line.trim_end();
            if trimmed.ends_with("&&")
                || trimmed.ends_with("||")
                || (trimmed.ends_with('|') && !trimmed.ends_with("\\|"))
            {
                self.continued = true;
            }
        }
        self.heredocs.append(&mut self.announced);
    }

    fn end_word(&mut self, word: &str, at_command_start: bool) {
        if !at_command_start {
            return;
        }
        match word {
            "if" | "for" | "while" | "until" | "case" | "select" => self.blocks += 1,
            "fi" | "done" | "esac" => self.blocks -= 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_lines() {
        for line in [
            "ls -la",
            "echo 'a b' \"c\"",
            "for i in 1 2; do echo $i; done",
            "cat <<EOF\nhello\nEOF",
            "echo a \\\nb",
            "if true; then echo y; fi",
            "echo $(date) # comment (",
            "grep -E 'a|b' x",
            "cat <<-'END' > f\n\tbody\n\tEND",
            "echo a && echo b",
            "f() { echo hi; }",
        ] {
            assert!(!is_incomplete(line), "{line:?}");
        }
    }

    #[test]
    fn incomplete_lines() {
        for line in [
            "echo \"hello",
            "echo one \\",
            "for i in 1 2 3",
            "for i in 1 2 3\ndo echo $i",
            "cat <<EOF > /tmp/x",
            "cat <<EOF\nline",
            "ls |",
            "make &&",
            "if true; then",
            "echo $(date",
            "case $x in",
            "echo 'it",
        ] {
            assert!(is_incomplete(line), "{line:?}");
        }
    }
}
