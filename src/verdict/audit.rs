//! Audit events for the audit topic: one `session.summarized` per verdict (Teleport's
//! `INF010I`, or `INF010E` when the summary failed) and one `sightline.risk` event per `HIGH` or
//! `CRITICAL` finding on the timeline, with its ATT&CK technique and offset.
//!
//! Field names are Teleport's (`reference/teleport.md` §2): note `username`, not `user`, and the
//! resource metadata flattened by session kind. Event ids (`uid`) are deterministic, derived
//! from the session id, the event kind and the analysis version, so replays can be dropped.

use super::id::{RecordKind, record_id};
use crate::analyze::attack;
use crate::model::{RiskLevel, SessionKind, SummaryState, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// `session.summarized`, success.
pub const SESSION_SUMMARIZED_CODE: &str = "INF010I";
/// `session.summarized`, failure.
pub const SESSION_SUMMARIZED_ERROR_CODE: &str = "INF010E";
/// A per-finding risk event (Sightline's own code in Teleport's style).
pub const RISK_EVENT_CODE: &str = "SLR001W";

/// One audit event (the shape of `schemas/audit_event.avsc`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// `session.summarized` or `sightline.risk`.
    pub event: &'static str,
    /// `INF010I`, `INF010E` or [`RISK_EVENT_CODE`].
    pub code: &'static str,
    /// Deterministic id.
    pub uid: String,
    /// When the event was emitted (RFC 3339).
    pub time: String,
    /// Event index within the session's audit events.
    pub ei: i64,
    /// The Teleport cluster.
    pub cluster_name: String,
    /// The session.
    pub sid: String,
    /// Whether the summary succeeded.
    pub success: bool,
    /// Why it failed.
    pub error: String,
    /// The model that contributed (empty when rules only).
    pub model_name: String,
    /// When analysis started.
    pub inference_started_at: Option<String>,
    /// When analysis finished.
    pub inference_finished_at: Option<String>,
    /// The session's (or finding's) risk level.
    pub risk_level: Option<RiskLevel>,
    /// The summary's short description (or the finding's title).
    pub short_description: String,
    /// `ssh`, `k8s` or `db`.
    pub session_type: SessionKind,
    /// The Teleport user.
    pub username: String,
    /// Risk events: the ATT&CK technique.
    pub technique_id: Option<String>,
    /// Risk events: the technique's name.
    pub technique_name: Option<String>,
    /// Risk events: the ATT&CK tactic.
    pub tactic: Option<String>,
    /// Risk events: where in the session the command ran.
    pub start_offset: Option<String>,
    /// Risk events: the command.
    pub command: Option<String>,
    /// `server_*`, `kubernetes_*` or `db_*` metadata of the session.
    pub resource: BTreeMap<String, String>,
    /// Where the session's HTML review page is, when one was written (`[report]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_location: Option<String>,
}

/// The audit events for a verdict: `session.summarized` first, then the risk events.
pub fn audit_events(verdict: &Verdict) -> Vec<AuditEvent> {
    let time = verdict.inference_finished_at.map(|at| at.to_rfc3339()).unwrap_or_default();
    let success = verdict.state == SummaryState::Success;
    let summary = &verdict.enhanced_summary;
    let base = AuditEvent {
        event: "session.summarized",
        code: if success { SESSION_SUMMARIZED_CODE } else { SESSION_SUMMARIZED_ERROR_CODE },
        uid: record_id(&verdict.session_id, RecordKind::SessionSummarized, &verdict.analysis_version),
        time,
        ei: 0,
        cluster_name: verdict.session_metadata.cluster_name.clone(),
        sid: verdict.session_id.clone(),
        success,
        error: verdict.error_message.clone(),
        model_name: verdict.model_name.clone(),
        inference_started_at: verdict.inference_started_at.map(|at| at.to_rfc3339()),
        inference_finished_at: verdict.inference_finished_at.map(|at| at.to_rfc3339()),
        risk_level: Some(summary.risk_level),
        short_description: summary.short_description.clone(),
        session_type: verdict.kind,
        username: verdict.session_metadata.user.clone(),
        technique_id: None,
        technique_name: None,
        tactic: None,
        start_offset: None,
        command: None,
        resource: resource(verdict),
        report_location: verdict.report_location.clone(),
    };
    let mut events = vec![base.clone()];
    for (timeline_index, entry) in summary.session_events.iter().enumerate() {
        for (finding_index, finding) in entry.findings.iter().enumerate() {
            if finding.risk_level < RiskLevel::High {
                continue;
            }
            let technique_id = finding.mitre_attack_ids.first().cloned();
            let technique = technique_id.as_deref().and_then(|id| attack::table().get(id));
            events.push(AuditEvent {
                event: "sightline.risk",
                code: RISK_EVENT_CODE,
                uid: record_id(
                    &verdict.session_id,
                    RecordKind::Finding { timeline_index, finding_index },
                    &verdict.analysis_version,
                ),
                ei: events.len() as i64,
                risk_level: Some(finding.risk_level),
                short_description: finding.title.clone(),
                technique_name: technique.map(|technique| technique.full_name()),
                tactic: technique_id.as_deref().and_then(|id| attack::table().primary_tactic(id)).map(str::to_string),
                technique_id,
                start_offset: Some(entry.start_offset.to_string()),
                command: Some(entry.command_event_details.command.clone()),
                ..base.clone()
            });
        }
    }
    events
}

/// The session's resource metadata, by kind, with Teleport's field names.
fn resource(verdict: &Verdict) -> BTreeMap<String, String> {
    let metadata = &verdict.session_metadata;
    let fields: Vec<(&str, String)> = match verdict.kind {
        SessionKind::Ssh => vec![
            ("server_id", metadata.server_id.clone()),
            ("server_hostname", metadata.server_hostname.clone()),
            ("server_addr", metadata.server_addr.clone()),
        ],
        SessionKind::K8s => vec![
            ("kubernetes_cluster", metadata.kubernetes_cluster.clone()),
            ("kubernetes_pod_name", metadata.kubernetes_pod_name.clone()),
            ("kubernetes_pod_namespace", metadata.kubernetes_pod_namespace.clone()),
            ("kubernetes_container_name", metadata.kubernetes_container_name.clone()),
        ],
        SessionKind::Db => vec![
            ("db_service", metadata.db_service.clone()),
            ("db_protocol", metadata.db_protocol.clone()),
            ("db_uri", metadata.db_uri.clone()),
            ("db_name", metadata.db_name.clone()),
            ("db_user", metadata.db_user.clone()),
        ],
    };
    let mut resource: BTreeMap<String, String> = fields
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (key.to_string(), value))
        .collect();
    if verdict.kind == SessionKind::Ssh {
        for (label, value) in &metadata.server_labels {
            resource.insert(format!("server_labels.{label}"), value.clone());
        }
    }
    resource
}
