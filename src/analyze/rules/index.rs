//! The rule set's index: which rules can apply to an entry, and every rule's `line`, `output`
//! and `command` patterns combined into one regex set each, so an entry is scanned once per kind
//! of pattern instead of once per rule. The argument and redirect patterns (`argument`,
//! `all_arguments`, `not_argument`, `redirect`) are one more set, run over each argument and
//! file-redirect target of a command the first time a candidate rule asks about that command.
//!
//! Guarantees: [`RuleIndex`] only narrows the work; evaluating with it gives the same hits, in
//! the same order, as matching every rule one by one ([`super::Rule::matches`]). The test
//! below checks that on every example of every bundled rule.

use super::{CommandPatterns, Rule, Target};
use regex_automata::{Input, PatternID, PatternSet as Found, meta};
use std::cell::OnceCell;
use std::collections::HashMap;

/// Which rules to try for an entry, and the combined pattern sets.
#[derive(Debug)]
pub(super) struct RuleIndex {
    /// Rules with a shell matcher for a program, by program.
    by_program: HashMap<String, Vec<usize>>,
    /// Rules with a shell matcher for any program that no pattern set gates (redirect, wrapper,
    /// argument conditions): tried on every entry. A matcher for any program with a `line`,
    /// `output` or `command` condition can only hold when that condition does, so its rule is
    /// tried only when the pattern set says so.
    any_program: Vec<usize>,
    /// Rules with a SQL matcher.
    sql: Vec<usize>,
    /// Rules with a Kubernetes matcher.
    kube: Vec<usize>,
    /// Every `line` pattern; `None` when the set is too large to compile.
    line: Option<PatternSet>,
    /// Every `output` pattern; `None` when the set is too large to compile.
    output: Option<PatternSet>,
    /// Every `command` pattern; `None` when the set is too large to compile.
    command: Option<PatternSet>,
    /// Every argument and redirect pattern; `None` when the set is too large to compile.
    arguments: Option<ArgumentSet>,
}

/// Which (rule, matcher) pairs' pattern conditions hold for one target, per kind of pattern;
/// `None` for a kind whose set could not be compiled (its patterns are then tried one by one).
#[derive(Debug)]
pub(super) struct TargetHolds {
    /// `line` patterns, against the line and every revealed text.
    pub(super) line: Option<Holds>,
    /// `output` patterns, against the output.
    pub(super) output: Option<Holds>,
    /// `command` patterns, per command of the target.
    pub(super) command: Option<Vec<Holds>>,
    /// Argument and redirect patterns that match, per command of the target (found when first
    /// asked).
    arguments: Vec<OnceCell<ArgumentsFound>>,
}

/// Every distinct argument and redirect pattern text in one set, and which of them belong to
/// each shell matcher's conditions.
#[derive(Debug)]
struct ArgumentSet {
    set: meta::Regex,
    /// By rule, then matcher: the set's ids of its `argument`, `all_arguments`,
    /// `not_argument` and `redirect` patterns (in [`ARGUMENT_KINDS`] order).
    ids: Vec<Vec<[Vec<PatternID>; 4]>>,
}

/// The argument and redirect patterns matching one command.
#[derive(Debug)]
struct ArgumentsFound {
    /// Patterns matching some argument.
    arguments: Found,
    /// Patterns matching the target of some redirect that writes a file.
    redirects: Found,
}

/// The kinds of pattern in [`ArgumentSet`], in the order of [`ArgumentSet::ids`].
const ARGUMENT_KINDS: [CommandPatterns; 4] =
    [CommandPatterns::Argument, CommandPatterns::AllArguments, CommandPatterns::NotArgument, CommandPatterns::Redirect];

/// Where a kind of argument pattern is in [`ArgumentSet::ids`]; `None` for `command`.
fn slot(kind: CommandPatterns) -> Option<usize> {
    ARGUMENT_KINDS.iter().position(|candidate| *candidate == kind)
}

impl ArgumentSet {
    /// The set, or `None` when it is too large to compile (the patterns are then matched one by
    /// one: slower, same results). Built as `regex::RegexSet` builds its sets, so each pattern
    /// matches what `Regex::new` of it matches.
    fn build(rules: &[Rule]) -> Option<Self> {
        let mut texts: Vec<&str> = Vec::new();
        let mut by_text: HashMap<&str, PatternID> = HashMap::new();
        let mut ids = Vec::with_capacity(rules.len());
        for rule in rules {
            let mut matchers = Vec::with_capacity(rule.shell.len());
            for matcher in &rule.shell {
                let mut slots: [Vec<PatternID>; 4] = Default::default();
                for (slot, kind) in slots.iter_mut().zip(ARGUMENT_KINDS) {
                    for pattern in matcher.patterns_of(kind) {
                        let text = pattern.as_str();
                        let next = PatternID::new(texts.len()).ok()?;
                        let id = *by_text.entry(text).or_insert_with(|| {
                            texts.push(text);
                            next
                        });
                        slot.push(id);
                    }
                }
                matchers.push(slots);
            }
            ids.push(matchers);
        }
        let config = meta::Config::new()
            .match_kind(regex_automata::MatchKind::All)
            .utf8_empty(true)
            .which_captures(regex_automata::nfa::thompson::WhichCaptures::None)
            .nfa_size_limit(Some(256 * 1024 * 1024))
            .hybrid_cache_capacity(64 * 1024 * 1024);
        let set = meta::Builder::new()
            .configure(config)
            .syntax(regex_automata::util::syntax::Config::new().utf8(true))
            .build_many(&texts)
            .ok()?;
        Some(ArgumentSet { set, ids })
    }

    fn find(&self, command: &crate::analyze::shell::SimpleCommand) -> ArgumentsFound {
        let mut arguments = Found::new(self.set.pattern_len());
        for arg in &command.args {
            self.set.which_overlapping_matches(&Input::new(arg), &mut arguments);
        }
        let mut redirects = Found::new(self.set.pattern_len());
        for target in super::file_redirect_targets(command) {
            self.set.which_overlapping_matches(&Input::new(target), &mut redirects);
        }
        ArgumentsFound { arguments, redirects }
    }
}

/// Patterns of many matchers in one set, and which (rule, matcher) each belongs to.
#[derive(Debug)]
struct PatternSet {
    set: regex::RegexSet,
    owners: Vec<(usize, usize)>,
}

/// The (rule, matcher) pairs whose condition holds, sorted.
#[derive(Debug, Default)]
pub(super) struct Holds(Vec<(usize, usize)>);

impl Holds {
    pub(super) fn contains(&self, pair: &(usize, usize)) -> bool {
        self.0.binary_search(pair).is_ok()
    }

    fn rules(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().map(|(rule, _)| *rule)
    }
}

impl PatternSet {
    /// The set, or `None` when it is too large to compile (the patterns are then matched one by
    /// one: slower, same results).
    fn build(rules: &[Rule], patterns_of: impl Fn(&super::CompiledShell) -> &[super::Pattern]) -> Option<Self> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (rule_index, rule) in rules.iter().enumerate() {
            for (matcher_index, matcher) in rule.shell.iter().enumerate() {
                for regex in patterns_of(matcher) {
                    patterns.push(regex.as_str().to_string());
                    owners.push((rule_index, matcher_index));
                }
            }
        }
        let set = regex::RegexSetBuilder::new(&patterns)
            .size_limit(256 * 1024 * 1024)
            .dfa_size_limit(64 * 1024 * 1024)
            .build()
            .ok()?;
        Some(PatternSet { set, owners })
    }

    fn holds<'t>(&self, texts: impl Iterator<Item = &'t str>) -> Holds {
        let mut holds = Vec::new();
        for text in texts {
            holds.extend(self.set.matches(text).iter().map(|pattern| self.owners[pattern]));
        }
        holds.sort_unstable();
        holds.dedup();
        Holds(holds)
    }
}

impl RuleIndex {
    pub(super) fn build(rules: &[Rule]) -> Self {
        let mut index = RuleIndex {
            by_program: HashMap::new(),
            any_program: Vec::new(),
            sql: Vec::new(),
            kube: Vec::new(),
            line: PatternSet::build(rules, |matcher| &matcher.line),
            output: PatternSet::build(rules, |matcher| &matcher.output),
            command: PatternSet::build(rules, |matcher| &matcher.command),
            arguments: ArgumentSet::build(rules),
        };
        for (rule_index, rule) in rules.iter().enumerate() {
            for matcher in &rule.shell {
                let gated = (!matcher.line.is_empty() && index.line.is_some())
                    || (!matcher.output.is_empty() && index.output.is_some())
                    || (!matcher.command.is_empty() && index.command.is_some());
                if matcher.program.is_empty() && !gated {
                    index.any_program.push(rule_index);
                }
                for program in &matcher.program {
                    index.by_program.entry(program.clone()).or_default().push(rule_index);
                }
            }
            if rule.sql.is_some() {
                index.sql.push(rule_index);
            }
            if rule.kube.is_some() {
                index.kube.push(rule_index);
            }
        }
        index
    }

    /// The rules that could match `target`, in rule order: every rule whose program the
    /// target runs, whose `line`, `output` or `command` patterns matched (`holds`), that has a
    /// matcher for any program no pattern set gates, or that has a SQL or Kubernetes matcher the
    /// target offers something to. Any other rule cannot match.
    pub(super) fn candidates(&self, target: &Target<'_>, holds: &TargetHolds) -> Vec<usize> {
        let mut candidates = self.any_program.clone();
        candidates.extend(holds.line.iter().flat_map(Holds::rules));
        candidates.extend(holds.output.iter().flat_map(Holds::rules));
        candidates.extend(holds.command.iter().flatten().flat_map(Holds::rules));
        for command in target.commands {
            if let Some(rules) = self.by_program.get(&command.program) {
                candidates.extend_from_slice(rules);
            }
        }
        if target.sql.is_some() {
            candidates.extend_from_slice(&self.sql);
        }
        if target.kube.is_some() {
            candidates.extend_from_slice(&self.kube);
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// The matchers whose pattern conditions hold for the target, by kind of pattern.
    pub(super) fn holds(&self, target: &Target<'_>) -> TargetHolds {
        let texts = std::iter::once(target.line).chain(target.revealed.iter().map(String::as_str));
        TargetHolds {
            line: self.line.as_ref().map(|set| set.holds(texts)),
            output: self.output.as_ref().map(|set| set.holds(std::iter::once(target.output))),
            command: self.command.as_ref().map(|set| {
                target.commands.iter().map(|command| set.holds(std::iter::once(command.text().as_str()))).collect()
            }),
            arguments: target.commands.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    /// Whether the patterns of `kind` of matcher `(rule, matcher)` hold for the target's command
    /// `command` (as [`Rule::command_holds`] answers it), or `None` when that kind's set could
    /// not be compiled.
    pub(super) fn command_holds(
        &self,
        holds: &TargetHolds,
        target: &Target<'_>,
        (rule, matcher): (usize, usize),
        command: usize,
        kind: CommandPatterns,
    ) -> Option<bool> {
        let Some(slot) = slot(kind) else {
            return holds.command.as_ref().map(|holds| holds[command].contains(&(rule, matcher)));
        };
        let set = self.arguments.as_ref()?;
        let found = holds.arguments[command].get_or_init(|| set.find(&target.commands[command]));
        let ids = &set.ids[rule][matcher][slot];
        Some(match kind {
            CommandPatterns::AllArguments => ids.iter().all(|id| found.arguments.contains(*id)),
            CommandPatterns::Redirect => ids.iter().any(|id| found.redirects.contains(*id)),
            CommandPatterns::Argument | CommandPatterns::NotArgument | CommandPatterns::Command => {
                ids.iter().any(|id| found.arguments.contains(*id))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RuleSet, example_target};

    /// Every example of every bundled rule, judged by the whole set: the index must find the
    /// same rules with the same evidence as trying each rule on its own.
    #[test]
    fn indexed_evaluation_equals_rule_by_rule() {
        let rules = RuleSet::bundled().unwrap();
        let mut compared = 0;
        for rule in &rules.rules {
            for example in rule.examples.matching.iter().chain(&rule.examples.no_match) {
                for protocol in ["postgres", "mysql"] {
                    example_target(example, protocol, &mut |target| {
                        let indexed = rules.evaluate(target);
                        let one_by_one: Vec<_> = rules
                            .rules
                            .iter()
                            .enumerate()
                            .filter_map(|(index, rule)| {
                                rule.matches(target).map(|evidence| super::super::Hit { rule: index, evidence })
                            })
                            .collect();
                        assert_eq!(indexed, one_by_one, "example {example:?} ({protocol})");
                        compared += 1;
                    });
                }
            }
        }
        assert!(compared > 1000, "only {compared} examples compared");
    }

    /// The argument set's answers on the cases its union of matches must get right: patterns of
    /// one `all_arguments` condition matched by different arguments, a `not_argument` veto, a
    /// redirect to a descriptor (not a file), a pattern shared by two rules.
    #[test]
    fn argument_set_answers_as_patterns_one_by_one() {
        let mut rules = RuleSet::default();
        let rule = |id: &str, condition: &str, example: &str| {
            format!(
                "  - id: {id}\n    title: t\n    description: d\n    techniques: [T1485]\n    risk: HIGH\n    match: {{{condition}}}\n    examples:\n      match: [\"{example}\"]\n"
            )
        };
        let text = [
            rule("t.all", "program: [rm], all_arguments: ['^-rf$', '^/data$']", "rm -rf /data"),
            rule("t.not", "program: [find], argument: ['^/$'], not_argument: ['^-name$']", "find / -delete"),
            rule("t.redirect", "redirect: ['^(1|/etc/shadow)$']", "echo x > /etc/shadow"),
            rule("t.shared", "program: [cp], argument: ['^/data$']", "cp /data /tmp"),
        ]
        .concat();
        rules.add_yaml("test.yaml", &format!("rules:\n{text}")).unwrap();
        assert!(rules.check_examples().is_empty(), "{:?}", rules.check_examples());
        let cases = [
            ("rm -rf /data", vec!["t.all"]),
            ("rm /data -rf", vec!["t.all"]),
            ("rm -rf /tmp", vec![]),
            ("rm /data", vec![]),
            ("find / -delete", vec!["t.not"]),
            ("find / -name x -delete", vec![]),
            ("echo x > /etc/shadow", vec!["t.redirect"]),
            ("echo x >& 1", vec![]),
            ("echo x >& /etc/shadow", vec!["t.redirect"]),
            ("cp /data /tmp && rm -rf /data", vec!["t.all", "t.shared"]),
        ];
        for (line, expected) in cases {
            example_target(line, "postgres", &mut |target| {
                let hits: Vec<&str> =
                    rules.evaluate(target).iter().map(|hit| rules.rules[hit.rule].id.as_str()).collect();
                assert_eq!(hits, expected, "{line}");
                let one_by_one: Vec<&str> = rules
                    .rules
                    .iter()
                    .filter(|rule| rule.matches(target).is_some())
                    .map(|rule| rule.id.as_str())
                    .collect();
                assert_eq!(one_by_one, expected, "{line} (one by one)");
            });
        }
    }
}
