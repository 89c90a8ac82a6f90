//! The rule pack file format (YAML), loaded strictly: unknown keys, bad regular expressions,
//! unknown ATT&CK IDs, unknown flags, rules without matchers or examples and duplicate ids are
//! errors naming the file and the rule.
//!
//! ```yaml
//! rules:
//!   - id: credential-access.shadow-read
//!     title: Read the shadow password file
//!     description: Password hashes in /etc/shadow can be cracked offline.
//!     techniques: [T1003.008]
//!     risk: HIGH
//!     flags: [has_sensitive_data]
//!     match:
//!       program: [cat, less, head, tail, cp]
//!       argument: ['^/etc/g?shadow-?$']
//!     examples:
//!       match: ["cat /etc/shadow"]
//!       no_match: ["cat /etc/passwd"]
//! ```

use crate::model::{CommandCategory, RiskLevel};
use serde::Deserialize;

/// One rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules, evaluated independently.
    pub rules: Vec<RuleSpec>,
}

/// One rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique id, `tactic.what` by convention.
    pub id: String,
    /// Short title, shown in the timeline.
    pub title: String,
    /// Why it matters, in plain words.
    #[serde(default)]
    pub description: String,
    /// ATT&CK technique IDs (v19.1; v18 IDs are mapped to their successors).
    pub techniques: Vec<String>,
    /// The ATT&CK tactic short name; defaults to the first technique's first tactic.
    #[serde(default)]
    pub tactic: Option<String>,
    /// The command category to report when the rule matches.
    #[serde(default)]
    pub category: Option<CommandCategory>,
    /// Risk of a match.
    pub risk: RiskLevel,
    /// Timeline flags: `has_sensitive_data`, `privilege_escalation`, `data_exfiltration`,
    /// `persistence`, or any lower-case word for `suspicious_flags`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Conditions on a shell command (all must hold).
    #[serde(default, rename = "match")]
    pub shell: Option<ShellMatch>,
    /// Alternative shell conditions (any may hold).
    #[serde(default)]
    pub any: Vec<ShellMatch>,
    /// Conditions on a database query.
    #[serde(default)]
    pub sql: Option<SqlMatch>,
    /// Conditions on a Kubernetes API request.
    #[serde(default)]
    pub kube: Option<KubeMatch>,
    /// The rule's own test cases, run by the test suite.
    pub examples: Examples,
}

/// Conditions on one simple command (after unwrapping and decoding). Lists are "any of";
/// different keys must all hold. Patterns are regular expressions (Rust `regex` syntax).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellMatch {
    /// Program base names.
    #[serde(default)]
    pub program: Vec<String>,
    /// Some argument matches one of these patterns.
    #[serde(default)]
    pub argument: Vec<String>,
    /// Every pattern matches some argument.
    #[serde(default)]
    pub all_arguments: Vec<String>,
    /// No argument matches any of these patterns.
    #[serde(default)]
    pub not_argument: Vec<String>,
    /// Some output redirection (`>`, `>>`, `&>`) target matches one of these patterns.
    #[serde(default)]
    pub redirect: Vec<String>,
    /// `program arg1 arg2 ...` matches one of these patterns.
    #[serde(default)]
    pub command: Vec<String>,
    /// A later stage of the same pipeline is one of these programs.
    #[serde(default)]
    pub piped_to: Vec<String>,
    /// An earlier stage of the same pipeline is one of these programs.
    #[serde(default)]
    pub piped_from: Vec<String>,
    /// The command ran under one of these wrappers (`sudo`, ...).
    #[serde(default)]
    pub wrapper: Vec<String>,
    /// The whole command line, as typed, matches one of these patterns.
    #[serde(default)]
    pub line: Vec<String>,
    /// The command's output matches one of these patterns.
    #[serde(default)]
    pub output: Vec<String>,
}

/// Conditions on a database query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlMatch {
    /// Statement kinds (`select`, `copy_to_program`, `create_role`, `grant`, `drop`, ...).
    #[serde(default)]
    pub statement: Vec<String>,
    /// Some referenced table matches one of these patterns.
    #[serde(default)]
    pub table: Vec<String>,
    /// Some called function matches one of these patterns.
    #[serde(default)]
    pub function: Vec<String>,
    /// A role is created or altered with superuser powers.
    #[serde(default)]
    pub superuser: Option<bool>,
    /// An `UPDATE`/`DELETE` has no `WHERE`.
    #[serde(default)]
    pub no_where: Option<bool>,
    /// The query text matches one of these patterns.
    #[serde(default)]
    pub text: Vec<String>,
}

/// Conditions on a Kubernetes API request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeMatch {
    /// Verbs (`get`, `list`, `create`, `delete`, `patch`, `update`).
    #[serde(default)]
    pub verb: Vec<String>,
    /// Resources, with subresource (`secrets`, `pods/exec`).
    #[serde(default)]
    pub resource: Vec<String>,
    /// Namespaces.
    #[serde(default)]
    pub namespace: Vec<String>,
    /// The resource's name matches one of these patterns.
    #[serde(default)]
    pub name: Vec<String>,
}

/// A rule's examples: command lines (or queries, or `VERB /api/...` requests).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Must match (at least one).
    #[serde(rename = "match")]
    pub matching: Vec<String>,
    /// Must not match.
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// Flags that set the timeline entry's boolean fields.
pub const BOOLEAN_FLAGS: &[&str] = &["has_sensitive_data", "privilege_escalation", "data_exfiltration", "persistence"];
