//! The model's answer: its JSON schema (a subset of Teleport's `EnhancedSummary` /
//! `SessionEvent`), parsing and validation, and the merge into the rules' verdict.
//!
//! The schema bounds every string and list, so a constrained decoder always finishes within
//! about 2,000 tokens (a model that rambles stops at the bounds, not at `max_tokens`).
//! Validation: the answer must match the schema; ATT&CK ids not in the v19.1 table are dropped
//! and counted (`unknown_techniques`); events whose `index` is not a command of the session are
//! dropped and counted. Merge: the final risk is max(model, rules floor) — a model can raise
//! risk, never lower it. A model more than one level away from the floor is recorded in
//! `needs_further_review_reasons` (`MODEL_DISAGREEMENT`), and when it is below the floor its
//! prose is not used (it may have been talked into it by the session).

use crate::analyze::attack;
use crate::model::{Finding, FindingSource, NeedsReviewReason, RiskLevel, Verdict};
use serde::Deserialize;
use serde_json::{Value, json};

/// The JSON schema sent as `response_format` / `outputConfig.textFormat`.
pub fn schema() -> Value {
    let risk = json!({"type": "string", "enum": ["LOW", "MEDIUM", "HIGH", "CRITICAL"]});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["short_title", "short_description", "detailed_description", "risk_level",
                     "suspicious_activities", "compromise_indicators", "session_events"],
        "properties": {
            "short_title": {"type": "string", "maxLength": 80},
            "short_description": {"type": "string", "maxLength": 300},
            "detailed_description": {"type": "string", "maxLength": 1200},
            "risk_level": risk,
            "suspicious_activities": {"type": "array", "maxItems": 5, "items": {"type": "string", "maxLength": 160}},
            "compromise_indicators": {"type": "boolean"},
            "session_events": {
                "type": "array",
                "maxItems": 12,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["index", "risk_level", "short_description", "mitre_attack_ids"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "risk_level": risk,
                        "short_description": {"type": "string", "maxLength": 200},
                        "mitre_attack_ids": {
                            "type": "array", "maxItems": 3,
                            "items": {"type": "string", "pattern": "^T[0-9]{4}(\\.[0-9]{3})?$"}
                        }
                    }
                }
            }
        }
    })
}

/// A parsed answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub short_title: String,
    pub short_description: String,
    pub detailed_description: String,
    pub risk_level: RiskLevel,
    #[serde(default)]
    pub suspicious_activities: Vec<String>,
    #[serde(default)]
    pub compromise_indicators: bool,
    #[serde(default)]
    pub session_events: Vec<AnswerEvent>,
}

/// One event of the answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerEvent {
    pub index: i64,
    pub risk_level: RiskLevel,
    pub short_description: String,
    #[serde(default)]
    pub mitre_attack_ids: Vec<String>,
}

/// What validation removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// ATT&CK ids not in the table.
    pub unknown_techniques: usize,
    /// Events pointing at no command of the session.
    pub bad_indexes: usize,
}

/// Parses and validates an answer against a session with `commands` timeline entries.
pub fn parse(content: &str, commands: usize) -> Result<(Answer, Dropped), String> {
    let trimmed = content.trim().trim_start_matches("```json").trim_start_matches("```").trim_end_matches("```");
    let value: Value = serde_json::from_str(trimmed).map_err(|error| format!("the answer is not JSON: {error}"))?;
    let mut answer: Answer =
        serde_json::from_value(value).map_err(|error| format!("the answer does not match the schema: {error}"))?;
    if answer.risk_level == RiskLevel::Unspecified {
        return Err("the answer has no risk level".into());
    }
    let mut dropped = Dropped::default();
    let table = attack::table();
    answer.session_events.retain(|event| {
        let keep = event.index >= 0 && (event.index as usize) < commands;
        dropped.bad_indexes += usize::from(!keep);
        keep
    });
    for event in &mut answer.session_events {
        let before = event.mitre_attack_ids.len();
        event.mitre_attack_ids.retain(|id| table.get(id).is_some());
        dropped.unknown_techniques += before - event.mitre_attack_ids.len();
    }
    Ok((answer, dropped))
}

/// One answer from the answers of a split session's parts, in order: the riskiest part's title
/// and short description, every part's description in turn, all activities and events, and
/// the highest risk.
pub fn combine(mut answers: Vec<Answer>) -> Answer {
    if answers.len() <= 1 {
        return answers.pop().unwrap_or(Answer {
            short_title: String::new(),
            short_description: String::new(),
            detailed_description: String::new(),
            risk_level: RiskLevel::Low,
            suspicious_activities: Vec::new(),
            compromise_indicators: false,
            session_events: Vec::new(),
        });
    }
    let count = answers.len();
    let mut riskiest = 0;
    for (index, answer) in answers.iter().enumerate() {
        if answer.risk_level > answers[riskiest].risk_level {
            riskiest = index;
        }
    }
    let detailed: Vec<String> = answers
        .iter()
        .enumerate()
        .map(|(index, answer)| format!("Part {} of {count}: {}", index + 1, answer.short_description))
        .collect();
    let mut combined = Answer {
        short_title: answers[riskiest].short_title.clone(),
        short_description: answers[riskiest].short_description.clone(),
        detailed_description: detailed.join("\n"),
        risk_level: answers[riskiest].risk_level,
        suspicious_activities: Vec::new(),
        compromise_indicators: false,
        session_events: Vec::new(),
    };
    for answer in answers {
        for activity in answer.suspicious_activities {
            if !combined.suspicious_activities.contains(&activity) {
                combined.suspicious_activities.push(activity);
            }
        }
        combined.compromise_indicators |= answer.compromise_indicators;
        combined.session_events.extend(answer.session_events);
    }
    combined
}

/// Levels apart (`LOW` to `HIGH` is 2).
fn distance(left: RiskLevel, right: RiskLevel) -> i32 {
    (left.number() - right.number()).abs()
}

/// The synthesis of a split session: the model's account of the whole (title, descriptions,
/// activities, its chosen events) over the parts' deterministic combination, which still sets
/// the least risk and supplies the events when the synthesis names none.
pub fn synthesized(combined: Answer, synthesis: Answer) -> Answer {
    let mut activities = synthesis.suspicious_activities;
    if activities.is_empty() {
        activities = combined.suspicious_activities;
    }
    Answer {
        short_title: synthesis.short_title,
        short_description: synthesis.short_description,
        detailed_description: synthesis.detailed_description,
        risk_level: synthesis.risk_level.max(combined.risk_level),
        suspicious_activities: activities,
        compromise_indicators: synthesis.compromise_indicators || combined.compromise_indicators,
        session_events: if synthesis.session_events.is_empty() {
            combined.session_events
        } else {
            synthesis.session_events
        },
    }
}

/// Merges a validated answer from `model` into the rules' `verdict`.
pub fn merge(verdict: &mut Verdict, answer: Answer, model: &str) {
    let summary = &mut verdict.enhanced_summary;
    let floor = summary.risk_floor.max(RiskLevel::Low);
    let below_floor = answer.risk_level < floor;
    if distance(answer.risk_level, floor) > 1
        && !summary.needs_further_review_reasons.contains(&NeedsReviewReason::ModelDisagreement)
    {
        summary.needs_further_review_reasons.push(NeedsReviewReason::ModelDisagreement);
    }
    summary.risk_level = summary.risk_level.max(answer.risk_level).max(floor);
    if !below_floor {
        if !answer.short_title.trim().is_empty() {
            summary.short_title = answer.short_title;
        }
        if !answer.short_description.trim().is_empty() {
            summary.short_description = answer.short_description;
        }
        if !answer.detailed_description.trim().is_empty() {
            summary.detailed_description = answer.detailed_description;
        }
        for activity in answer.suspicious_activities {
            if !summary.suspicious_activities.contains(&activity) {
                summary.suspicious_activities.push(activity);
            }
        }
        summary.compromise_indicators |= answer.compromise_indicators;
    }
    for event in answer.session_events {
        let index = event.index as usize;
        let Some(entry) = summary.session_events.get_mut(index) else { continue };
        // Per command, too, the model only raises.
        let raised = event.risk_level > entry.risk_level;
        entry.risk_level = entry.risk_level.max(event.risk_level);
        for id in &event.mitre_attack_ids {
            if !entry.mitre_attack_ids.contains(id) {
                entry.mitre_attack_ids.push(id.clone());
            }
        }
        if raised || !event.mitre_attack_ids.is_empty() {
            entry.findings.push(Finding {
                source: FindingSource::Model,
                rule_id: model.to_string(),
                title: event.short_description.clone(),
                description: String::new(),
                risk_level: event.risk_level,
                mitre_attack_ids: event.mitre_attack_ids.clone(),
                threat_category: Default::default(),
                flags: vec!["suggested".to_string()],
                evidence: String::new(),
            });
        }
        if raised && !summary.notable_command_indexes.contains(&(index as i32)) {
            summary.notable_command_indexes.push(index as i32);
        }
    }
    summary.notable_command_indexes.sort_unstable();
    verdict.content = crate::verdict::describe::markdown(&verdict.enhanced_summary);
    verdict.model_name = model.to_string();
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANNED: &str = r#"{"short_title":"Reverse shell and persistence","short_description":"s","detailed_description":"d","risk_level":"HIGH","suspicious_activities":["reverse shell"],"compromise_indicators":true,"session_events":[{"index":0,"risk_level":"HIGH","short_description":"x","mitre_attack_ids":["T1059.004","T9999"]},{"index":99,"risk_level":"LOW","short_description":"y","mitre_attack_ids":[]}]}"#;

    #[test]
    fn parts_combine_into_one_answer_with_the_highest_risk() {
        let (high, _) = parse(CANNED, 5).unwrap();
        let low = Answer { risk_level: RiskLevel::Low, short_title: "quiet".into(), ..high.clone() };
        let combined = combine(vec![low.clone(), high.clone(), low]);
        assert_eq!(combined.risk_level, RiskLevel::High);
        assert_eq!(combined.short_title, high.short_title);
        assert!(combined.detailed_description.starts_with("Part 1 of 3: "));
        assert_eq!(combined.session_events.len(), 3);
        assert_eq!(combined.suspicious_activities, high.suspicious_activities, "no duplicates");
    }

    #[test]
    fn unknown_techniques_and_bad_indexes_are_dropped_and_counted() {
        let (answer, dropped) = parse(CANNED, 5).unwrap();
        assert_eq!(dropped, Dropped { unknown_techniques: 1, bad_indexes: 1 });
        assert_eq!(answer.session_events.len(), 1);
        assert_eq!(answer.session_events[0].mitre_attack_ids, vec!["T1059.004"]);
        assert!(parse("not json", 5).is_err());
        assert!(parse(r#"{"short_title":"x"}"#, 5).unwrap_err().contains("schema"));
    }

    fn verdict() -> Verdict {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions/ssh-incident-bastion.cast");
        let session = crate::source::files::read_file(&path).sessions.remove(0);
        crate::verdict::judge_session(&session, &crate::analyze::detect::RuleDetector::new(&[]).unwrap())
    }

    #[test]
    fn a_model_below_the_floor_cannot_lower_the_risk_and_is_flagged() {
        let mut verdict = verdict();
        let floor = verdict.enhanced_summary.risk_floor;
        assert_eq!(floor, RiskLevel::Critical);
        let title = verdict.enhanced_summary.short_title.clone();
        let low = CANNED.replace("\"risk_level\":\"HIGH\",\"suspicious", "\"risk_level\":\"LOW\",\"suspicious");
        let (answer, _) = parse(&low, verdict.enhanced_summary.session_events.len()).unwrap();
        merge(&mut verdict, answer, "mock-low");
        assert_eq!(verdict.enhanced_summary.risk_level, RiskLevel::Critical);
        assert_eq!(verdict.enhanced_summary.short_title, title, "the prose of a model below the floor is not used");
        assert!(verdict.enhanced_summary.needs_further_review_reasons.contains(&NeedsReviewReason::ModelDisagreement));
        assert_eq!(verdict.model_name, "mock-low");
    }

    #[test]
    fn a_model_can_raise_a_command_and_add_techniques() {
        let mut verdict = verdict();
        verdict.enhanced_summary.session_events[0].risk_level = RiskLevel::Low;
        let (answer, _) = parse(CANNED, verdict.enhanced_summary.session_events.len()).unwrap();
        merge(&mut verdict, answer, "mock-summary");
        let entry = &verdict.enhanced_summary.session_events[0];
        assert_eq!(entry.risk_level, RiskLevel::High);
        assert!(entry.mitre_attack_ids.contains(&"T1059.004".to_string()));
        assert!(entry.findings.iter().any(|finding| finding.source == FindingSource::Model));
        assert_eq!(verdict.enhanced_summary.risk_level, RiskLevel::Critical, "max(model, floor)");
    }
}
