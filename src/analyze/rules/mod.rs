//! Rules as data: rule packs in YAML (`rules/` in the repository, compiled into the binary,
//! plus users' own files from config), validated at load, evaluated against each timeline
//! entry's commands, query or Kubernetes request.
//!
//! Guarantees: a pack that loads has only valid patterns (checked at load, compiled when first
//! needed: see [`pattern`]) and known ATT&CK IDs; every rule
//! carries examples, and [`RuleSet::check_examples`] (run by the test suite) proves each rule
//! matches what it should and nothing it should not.

mod index;
pub mod pack;
mod pattern;

use super::attack;
use super::kube::{KubeView, understand_request};
use super::shell::{SimpleCommand, Variables, understand};
use super::sql::{SqlView, understand_query};
use crate::model::{CommandCategory, RiskLevel};
use pack::{BOOLEAN_FLAGS, Examples, KubeMatch, RuleFile, RuleSpec, ShellMatch, SqlMatch};
use pattern::Pattern;
use std::path::Path;

/// The rule packs shipped with Sightline (`rules/*.yaml`).
pub const BUNDLED_PACKS: &[(&str, &str)] = &[
    ("rules/linux-execution.yaml", include_str!("../../../rules/linux-execution.yaml")),
    ("rules/linux-persistence.yaml", include_str!("../../../rules/linux-persistence.yaml")),
    ("rules/linux-privilege-escalation.yaml", include_str!("../../../rules/linux-privilege-escalation.yaml")),
    ("rules/linux-defense-evasion.yaml", include_str!("../../../rules/linux-defense-evasion.yaml")),
    ("rules/linux-credential-access.yaml", include_str!("../../../rules/linux-credential-access.yaml")),
    ("rules/linux-discovery.yaml", include_str!("../../../rules/linux-discovery.yaml")),
    ("rules/linux-lateral-movement.yaml", include_str!("../../../rules/linux-lateral-movement.yaml")),
    ("rules/linux-collection-exfiltration.yaml", include_str!("../../../rules/linux-collection-exfiltration.yaml")),
    ("rules/linux-command-and-control.yaml", include_str!("../../../rules/linux-command-and-control.yaml")),
    ("rules/linux-impact.yaml", include_str!("../../../rules/linux-impact.yaml")),
    ("rules/containers-kubernetes.yaml", include_str!("../../../rules/containers-kubernetes.yaml")),
    ("rules/databases.yaml", include_str!("../../../rules/databases.yaml")),
];

/// Why a rule pack could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{file}: cannot read rule file: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Not valid YAML of the rule-file shape (unknown keys included).
    #[error("{file}: invalid rule file: {message}")]
    Format { file: String, message: String },
    /// One rule is invalid.
    #[error("{file}: rule {rule}: {message}")]
    Rule { file: String, rule: String, message: String },
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Current (v19.1) technique IDs.
    pub techniques: Vec<String>,
    /// ATT&CK tactic short name.
    pub tactic: String,
    pub category: Option<CommandCategory>,
    pub risk: RiskLevel,
    pub flags: Vec<String>,
    /// The file it came from.
    pub file: String,
    shell: Vec<CompiledShell>,
    sql: Option<CompiledSql>,
    kube: Option<CompiledKube>,
    examples: Examples,
}

#[derive(Debug, Default)]
struct CompiledShell {
    program: Vec<String>,
    argument: Vec<Pattern>,
    all_arguments: Vec<Pattern>,
    not_argument: Vec<Pattern>,
    redirect: Vec<Pattern>,
    command: Vec<Pattern>,
    piped_to: Vec<String>,
    piped_from: Vec<String>,
    wrapper: Vec<String>,
    line: Vec<Pattern>,
    output: Vec<Pattern>,
}

#[derive(Debug, Default)]
struct CompiledSql {
    statement: Vec<String>,
    table: Vec<Pattern>,
    function: Vec<Pattern>,
    superuser: Option<bool>,
    no_where: Option<bool>,
    text: Vec<Pattern>,
}

/// What one timeline entry offers the rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// The entry's command line (or query, or request) as recorded.
    pub line: &'a str,
    /// Texts the line hid and analysis revealed (decoded payloads, wrapped scripts, expanded
    /// command lines); `line` patterns look at these too.
    pub revealed: &'a [String],
    /// Simple commands it runs (typed, wrapped, decoded, or executed per enhanced recording).
    pub commands: &'a [SimpleCommand],
    pub sql: Option<&'a SqlView>,
    pub kube: Option<&'a KubeView>,
    /// What the command printed.
    pub output: &'a str,
}

/// Answers to one rule's pattern conditions for one target, by shell matcher index: whether
/// its `line` patterns match the line or a revealed text, whether its `output` patterns match
/// the output, and whether its per-command patterns of a kind hold for command `i`.
struct Conditions<'c> {
    line: &'c dyn Fn(usize) -> bool,
    output: &'c dyn Fn(usize) -> bool,
    command: &'c dyn Fn(usize, usize, CommandPatterns) -> bool,
}

/// A shell matcher's pattern conditions on one simple command, and what each asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommandPatterns {
    /// Some `argument` pattern matches some argument.
    Argument,
    /// Every `all_arguments` pattern matches some argument.
    AllArguments,
    /// Some `not_argument` pattern matches some argument (the condition holds when none does).
    NotArgument,
    /// Some `redirect` pattern matches the target of a redirect that writes a file.
    Redirect,
    /// Some `command` pattern matches the command's text.
    Command,
}

/// The targets of `command`'s redirects that write a file. `>& word` writes stdout and stderr
/// to a file unless the word is a descriptor (`2>&1`, `>&-`).
fn file_redirect_targets(command: &SimpleCommand) -> impl Iterator<Item = &str> {
    command
        .redirects
        .iter()
        .filter(|redirect| {
            let to_file = redirect.operator == ">&" && !redirect.target.chars().all(|c| c.is_ascii_digit() || c == '-');
            to_file || matches!(redirect.operator.as_str(), ">" | ">>" | ">|" | "&>" | "&>>")
        })
        .map(|redirect| redirect.target.as_str())
}

/// A rule that matched, with the text that made it match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: usize,
    pub evidence: String,
}

/// A set of compiled rules.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Which rules can apply to an entry, and all rules' `line`, `output` and `command`
    /// patterns in one set each (built on first use).
    index: std::sync::OnceLock<index::RuleIndex>,
}

impl RuleSet {
    /// The bundled packs.
    pub fn bundled() -> Result<Self, RuleError> {
        let mut set = RuleSet::default();
        for (file, text) in BUNDLED_PACKS {
            set.add_yaml(file, text)?;
        }
        Ok(set)
    }

    /// Adds the rules of one YAML file's text.
    pub fn add_yaml(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let parsed: RuleFile = serde_norway::from_str(text)
            .map_err(|error| RuleError::Format { file: file.to_string(), message: error.to_string() })?;
        for spec in parsed.rules {
            let rule = compile(file, spec)?;
            if self.rules.iter().any(|existing| existing.id == rule.id) {
                return Err(RuleError::Rule {
                    file: file.to_string(),
                    rule: rule.id,
                    message: "duplicate rule id".to_string(),
                });
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    /// Adds a rule file from disk.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RuleError::Read { file: file.clone(), source })?;
        self.add_yaml(&file, &text)
    }

    /// The rules that match a target, in rule order.
    pub fn evaluate(&self, target: &Target<'_>) -> Vec<Hit> {
        let index = self.index.get_or_init(|| index::RuleIndex::build(&self.rules));
        let holds = index.holds(target);
        let mut hits = Vec::new();
        for rule_index in index.candidates(target, &holds) {
            let rule = &self.rules[rule_index];
            let line = |matcher: usize| match &holds.line {
                Some(holds) => holds.contains(&(rule_index, matcher)),
                None => rule.line_holds(matcher, target),
            };
            let output = |matcher: usize| match &holds.output {
                Some(holds) => holds.contains(&(rule_index, matcher)),
                None => rule.output_holds(matcher, target),
            };
            let command = |matcher: usize, command: usize, kind: CommandPatterns| {
                index
                    .command_holds(&holds, target, (rule_index, matcher), command, kind)
                    .unwrap_or_else(|| rule.command_holds(matcher, &target.commands[command], kind))
            };
            let conditions = Conditions { line: &line, output: &output, command: &command };
            if let Some(evidence) = rule.matches_with(target, &conditions) {
                hits.push(Hit { rule: rule_index, evidence });
            }
        }
        hits
    }

    /// Compiles every pattern now (otherwise each is compiled when a rule first needs it) and
    /// builds the rule index: a pattern too large to compile is reported naming its file and
    /// rule, and the first session judged does not pay for the work.
    pub fn compile_all(&self) -> Result<(), RuleError> {
        for rule in &self.rules {
            for pattern in rule.patterns() {
                pattern.compile().map_err(|message| RuleError::Rule {
                    file: rule.file.clone(),
                    rule: rule.id.clone(),
                    message,
                })?;
            }
        }
        self.index.get_or_init(|| index::RuleIndex::build(&self.rules));
        Ok(())
    }

    /// Runs every rule's examples; returns one message per failure.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            for example in &rule.examples.matching {
                if !example_matches(rule, example) {
                    failures.push(format!(
                        "{}: rule {}: example should match but does not: {example:?}",
                        rule.file, rule.id
                    ));
                }
            }
            for example in &rule.examples.no_match {
                if example_matches(rule, example) {
                    failures.push(format!(
                        "{}: rule {}: example should not match but does: {example:?}",
                        rule.file, rule.id
                    ));
                }
            }
        }
        failures
    }
}

/// Whether a rule matches an example, trying it as a command line, a query (PostgreSQL and
/// MySQL) and a Kubernetes request.
fn example_matches(rule: &Rule, example: &str) -> bool {
    let mut matched = false;
    for protocol in ["postgres", "mysql"] {
        example_target(example, protocol, &mut |target| matched |= rule.matches(target).is_some());
    }
    matched
}

/// Calls `with` on the target an example makes, its query read as `protocol`. An example may
/// carry output after a line `#output`.
fn example_target(example: &str, protocol: &str, with: &mut dyn FnMut(&Target<'_>)) {
    let (line, output) = example.split_once("\n#output\n").unwrap_or((example, ""));
    let mut variables = Variables::default();
    let understood = understand(line, &mut variables);
    let kube = understand_request(line);
    let sql = understand_query(line, protocol);
    let revealed = understood.revealed();
    let target = Target {
        line,
        revealed: &revealed,
        commands: &understood.commands,
        sql: Some(&sql),
        kube: kube.as_ref(),
        output,
    };
    with(&target);
}

fn compile(file: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    let error = |message: String| RuleError::Rule { file: file.to_string(), rule: spec.id.clone(), message };
    if spec.id.trim().is_empty() || spec.title.trim().is_empty() {
        return Err(error("id and title must not be empty".to_string()));
    }
    let table = attack::table();
    let mut techniques = Vec::new();
    for id in &spec.techniques {
        let current = table.current_ids(id);
        if current.is_empty() {
            return Err(error(format!(
                "unknown ATT&CK technique {id} (not in ATT&CK {} nor mapped from v18)",
                table.version
            )));
        }
        for id in current {
            if !techniques.contains(&id) {
                techniques.push(id);
            }
        }
    }
    let tactic = match &spec.tactic {
        Some(tactic) if attack::TACTICS.contains(&tactic.as_str()) => tactic.clone(),
        Some(tactic) => {
            return Err(error(format!("unknown tactic {tactic:?}: expected one of {}", attack::TACTICS.join(", "))));
        }
        None => techniques
            .first()
            .and_then(|id| table.primary_tactic(id))
            .map(str::to_string)
            .ok_or_else(|| error("no techniques: give at least one ATT&CK technique, or a tactic".to_string()))?,
    };
    for flag in &spec.flags {
        let word = !flag.is_empty() && flag.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if !word {
            return Err(error(format!(
                "invalid flag {flag:?}: use lower-case words such as {}",
                BOOLEAN_FLAGS.join(", ")
            )));
        }
    }
    if spec.risk == RiskLevel::Unspecified {
        return Err(error("risk must be LOW, MEDIUM, HIGH or CRITICAL".to_string()));
    }
    let mut shell = Vec::new();
    for matcher in spec.shell.iter().chain(spec.any.iter()) {
        shell.push(compile_shell(matcher).map_err(&error)?);
    }
    let sql = spec.sql.as_ref().map(compile_sql).transpose().map_err(&error)?;
    let kube = spec.kube.as_ref().map(compile_kube).transpose().map_err(&error)?;
    if shell.is_empty() && sql.is_none() && kube.is_none() {
        return Err(error("no matcher: give `match`, `any`, `sql` or `kube`".to_string()));
    }
    if spec.examples.matching.is_empty() {
        return Err(error("examples.match must list at least one example".to_string()));
    }
    Ok(Rule {
        id: spec.id,
        title: spec.title,
        description: spec.description,
        techniques,
        tactic,
        category: spec.category,
        risk: spec.risk,
        flags: spec.flags,
        file: file.to_string(),
        shell,
        sql,
        kube,
        examples: spec.examples,
    })
}

fn patterns(texts: &[String]) -> Result<Vec<Pattern>, String> {
    texts.iter().map(|text| Pattern::new(text)).collect()
}

fn compile_shell(matcher: &ShellMatch) -> Result<CompiledShell, String> {
    let compiled = CompiledShell {
        program: matcher.program.clone(),
        argument: patterns(&matcher.argument)?,
        all_arguments: patterns(&matcher.all_arguments)?,
        not_argument: patterns(&matcher.not_argument)?,
        redirect: patterns(&matcher.redirect)?,
        command: patterns(&matcher.command)?,
        piped_to: matcher.piped_to.clone(),
        piped_from: matcher.piped_from.clone(),
        wrapper: matcher.wrapper.clone(),
        line: patterns(&matcher.line)?,
        output: patterns(&matcher.output)?,
    };
    if compiled.is_empty() {
        return Err("an empty shell matcher would match everything".to_string());
    }
    Ok(compiled)
}

fn compile_sql(matcher: &SqlMatch) -> Result<CompiledSql, String> {
    Ok(CompiledSql {
        statement: matcher.statement.clone(),
        table: patterns(&matcher.table)?,
        function: patterns(&matcher.function)?,
        superuser: matcher.superuser,
        no_where: matcher.no_where,
        text: patterns(&matcher.text)?,
    })
}

impl CompiledShell {
    fn is_empty(&self) -> bool {
        !self.has_command_conditions() && self.line.is_empty() && self.output.is_empty()
    }

    fn has_command_conditions(&self) -> bool {
        !(self.program.is_empty()
            && self.argument.is_empty()
            && self.all_arguments.is_empty()
            && self.not_argument.is_empty()
            && self.redirect.is_empty()
            && self.command.is_empty()
            && self.piped_to.is_empty()
            && self.piped_from.is_empty()
            && self.wrapper.is_empty())
    }

    /// The matcher's patterns of one kind.
    fn patterns_of(&self, kind: CommandPatterns) -> &[Pattern] {
        match kind {
            CommandPatterns::Argument => &self.argument,
            CommandPatterns::AllArguments => &self.all_arguments,
            CommandPatterns::NotArgument => &self.not_argument,
            CommandPatterns::Redirect => &self.redirect,
            CommandPatterns::Command => &self.command,
        }
    }

    /// Whether the matcher's command conditions hold for `command`; `holds(kind)` answers its
    /// patterns of each kind (asked only for kinds it has).
    fn matches_command(&self, command: &SimpleCommand, holds: &dyn Fn(CommandPatterns) -> bool) -> bool {
        (self.program.is_empty() || self.program.contains(&command.program))
            && (self.argument.is_empty() || holds(CommandPatterns::Argument))
            && (self.all_arguments.is_empty() || holds(CommandPatterns::AllArguments))
            && (self.not_argument.is_empty() || !holds(CommandPatterns::NotArgument))
            && (self.redirect.is_empty() || holds(CommandPatterns::Redirect))
            && (self.command.is_empty() || holds(CommandPatterns::Command))
            && (self.piped_to.is_empty() || command.piped_to.iter().any(|program| self.piped_to.contains(program)))
            && (self.piped_from.is_empty()
                || command.piped_from.iter().any(|program| self.piped_from.contains(program)))
            && (self.wrapper.is_empty() || command.wrappers.iter().any(|wrapper| self.wrapper.contains(wrapper)))
    }

    /// The evidence when the matcher holds; `line_holds` and `output_holds` say whether its
    /// `line` and `output` conditions hold (true when it has none), and `command_holds(i, kind)`
    /// whether its patterns of `kind` hold for the target's command `i` (all answered from the
    /// rule set's index, or pattern by pattern).
    fn matches(
        &self,
        target: &Target<'_>,
        line_holds: bool,
        output_holds: bool,
        command_holds: &dyn Fn(usize, CommandPatterns) -> bool,
    ) -> Option<String> {
        if !line_holds || !output_holds {
            return None;
        }
        if !self.has_command_conditions() {
            return Some(target.line.to_string());
        }
        target
            .commands
            .iter()
            .enumerate()
            .find(|(index, command)| self.matches_command(command, &|kind| command_holds(*index, kind)))
            .map(|(_, command)| command.text())
    }
}

impl CompiledSql {
    fn matches(&self, view: &SqlView) -> bool {
        (self.statement.is_empty() || view.statements.iter().any(|statement| self.statement.contains(statement)))
            && (self.table.is_empty()
                || view.tables.iter().any(|table| self.table.iter().any(|regex| regex.is_match(table))))
            && (self.function.is_empty()
                || view.functions.iter().any(|function| self.function.iter().any(|regex| regex.is_match(function))))
            && self.superuser.is_none_or(|wanted| view.superuser == wanted)
            && self.no_where.is_none_or(|wanted| view.no_where == wanted)
            && (self.text.is_empty() || self.text.iter().any(|regex| regex.is_match(&view.text)))
    }
}

fn kube_matches(matcher: &CompiledKube, view: &KubeView) -> bool {
    (matcher.verb.is_empty() || matcher.verb.contains(&view.verb))
        && (matcher.resource.is_empty() || matcher.resource.contains(&view.resource))
        && (matcher.namespace.is_empty() || matcher.namespace.contains(&view.namespace))
        && (matcher.name.is_empty() || matcher.name.iter().any(|regex| regex.is_match(&view.name)))
}

/// A Kubernetes matcher with its name patterns compiled.
#[derive(Debug)]
struct CompiledKube {
    verb: Vec<String>,
    resource: Vec<String>,
    namespace: Vec<String>,
    name: Vec<Pattern>,
}

fn compile_kube(matcher: &KubeMatch) -> Result<CompiledKube, String> {
    Ok(CompiledKube {
        verb: matcher.verb.clone(),
        resource: matcher.resource.clone(),
        namespace: matcher.namespace.clone(),
        name: patterns(&matcher.name)?,
    })
}

impl Rule {
    /// Every pattern of the rule.
    fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        let shell = self.shell.iter().flat_map(|matcher| {
            [
                &matcher.argument,
                &matcher.all_arguments,
                &matcher.not_argument,
                &matcher.redirect,
                &matcher.command,
                &matcher.line,
                &matcher.output,
            ]
        });
        let sql = self.sql.iter().flat_map(|matcher| [&matcher.table, &matcher.function, &matcher.text]);
        let kube = self.kube.iter().map(|matcher| &matcher.name);
        shell.chain(sql).chain(kube).flatten()
    }

    /// Whether matcher `matcher`'s `line` patterns match the target's line or a revealed text.
    fn line_holds(&self, matcher: usize, target: &Target<'_>) -> bool {
        self.shell[matcher]
            .line
            .iter()
            .any(|regex| regex.is_match(target.line) || target.revealed.iter().any(|text| regex.is_match(text)))
    }

    /// Whether matcher `matcher`'s `output` patterns match the target's output.
    fn output_holds(&self, matcher: usize, target: &Target<'_>) -> bool {
        self.shell[matcher].output.iter().any(|regex| regex.is_match(target.output))
    }

    /// Whether matcher `matcher`'s patterns of `kind` hold for `command` (see
    /// [`CommandPatterns`]), trying them one by one.
    fn command_holds(&self, matcher: usize, command: &SimpleCommand, kind: CommandPatterns) -> bool {
        let patterns = self.shell[matcher].patterns_of(kind);
        let any_matches = |text: &str| patterns.iter().any(|regex| regex.is_match(text));
        match kind {
            CommandPatterns::Argument | CommandPatterns::NotArgument => command.args.iter().any(|arg| any_matches(arg)),
            CommandPatterns::AllArguments => {
                patterns.iter().all(|regex| command.args.iter().any(|arg| regex.is_match(arg)))
            }
            CommandPatterns::Redirect => file_redirect_targets(command).any(any_matches),
            CommandPatterns::Command => any_matches(&command.text()),
        }
    }

    /// The evidence when the rule matches the target, trying its patterns one by one.
    pub fn matches(&self, target: &Target<'_>) -> Option<String> {
        let conditions = Conditions {
            line: &|matcher| self.line_holds(matcher, target),
            output: &|matcher| self.output_holds(matcher, target),
            command: &|matcher, command, kind| self.command_holds(matcher, &target.commands[command], kind),
        };
        self.matches_with(target, &conditions)
    }

    /// As [`Self::matches`], with the pattern conditions answered by `conditions`.
    fn matches_with(&self, target: &Target<'_>, conditions: &Conditions<'_>) -> Option<String> {
        for (index, matcher) in self.shell.iter().enumerate() {
            // Only ask about the line and the output when the matcher has such a condition.
            let line = matcher.line.is_empty() || (conditions.line)(index);
            let output = matcher.output.is_empty() || (conditions.output)(index);
            if let Some(evidence) =
                matcher.matches(target, line, output, &|command, kind| (conditions.command)(index, command, kind))
            {
                return Some(evidence);
            }
        }
        if let (Some(matcher), Some(view)) = (&self.sql, target.sql)
            && matcher.matches(view)
        {
            return Some(view.text.clone());
        }
        if let (Some(matcher), Some(view)) = (&self.kube, target.kube)
            && kube_matches(matcher, view)
        {
            return Some(target.line.to_string());
        }
        None
    }
}
