//! The verdict: one per session, shaped after Teleport's `Summary` / `EnhancedSummary` /
//! `SessionEvent` (`reference/teleport.md` §1.2–1.5) with the same snake_case field names.
//!
//! What Teleport lacks is added beside its fields: which findings came from rules and which
//! from a model ([`Finding::source`]), the analysis version, the session metadata, token usage
//! and cost, and per-entry output and executed programs.

use super::duration::ProtoDuration;
use super::enums::{CommandCategory, NeedsReviewReason, RiskLevel, SummaryState, ThreatCategory};
use super::kind::SessionKind;
use super::session::{CaptureStatus, SessionMetadata};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What Sightline says about one session (Teleport's `Summary`, plus our fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Deterministic id: the same session, record kind and analysis version give the same id.
    pub id: String,
    /// The session this verdict is about.
    pub session_id: String,
    /// `ssh`, `k8s` or `db`.
    pub kind: SessionKind,
    /// `SUCCESS` when a verdict was produced; `ERROR` when the model failed (rules still judged).
    pub state: SummaryState,
    /// When analysis started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_started_at: Option<DateTime<Utc>>,
    /// When analysis finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_finished_at: Option<DateTime<Utc>>,
    /// A Markdown rendering of the summary, as Teleport's simple summaries carry.
    #[serde(default)]
    pub content: String,
    /// The inference model that contributed; empty for a rules-only verdict.
    #[serde(default)]
    pub model_name: String,
    /// The session's end event as recorded, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_end_event: Option<serde_json::Value>,
    /// Why the model failed, when `state` is `ERROR`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error_message: String,
    /// The structured analysis.
    pub enhanced_summary: EnhancedSummary,
    /// How long the session lasted (Teleport's `total_duration`).
    #[serde(default)]
    pub total_duration: ProtoDuration,
    /// Version of the analysis that produced this verdict (code and rule pack).
    pub analysis_version: String,
    /// Who, where and when.
    pub session_metadata: SessionMetadata,
    /// What was missing from the recording.
    #[serde(default)]
    pub capture: CaptureStatus,
    /// Secrets redacted from the transcript before it was sent to a model.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redacted_secrets: u32,
    /// Where the session's HTML review page is (`[report]` in `run`), when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_location: Option<String>,
    /// Tokens and estimated cost spent on this verdict (zero when rules-only).
    #[serde(default)]
    pub usage: Usage,
}

/// The session-level analysis (Teleport's `EnhancedSummary`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnhancedSummary {
    /// A title for list views.
    #[serde(default)]
    pub short_title: String,
    /// One or two sentences.
    #[serde(default)]
    pub short_description: String,
    /// What happened, in plain words.
    #[serde(default)]
    pub detailed_description: String,
    /// Overall session risk.
    #[serde(default)]
    pub risk_level: RiskLevel,
    /// Overall score, 0–100.
    #[serde(default)]
    pub risk_score: i32,
    /// The reasons for the score and their contributions.
    #[serde(default)]
    pub risk_score_reasons: Vec<RiskScoreReason>,
    /// Suspicious activities, in words.
    #[serde(default)]
    pub suspicious_activities: Vec<String>,
    /// True when indicators of compromise were found.
    #[serde(default)]
    pub compromise_indicators: bool,
    /// Indexes into `session_events` worth a look.
    #[serde(default)]
    pub notable_command_indexes: Vec<i32>,
    /// Why a human should review this session.
    #[serde(default)]
    pub needs_further_review_reasons: Vec<NeedsReviewReason>,
    /// The lowest risk the deterministic rules allow (the model can raise, never lower).
    #[serde(default)]
    pub risk_floor: RiskLevel,
    /// The timeline: one entry per command, query or request.
    #[serde(default)]
    pub session_events: Vec<TimelineEntry>,
}

/// One reason for the risk score (Teleport's `RiskScoreReason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskScoreReason {
    pub reason: String,
    pub score_impact: i32,
}

/// Where a timeline entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimelineSource {
    /// A command line recovered from the terminal output.
    #[default]
    Terminal,
    /// A program execution from enhanced recording that no visible command accounts for.
    Enhanced,
    /// A `db.session.query`.
    Database,
    /// A Kubernetes `exec` command.
    KubeExec,
    /// A `kube.request`.
    KubeRequest,
    /// The session's `initial_command` (a non-interactive session).
    InitialCommand,
}

/// One timeline entry (Teleport's `SessionEvent`, with command details inline).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub category: CommandCategory,
    pub risk_level: RiskLevel,
    pub risk_score: i32,
    pub threat_category: ThreatCategory,
    #[serde(default)]
    pub timeline_title: String,
    #[serde(default)]
    pub timeline_subtitle: String,
    #[serde(default)]
    pub short_description: String,
    #[serde(default)]
    pub detailed_description: String,
    #[serde(default)]
    pub suspicious_flags: Vec<String>,
    #[serde(default)]
    pub sensitive_items: Vec<String>,
    #[serde(default)]
    pub suspicious_patterns: Vec<String>,
    #[serde(default)]
    pub iocs: Vec<String>,
    #[serde(default)]
    pub mitre_attack_ids: Vec<String>,
    #[serde(default)]
    pub has_sensitive_data: bool,
    #[serde(default)]
    pub privilege_escalation: bool,
    #[serde(default)]
    pub data_exfiltration: bool,
    #[serde(default)]
    pub persistence: bool,
    /// When the command started running, from session start.
    pub start_offset: ProtoDuration,
    /// When it finished (the next prompt appeared), from session start.
    pub end_offset: ProtoDuration,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub inference_error_message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output_incomplete_reason: String,
    /// The command and whether it succeeded.
    pub command_event_details: CommandEventDetails,
    /// Where this entry came from.
    #[serde(default)]
    pub source: TimelineSource,
    /// What the command printed (ANSI stripped, bounded; cut with a marker).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
    /// Programs enhanced recording saw executing during this command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub executed: Vec<ExecutedProgram>,
    /// Detection results for this entry, each saying whether rules or a model found it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// Teleport's `CommandEventDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEventDetails {
    pub command: String,
    pub success: bool,
    #[serde(default)]
    pub error_messages: Vec<String>,
}

/// A program execution attached to a timeline entry (from `session.command`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutedProgram {
    pub path: String,
    /// Arguments, without the program name (as Teleport records them).
    #[serde(default)]
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_code: Option<i64>,
    pub offset: ProtoDuration,
}

/// Who produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingSource {
    /// The deterministic rule engine.
    #[default]
    Rules,
    /// A language model.
    Model,
}

/// One detection on a timeline entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub source: FindingSource,
    /// The rule id (for rules) or the model name (for a model).
    pub rule_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub risk_level: RiskLevel,
    #[serde(default)]
    pub mitre_attack_ids: Vec<String>,
    #[serde(default)]
    pub threat_category: ThreatCategory,
    #[serde(default)]
    pub flags: Vec<String>,
    /// The text that matched, when useful to show.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

/// Tokens and estimated spend for one verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub requests: u32,
    pub estimated_cost_usd: f64,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl TimelineEntry {
    /// The command text (shortcut to `command_event_details.command`).
    pub fn command(&self) -> &str {
        &self.command_event_details.command
    }
}
