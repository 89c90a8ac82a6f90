//! Command understanding: a typed shell command line becomes the list of simple commands it
//! runs — program, arguments, redirections, pipeline neighbours — after resolving what an
//! attacker might use to hide them.
//!
//! - Parsing is done by a real bash parser (`brush-parser`, the parser of the brush shell);
//!   pipelines, `&&`/`||` lists, subshells, brace groups, loops, conditionals, functions and
//!   command substitutions are all walked ([`walk`]).
//! - Words are expanded statically ([`words`]): quotes and backslashes removed (`c''url`,
//!   `c\url`), ANSI-C strings decoded (`$'\x63at'`), `${IFS}` turned into a space, variables
//!   replaced by values assigned earlier in the same session (`a=cu;b=rl;$a$b`), command
//!   substitutions evaluated when they only print and decode data.
//! - Wrappers are looked through ([`wrappers`]): `sudo`, `env`, `nohup`, `timeout`, `xargs`,
//!   `busybox`, `sh -c`, `bash -c`, `eval`, `python -c`, `perl -e`, ...
//! - Data piped or fed into an interpreter is decoded and analysed as if typed ([`decode`]):
//!   base64, hex, octal, `printf '\x..'`, `$'..'`, `echo -e`, `xxd -r`, gzip-of-base64, `rev`,
//!   `tr` rot13, here-strings and here-documents.
//!
//! Every trick used is recorded as an [`Obfuscation`], itself a finding. Expansion is bounded
//! (depth and size), so hostile input cannot make analysis explode. When the parser rejects a
//! line (a REPL line, a typo), a plain tokenizer still yields approximate commands.

pub mod decode;
mod fallback;
mod glob;
mod walk;
pub mod words;
pub mod wrappers;

use std::collections::HashMap;

/// How deep decoding and unwrapping may nest.
pub const MAX_DEPTH: usize = 4;
/// Longest decoded payload analysed, in bytes.
pub const MAX_DECODED_BYTES: usize = 64 * 1024;
/// At most this many simple commands are kept per command line.
pub const MAX_COMMANDS: usize = 256;

/// Variables assigned so far in a session, used to expand later words.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: HashMap<String, String>,
}

impl Variables {
    /// The value of a variable, if it was assigned in the session.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Assigns a variable (values are kept short).
    pub fn set(&mut self, name: &str, value: String) {
        if self.values.len() < 512 && value.len() <= MAX_DECODED_BYTES {
            self.values.insert(name.to_string(), value);
        }
    }
}

/// How a simple command came to be seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Typed (or visible) on the command line.
    Typed,
    /// Inside a `$(...)` or backquotes.
    Substitution,
    /// The script of `sh -c`, `eval`, `python -c`, ... (named by the wrapper).
    Wrapped(String),
    /// Decoded from data fed to an interpreter (named by the decoding steps).
    Decoded(String),
    /// Seen executing by enhanced recording (`session.command`).
    Executed,
}

/// A redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// `>`, `>>`, `<`, `<<`, `<<<`, `>&`, `<&`, `<>`, `&>`.
    pub operator: String,
    /// The target file, descriptor, or here-string/here-document text.
    pub target: String,
}

/// One simple command after unwrapping: what actually runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The program's base name (`curl` for `/usr/bin/curl`).
    pub program: String,
    /// The program as written after expansion (a path, or the name).
    pub path: String,
    /// The arguments after expansion.
    pub args: Vec<String>,
    /// `NAME=value` assignments before the command.
    pub assignments: Vec<(String, String)>,
    pub redirects: Vec<Redirect>,
    /// Wrappers looked through, outermost first (`sudo`, `nohup`, ...).
    pub wrappers: Vec<String>,
    /// Programs earlier in the same pipeline (feeding this one's input).
    pub piped_from: Vec<String>,
    /// Programs later in the same pipeline.
    pub piped_to: Vec<String>,
    pub origin: Origin,
}

impl SimpleCommand {
    /// `program arg1 arg2 ...` as one line.
    pub fn text(&self) -> String {
        let mut text = self.program.clone();
        for arg in &self.args {
            text.push(' ');
            text.push_str(arg);
        }
        text
    }
}

/// A trick used to hide what a command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obfuscation {
    /// Short machine name: `base64`, `hex`, `quote-splitting`, `ifs`, `variable-assembly`, ...
    pub technique: String,
    /// Whether the session itself decoded data (ATT&CK T1140) rather than only hiding text (T1027).
    pub decodes: bool,
    /// What it hid, decoded (bounded), when known.
    pub revealed: String,
}

/// What a command line amounts to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub commands: Vec<SimpleCommand>,
    pub obfuscations: Vec<Obfuscation>,
    /// Payloads decoded from the line, analysed as if typed.
    pub decoded: Vec<String>,
    /// The bash parser rejected the line; `commands` come from a plain tokenizer.
    pub parse_failed: bool,
}

impl CommandLine {
    /// Every text the line hid that analysis revealed: decoded payloads, and the expanded form
    /// of obfuscated commands.
    pub fn revealed(&self) -> Vec<String> {
        let mut texts = self.decoded.clone();
        for obfuscation in &self.obfuscations {
            if !obfuscation.revealed.is_empty() && !texts.contains(&obfuscation.revealed) {
                texts.push(obfuscation.revealed.clone());
            }
        }
        texts
    }
}

/// Understands one command line, using and updating the session's variables.
pub fn understand(text: &str, variables: &mut Variables) -> CommandLine {
    let mut line = CommandLine::default();
    walk::analyse(text, variables, Origin::Typed, 0, &mut line);
    line
}
