//! PagerDuty Events API v2: one `trigger` event per verdict at or above the route's risk
//! (default `HIGH`), POSTed to `/v2/enqueue`.
//!
//! `dedup_key` is the session id, so a verdict delivered twice (after a crash or rebalance)
//! updates the same alert instead of paging twice. Field limits from the Events API v2
//! reference: `summary` ≤ 1024 characters, `dedup_key` ≤ 255, the whole event ≤ 512 KB
//! (`custom_details` is trimmed to fit, timeline output text first). `202` means accepted;
//! `400` is permanent; `429` and `5xx` are retried.

use super::config::PagerDutyConfig;
use super::deliver::{DirectSink, Prepared};
use super::http::{self, Attempt};
use super::route::Item;
use crate::model::{RiskLevel, Verdict};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::time::Duration;

/// The Events API's limit on an event's size.
pub const MAX_EVENT_BYTES: usize = 512 * 1024;
/// The Events API's limit on `summary`.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// The Events API's limit on `dedup_key`.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;

/// The PagerDuty sink.
pub struct PagerDuty {
    name: String,
    config: PagerDutyConfig,
    client: Client,
}

impl PagerDuty {
    /// A sink named `name`.
    pub fn new(name: &str, config: PagerDutyConfig) -> Self {
        let client = http::client(Duration::from_millis(config.delivery.timeout_ms));
        PagerDuty { name: name.to_string(), config, client }
    }
}

/// PagerDuty's severity for a risk level.
pub fn severity(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::Critical => "critical",
        RiskLevel::High => "error",
        RiskLevel::Medium => "warning",
        RiskLevel::Low | RiskLevel::Unspecified => "info",
    }
}

/// The trigger event for a verdict.
pub fn trigger_event(verdict: &Verdict, routing_key: &str) -> Value {
    let summary = &verdict.enhanced_summary;
    let metadata = &verdict.session_metadata;
    let target = metadata.target(verdict.kind);
    let title = format!("[{}] {} on {}: {}", summary.risk_level, metadata.user, target, summary.short_title);
    let techniques: Vec<&String> = {
        let mut ids: Vec<&String> =
            summary.session_events.iter().flat_map(|entry| entry.mitre_attack_ids.iter()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let risky: Vec<Value> = summary
        .session_events
        .iter()
        .filter(|entry| entry.risk_level >= RiskLevel::High)
        .map(|entry| {
            json!({
                "offset": entry.start_offset,
                "risk_level": entry.risk_level,
                "command": entry.command_event_details.command,
                "title": entry.timeline_title,
                "mitre_attack_ids": entry.mitre_attack_ids,
                "output": entry.output,
            })
        })
        .collect();
    let timestamp = verdict.inference_finished_at.or(metadata.session_stop).map(|at| at.to_rfc3339());
    let mut payload = json!({
        "summary": truncate(&title, MAX_SUMMARY_CHARS),
        "source": if target.is_empty() { "sightline".to_string() } else { target },
        "severity": severity(summary.risk_level),
        "component": verdict.kind.as_str(),
        "group": metadata.cluster_name,
        "class": techniques.first().map(|id| id.as_str()).unwrap_or("session-risk"),
        "custom_details": {
            "session_id": verdict.session_id,
            "user": metadata.user,
            "login": metadata.login,
            "risk_level": summary.risk_level,
            "risk_score": summary.risk_score,
            "short_description": summary.short_description,
            "detailed_description": summary.detailed_description,
            "reasons": summary.risk_score_reasons,
            "mitre_attack_ids": techniques,
            "needs_further_review_reasons": summary.needs_further_review_reasons,
            "session_events": risky,
            "verdict_id": verdict.id,
        },
    });
    if let (Some(timestamp), Some(object)) = (timestamp, payload.as_object_mut()) {
        object.insert("timestamp".into(), Value::String(timestamp));
    }
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": truncate(&verdict.session_id, MAX_DEDUP_KEY_CHARS),
        "client": "Sightline",
        "payload": payload,
    })
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

impl DirectSink for PagerDuty {
    fn name(&self) -> &str {
        &self.name
    }

    fn prepare(&self, item: &Item) -> Option<Prepared> {
        let Item::Verdict(verdict) = item else { return None };
        let event = trigger_event(verdict, self.config.routing_key.expose());
        Some(Prepared::new(item, event, MAX_EVENT_BYTES))
    }

    fn batches(&self, records: Vec<Prepared>) -> Vec<Vec<Prepared>> {
        records.into_iter().map(|record| vec![record]).collect()
    }

    fn attempt(&mut self, batch: &[Prepared]) -> Attempt {
        let Some(record) = batch.first() else { return Attempt::Delivered };
        let request = self
            .client
            .post(&self.config.endpoint)
            .header("Content-Type", "application/json")
            .body(record.body.clone());
        http::send(request, |_| Attempt::Delivered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_follow_risk() {
        assert_eq!(severity(RiskLevel::Critical), "critical");
        assert_eq!(severity(RiskLevel::High), "error");
        assert_eq!(severity(RiskLevel::Medium), "warning");
        assert_eq!(severity(RiskLevel::Low), "info");
    }

    #[test]
    fn summary_and_dedup_key_stay_within_limits() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions/ssh-incident-bastion.cast");
        let session = crate::source::files::read_file(&path).sessions.remove(0);
        let detector = crate::analyze::detect::RuleDetector::new(&[]).unwrap();
        let mut verdict = crate::verdict::judge_session(&session, &detector);
        verdict.session_id = "s".repeat(400);
        verdict.enhanced_summary.short_title = "t".repeat(5000);
        let event = trigger_event(&verdict, &"k".repeat(32));
        assert_eq!(event["dedup_key"].as_str().unwrap().chars().count(), MAX_DEDUP_KEY_CHARS);
        assert_eq!(event["payload"]["summary"].as_str().unwrap().chars().count(), MAX_SUMMARY_CHARS);
        assert_eq!(event["event_action"], "trigger");
    }
}
