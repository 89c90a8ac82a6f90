//! The rule-based [`Detector`]: judges every timeline entry with the rule packs, the built-in
//! obfuscation and prompt-injection findings, then scores the session ([`score`](super::score)).
//!
//! Deterministic: the same session and the same packs give the same findings. The version
//! string changes whenever a pack or the ATT&CK table changes, so verdict ids change with it.

use super::injection::injection_lines;
use super::kube::understand_request;
use super::rules::{RuleError, RuleSet, Target};
use super::shell::{CommandLine, Obfuscation, Origin, SimpleCommand, Variables, understand};
use super::sql::{hidden_queries, understand_query};
use super::{Assessment, Detector, attack, score};
use crate::model::{
    Finding, FindingSource, RiskLevel, Session, SessionKind, ThreatCategory, TimelineEntry, TimelineSource,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Judges sessions with rule packs.
pub struct RuleDetector {
    rules: RuleSet,
    version: String,
}

/// SQL keywords that make a typed line (at a `psql`/`mysql` prompt) a query too.
const SQL_KEYWORDS: &[&str] = &[
    "select", "insert", "update", "delete", "copy", "\\copy", "create", "alter", "drop", "truncate", "grant", "revoke",
    "load", "set", "show", "with",
];

impl RuleDetector {
    /// The bundled packs plus the user's rule files.
    pub fn new(extra_files: &[PathBuf]) -> Result<Self, RuleError> {
        Self::with_packs(true, extra_files)
    }

    /// The bundled packs (when `bundled`) plus rule files.
    pub fn with_packs(bundled: bool, extra_files: &[PathBuf]) -> Result<Self, RuleError> {
        let mut rules = if bundled { RuleSet::bundled()? } else { RuleSet::default() };
        let mut digest = Sha256::new();
        for (name, text) in super::rules::BUNDLED_PACKS.iter().filter(|_| bundled) {
            digest.update(name.as_bytes());
            digest.update(text.as_bytes());
        }
        for path in extra_files {
            rules.add_file(path)?;
            digest.update(path.display().to_string().as_bytes());
            digest.update(std::fs::read(path).unwrap_or_default());
        }
        digest.update(attack::table().version.as_bytes());
        let hash = digest.finalize();
        let version = format!("rules.{}", hash.iter().take(4).map(|byte| format!("{byte:02x}")).collect::<String>());
        Ok(RuleDetector { rules, version })
    }

    /// The loaded rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Findings for one entry.
    fn entry_findings(&self, entry: &TimelineEntry, variables: &mut Variables, protocol: &str) -> Vec<Finding> {
        let text = entry.command();
        let mut line = CommandLine::default();
        let sql;
        let kube;
        match entry.source {
            TimelineSource::Database => {
                sql = Some(understand_query(text, protocol));
                kube = None;
            }
            TimelineSource::KubeRequest => {
                sql = None;
                kube = understand_request(text);
            }
            _ => {
                line = understand(text, variables);
                line.commands.extend(entry.executed.iter().map(executed_command));
                let first = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                sql = SQL_KEYWORDS.contains(&first.as_str()).then(|| understand_query(text, protocol));
                kube = None;
            }
        }
        let revealed = line.revealed();
        let target = Target {
            line: text,
            revealed: &revealed,
            commands: &line.commands,
            sql: sql.as_ref(),
            kube: kube.as_ref(),
            output: &entry.output,
        };
        let mut hits = self.rules.evaluate(&target);
        // Queries hidden in a query (EXECUTE of base64, PREPARE from hex) are judged as typed.
        let hidden: Vec<String> = sql.as_ref().map(|view| hidden_queries(&view.text)).unwrap_or_default();
        for payload in &hidden {
            let view = understand_query(payload, protocol);
            let payload_target =
                Target { line: payload, revealed: &[], commands: &[], sql: Some(&view), kube: None, output: "" };
            for hit in self.rules.evaluate(&payload_target) {
                if !hits.iter().any(|seen| seen.rule == hit.rule) {
                    hits.push(hit);
                }
            }
        }
        if !hidden.is_empty() {
            line.obfuscations.push(Obfuscation {
                technique: "encoded-sql".to_string(),
                decodes: true,
                revealed: hidden.join("; ").chars().take(512).collect(),
            });
        }
        let mut findings: Vec<Finding> = hits
            .into_iter()
            .map(|hit| {
                let rule = &self.rules.rules[hit.rule];
                Finding {
                    source: FindingSource::Rules,
                    rule_id: rule.id.clone(),
                    title: rule.title.clone(),
                    description: rule.description.clone(),
                    risk_level: rule.risk,
                    mitre_attack_ids: rule.techniques.clone(),
                    threat_category: attack::threat_category(&rule.tactic),
                    flags: rule.flags.clone(),
                    evidence: hit.evidence.chars().take(300).collect(),
                }
            })
            .collect();
        if let Some(finding) = obfuscation_finding(&line) {
            findings.push(finding);
        }
        let mut injected: Vec<String> = injection_lines(text);
        for line in injection_lines(&entry.output) {
            // The output often echoes what was typed: report each text once.
            if !injected.iter().any(|seen| seen.contains(&line) || line.contains(seen.as_str())) {
                injected.push(line);
            }
        }
        if !injected.is_empty() {
            findings.push(Finding {
                source: FindingSource::Rules,
                rule_id: "builtin.prompt-injection".to_string(),
                title: "Addressed the reviewer or an AI model to steer the verdict".to_string(),
                description: "Text in the session tries to instruct whoever reviews it; routine work never does this."
                    .to_string(),
                risk_level: RiskLevel::High,
                mitre_attack_ids: Vec::new(),
                threat_category: ThreatCategory::DefenseEvasion,
                flags: vec!["prompt_injection".to_string()],
                evidence: injected.join(" | "),
            });
        }
        findings
    }
}

/// A program enhanced recording saw executing, as a simple command.
fn executed_command(program: &crate::model::ExecutedProgram) -> SimpleCommand {
    SimpleCommand {
        program: program.path.rsplit('/').next().unwrap_or(&program.path).to_string(),
        path: program.path.clone(),
        args: program.argv.clone(),
        assignments: Vec::new(),
        redirects: Vec::new(),
        wrappers: Vec::new(),
        piped_from: Vec::new(),
        piped_to: Vec::new(),
        origin: Origin::Executed,
    }
}

/// Obfuscation is itself a finding: T1027, and T1140 when the session decoded data.
fn obfuscation_finding(line: &CommandLine) -> Option<Finding> {
    if line.obfuscations.is_empty() {
        return None;
    }
    let mut techniques: Vec<String> =
        line.obfuscations.iter().map(|obfuscation| obfuscation.technique.clone()).collect();
    techniques.sort();
    techniques.dedup();
    let decodes = line.obfuscations.iter().any(|obfuscation| obfuscation.decodes);
    let executes_hidden = line.commands.iter().any(|command| matches!(command.origin, Origin::Decoded(_)))
        || line.obfuscations.iter().any(|obfuscation| obfuscation.technique == "encoded-sql");
    let mut ids = vec!["T1027".to_string()];
    if decodes {
        ids.push("T1140".to_string());
    }
    let revealed = line
        .obfuscations
        .iter()
        .map(|obfuscation| obfuscation.revealed.as_str())
        .find(|text| !text.is_empty())
        .unwrap_or("");
    Some(Finding {
        source: FindingSource::Rules,
        rule_id: "builtin.obfuscation".to_string(),
        title: if executes_hidden {
            "Ran an encoded or hidden command"
        } else if techniques.iter().all(|technique| technique == "download-and-execute") {
            "Ran a downloaded script without it being recorded"
        } else {
            "Obfuscated a command"
        }
        .to_string(),
        description: format!(
            "The command line hides what it does ({}); what could be decoded is judged on its own.",
            techniques.join(", ")
        ),
        risk_level: if executes_hidden { RiskLevel::High } else { RiskLevel::Medium },
        mitre_attack_ids: ids,
        threat_category: ThreatCategory::DefenseEvasion,
        flags: vec!["obfuscation".to_string()],
        evidence: revealed.chars().take(300).collect(),
    })
}

impl Detector for RuleDetector {
    fn version(&self) -> String {
        self.version.clone()
    }

    fn assess(&self, session: &Session, timeline: &mut [TimelineEntry]) -> Assessment {
        let mut variables = Variables::default();
        let protocol = session.metadata().db_protocol;
        let mut first_pod_command = session.kind == SessionKind::K8s;
        for entry in timeline.iter_mut() {
            let mut findings = self.entry_findings(entry, &mut variables, &protocol);
            if first_pod_command && entry.source == TimelineSource::Terminal {
                // An interactive Kubernetes session is itself an exec into a container.
                first_pod_command = false;
                findings.push(Finding {
                    source: FindingSource::Rules,
                    rule_id: "builtin.kubernetes-exec".to_string(),
                    title: "Ran commands inside a container through kubectl exec".to_string(),
                    description: "The session is an interactive shell in a pod.".to_string(),
                    risk_level: RiskLevel::Low,
                    mitre_attack_ids: vec!["T1609".to_string()],
                    threat_category: ThreatCategory::Execution,
                    flags: Vec::new(),
                    evidence: String::new(),
                });
            }
            score::apply_findings(entry, findings);
        }
        score::assess(session, timeline)
    }
}
