//! Static expansion of one shell word: what the shell would pass to the program, as far as it
//! can be known without running anything, and which hiding tricks the word used.

use super::{MAX_DECODED_BYTES, Variables, decode};
use brush_parser::ParserOptions;
use brush_parser::word::{Parameter, ParameterExpr, WordPiece, WordPieceWithSource};

/// A hiding trick seen in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trick {
    /// Quotes or backslashes inside a name (`c''url`, `c\url`).
    QuoteSplitting,
    /// ANSI-C escapes (`$'\x63\x61\x74'`).
    AnsiCEscapes,
    /// `${IFS}` used as a space.
    Ifs,
    /// A variable assigned earlier supplied part of the word (`$a$b`).
    VariableAssembly,
    /// A command substitution was evaluated to supply part of the word.
    EvaluatedSubstitution,
}

impl Trick {
    /// The obfuscation name used in findings.
    pub fn name(self) -> &'static str {
        match self {
            Trick::QuoteSplitting => "quote-splitting",
            Trick::AnsiCEscapes => "ansi-c-escapes",
            Trick::Ifs => "ifs-substitution",
            Trick::VariableAssembly => "variable-assembly",
            Trick::EvaluatedSubstitution => "evaluated-substitution",
        }
    }
}

/// A word after static expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The words it becomes (more than one when an unquoted expansion held spaces, as `${IFS}`).
    pub fields: Vec<String>,
    /// Tricks the word used.
    pub tricks: Vec<Trick>,
    /// Texts of command substitutions in the word (to analyse as commands too).
    pub substitutions: Vec<String>,
}

/// Expands a raw word (as it appears in the command line).
pub fn expand(raw: &str, variables: &Variables, depth: usize) -> Expanded {
    let mut expanded = Expanded::default();
    let pieces = match brush_parser::word::parse(raw, &ParserOptions::default()) {
        Ok(pieces) => pieces,
        Err(_) => {
            expanded.fields.push(raw.to_string());
            return expanded;
        }
    };
    let mut current = String::new();
    let mut split_points_possible = false;
    for (index, piece) in pieces.iter().enumerate() {
        let unquoted_expansion = expand_piece(piece, raw, variables, depth, &mut current, &mut expanded);
        split_points_possible |= unquoted_expansion;
        if is_split_quote(&pieces, index) && !expanded.tricks.contains(&Trick::QuoteSplitting) {
            expanded.tricks.push(Trick::QuoteSplitting);
        }
    }
    if split_points_possible && current.split_whitespace().nth(1).is_some() {
        expanded.fields.extend(current.split_whitespace().map(str::to_string));
    } else {
        expanded.fields.push(current);
    }
    expanded
}

/// Appends one piece's value; returns true for an unquoted expansion (subject to splitting).
fn expand_piece(
    piece: &WordPieceWithSource,
    raw: &str,
    variables: &Variables,
    depth: usize,
    current: &mut String,
    expanded: &mut Expanded,
) -> bool {
    let source = raw.get(piece.start_index..piece.end_index).unwrap_or("");
    match &piece.piece {
        WordPiece::Text(text) => current.push_str(text),
        WordPiece::SingleQuotedText(text) => current.push_str(text),
        WordPiece::AnsiCQuotedText(text) => {
            let decoded = decode::ansi_c_unescape(text);
            if text.contains("\\x")
                || text.contains("\\0")
                || text.contains("\\u")
                || text.chars().any(|c| c.is_ascii_digit()) && text.contains('\\')
            {
                push_trick(expanded, Trick::AnsiCEscapes);
            }
            current.push_str(&decoded);
        }
        WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
            for inner_piece in inner {
                // Inside double quotes nothing is split: ignore the return value.
                let _ = expand_piece(inner_piece, raw, variables, depth, current, expanded);
            }
        }
        WordPiece::TildeExpansion(_) => current.push_str(source),
        WordPiece::EscapeSequence(text) => current.push_str(text.strip_prefix('\\').unwrap_or(text)),
        WordPiece::ParameterExpansion(expression) => {
            return expand_parameter(expression, source, variables, current, expanded);
        }
        WordPiece::CommandSubstitution(text) | WordPiece::BackquotedCommandSubstitution(text) => {
            expanded.substitutions.push(text.clone());
            match decode::evaluate_output(text, variables, depth + 1) {
                Some(output) if output.len() <= MAX_DECODED_BYTES => {
                    push_trick(expanded, Trick::EvaluatedSubstitution);
                    current.push_str(output.trim_end_matches('\n'));
                    return true;
                }
                _ => current.push_str(source),
            }
        }
        WordPiece::ArithmeticExpression(_) => current.push_str(source),
    }
    false
}

fn expand_parameter(
    expression: &ParameterExpr,
    source: &str,
    variables: &Variables,
    current: &mut String,
    expanded: &mut Expanded,
) -> bool {
    let ParameterExpr::Parameter { parameter: Parameter::Named(name), indirect: false } = expression else {
        current.push_str(source);
        return false;
    };
    if name == "IFS" {
        push_trick(expanded, Trick::Ifs);
        current.push(' ');
        return true;
    }
    match variables.get(name) {
        Some(value) => {
            push_trick(expanded, Trick::VariableAssembly);
            current.push_str(value);
            true
        }
        None => {
            current.push_str(source);
            false
        }
    }
}

fn push_trick(expanded: &mut Expanded, trick: Trick) {
    if !expanded.tricks.contains(&trick) {
        expanded.tricks.push(trick);
    }
}

/// A quote or escape that splits a name rather than quoting a value: an empty quoted piece,
/// a backslash before a plain letter, or a quoted piece glued between letters.
fn is_split_quote(pieces: &[WordPieceWithSource], index: usize) -> bool {
    let glued = |position: Option<&WordPieceWithSource>, at_end: bool| {
        position.is_some_and(|piece| match &piece.piece {
            WordPiece::Text(text) => {
                let c = if at_end { text.chars().last() } else { text.chars().next() };
                c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
            }
            WordPiece::SingleQuotedText(text) | WordPiece::EscapeSequence(text) => !text.is_empty(),
            _ => false,
        })
    };
    let previous = index.checked_sub(1).and_then(|previous| pieces.get(previous));
    let next = pieces.get(index + 1);
    match &pieces[index].piece {
        WordPiece::SingleQuotedText(text) => text.is_empty() || (glued(previous, true) && glued(next, false)),
        WordPiece::DoubleQuotedSequence(inner) => inner.is_empty() || (glued(previous, true) && glued(next, false)),
        WordPiece::EscapeSequence(text) => {
            text.chars().nth(1).is_some_and(|c| c.is_ascii_alphanumeric())
                && (glued(previous, true) || glued(next, false))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &str, variables: &Variables) -> (Vec<String>, Vec<Trick>) {
        let expanded = expand(raw, variables, 0);
        (expanded.fields, expanded.tricks)
    }

    #[test]
    fn removes_quotes_and_escapes() {
        let none = Variables::default();
        assert_eq!(fields("c''url", &none), (vec!["curl".to_string()], vec![Trick::QuoteSplitting]));
        assert_eq!(fields("c\\url", &none).0, vec!["curl"]);
        assert!(fields("c\\url", &none).1.contains(&Trick::QuoteSplitting));
        assert_eq!(fields("'hello world'", &none), (vec!["hello world".to_string()], vec![]));
        assert_eq!(fields("--format=\"json\"", &none), (vec!["--format=json".to_string()], vec![]));
        assert_eq!(fields("/e\"\"tc/sha\\dow", &none).0, vec!["/etc/shadow"]);
    }

    #[test]
    fn decodes_ansi_c_and_ifs() {
        let none = Variables::default();
        assert_eq!(fields("$'\\x63\\x61\\x74'", &none), (vec!["cat".to_string()], vec![Trick::AnsiCEscapes]));
        assert_eq!(fields("cat${IFS}/etc/shadow", &none).0, vec!["cat", "/etc/shadow"]);
    }

    #[test]
    fn uses_session_variables() {
        let mut variables = Variables::default();
        variables.set("a", "cu".to_string());
        variables.set("b", "rl".to_string());
        assert_eq!(fields("$a$b", &variables), (vec!["curl".to_string()], vec![Trick::VariableAssembly]));
        assert_eq!(fields("$unknown", &variables).0, vec!["$unknown"]);
    }

    #[test]
    fn evaluates_decoding_substitutions() {
        let none = Variables::default();
        let expanded = expand("$(echo Y2F0IC9ldGMvc2hhZG93 | base64 -d)", &none, 0);
        assert_eq!(expanded.fields, vec!["cat", "/etc/shadow"]);
        assert!(expanded.tricks.contains(&Trick::EvaluatedSubstitution));
    }
}
