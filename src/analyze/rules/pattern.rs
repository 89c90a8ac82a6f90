//! One regular expression of a rule: its syntax is checked when the pack loads, and it is
//! compiled the first time a rule needs it.
//!
//! Why: the bundled packs hold about 1,900 patterns, and compiling every one at load took about
//! 0.7 s of CPU on each start (two thirds of `sightline analyze` on one session). Most of them
//! belong to rules for programs a given run never sees, and the rule index matches every
//! `line`, `output`, `command`, argument and redirect pattern through combined sets anyway.
//!
//! Guarantees: a pattern that loads matches exactly what `Regex::new(text)` matches; a syntax
//! error still stops the load with the same message `regex` gives. The only error left for
//! compile time is the compiled-size limit: [`super::RuleSet::compile_all`] (run by
//! `sightline run` at start and by `sightline rules check`) reports it naming the rule. A
//! pattern that cannot be compiled when first needed never matches, and says so once in the log.

use regex::Regex;
use std::sync::OnceLock;

/// A rule's regular expression, compiled on first use.
#[derive(Debug)]
pub(super) struct Pattern {
    text: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// Checks the pattern's syntax; the message names the pattern, as rule errors do.
    pub(super) fn new(text: &str) -> Result<Self, String> {
        // The parser `Regex::new` uses, with its default settings: the same patterns pass and
        // fail, with the same message.
        regex_syntax::Parser::new().parse(text).map_err(|error| format!("invalid pattern {text:?}: {error}"))?;
        Ok(Pattern { text: text.to_string(), compiled: OnceLock::new() })
    }

    /// The pattern's text.
    pub(super) fn as_str(&self) -> &str {
        &self.text
    }

    /// Compiles the pattern (once); the error says why it cannot be.
    pub(super) fn compile(&self) -> Result<&Regex, String> {
        let compiled = self.compiled.get_or_init(|| match Regex::new(&self.text) {
            Ok(regex) => Some(regex),
            Err(error) => {
                tracing::error!(pattern = self.text, %error, "rule pattern cannot be compiled; it never matches");
                None
            }
        });
        compiled.as_ref().ok_or_else(|| format!("invalid pattern {:?}: too large to compile", self.text))
    }

    /// Whether the pattern matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.compile().is_ok_and(|regex| regex.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn checks_syntax_at_load_like_regex_does() {
        for text in ["(", "[a-", "a{2,1}", r"\p{NoSuchClass}", "(?z)x"] {
            let error = Pattern::new(text).unwrap_err();
            let expected = regex::Regex::new(text).unwrap_err().to_string();
            assert_eq!(error, format!("invalid pattern {text:?}: {expected}"));
        }
    }

    #[test]
    fn matches_what_the_regex_matches() {
        let pattern = Pattern::new(r"(?i)^-{1,2}(force|f)$").unwrap();
        assert!(pattern.is_match("--FORCE") && pattern.is_match("-f"));
        assert!(!pattern.is_match("--forced") && !pattern.is_match("x-f"));
        assert_eq!(pattern.as_str(), r"(?i)^-{1,2}(force|f)$");
    }

    #[test]
    fn a_pattern_too_large_to_compile_is_an_error_then_and_never_matches() {
        // Valid syntax, but far over the compiled-size limit.
        let pattern = Pattern::new(r"\w{5000}\w{5000}").unwrap();
        let error = pattern.compile().unwrap_err();
        assert!(error.contains("too large to compile"), "{error}");
        assert!(!pattern.is_match(&"a".repeat(10_000)));
    }
}
