//! One recorded session: its id, kind, metadata and events, ready for analysis.

use super::kind::SessionKind;
use super::recording::{EventBody, RecordingEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A session's recorded events, in order, with what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The session id (`sid`).
    pub sid: String,
    /// Which kind of session this is.
    pub kind: SessionKind,
    /// The events in recording order.
    pub events: Vec<RecordingEvent>,
    /// How completely the session was captured.
    pub capture: CaptureStatus,
}

/// How completely a session was captured, which the verdict reports as review reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureStatus {
    /// No end event was seen: the session was closed after an idle timeout.
    pub missing_end: bool,
    /// Chunks the end event announced never arrived (the grace period expired).
    pub missing_chunks: bool,
    /// The session exceeded the size limit; only what fit was analysed.
    pub too_large: bool,
}

impl CaptureStatus {
    /// True when nothing is known to be missing.
    pub fn is_complete(&self) -> bool {
        !self.missing_end && !self.missing_chunks && !self.too_large
    }
}

/// Who, where and when, gathered from the session's events (start and end events mostly).
///
/// Field names follow Teleport's event JSON so the verdict and audit events read the same.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionMetadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub login: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_hostname: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_addr: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub server_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubernetes_cluster: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubernetes_pod_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubernetes_pod_namespace: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubernetes_container_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_service: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_protocol: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_uri: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_user: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial_command: Vec<String>,
    /// Whether the session had a terminal (absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    /// Whether enhanced (eBPF) recording was on.
    #[serde(default)]
    pub enhanced_recording: bool,
    /// When the session started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_start: Option<DateTime<Utc>>,
    /// When the session ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_stop: Option<DateTime<Utc>>,
}

impl SessionMetadata {
    /// Where the session happened, in words (`web-01`, `pod payments/api-1 in prod`,
    /// `billing on billing-pg`).
    pub fn target(&self, kind: SessionKind) -> String {
        let or = |value: &str, fallback: &str| if value.is_empty() { fallback.to_string() } else { value.to_string() };
        match kind {
            SessionKind::Ssh => or(&self.server_hostname, "an unknown host"),
            SessionKind::K8s => {
                let cluster = or(&self.kubernetes_cluster, "a Kubernetes cluster");
                if self.kubernetes_pod_name.is_empty() {
                    cluster
                } else {
                    format!(
                        "pod {}/{} in {cluster}",
                        or(&self.kubernetes_pod_namespace, "default"),
                        self.kubernetes_pod_name
                    )
                }
            }
            SessionKind::Db => {
                let service = or(&self.db_service, "a database");
                if self.db_name.is_empty() { service } else { format!("{} on {service}", self.db_name) }
            }
        }
    }
}

fn fill(target: &mut String, value: &Option<String>) {
    if target.is_empty()
        && let Some(value) = value
    {
        target.clone_from(value);
    }
}

impl Session {
    /// A session from its events; kind inferred from them when `kind` is `None`.
    pub fn new(sid: String, kind: Option<SessionKind>, events: Vec<RecordingEvent>) -> Self {
        let kind = kind.unwrap_or_else(|| infer_kind(&events));
        Session { sid, kind, events, capture: CaptureStatus::default() }
    }

    /// A session from its chunks (by index) and loose events (the end event), ordered as
    /// recorded: chunk events by index, then loose events; by `ei` when every event has one.
    ///
    /// This is the one assembly rule: files (`analyze`) and Kafka (`run`) both use it, so a
    /// session gets the same verdict whichever way it arrives. `seen_chunks` are the chunk
    /// indexes that arrived (some may not be in `chunks` when the session was too large);
    /// chunks are missing when they are not contiguous from 0 or fewer than `announced_chunks`.
    pub fn from_chunks(
        sid: String,
        kind: Option<SessionKind>,
        chunks: BTreeMap<u64, Vec<RecordingEvent>>,
        seen_chunks: &[u64],
        loose: Vec<RecordingEvent>,
        announced_chunks: Option<u64>,
    ) -> Self {
        let seen = seen_chunks.len() as u64;
        let contiguous = seen_chunks.iter().copied().eq(0..seen);
        let missing_chunks = !contiguous || announced_chunks.is_some_and(|count| count > seen);
        let mut events: Vec<RecordingEvent> = chunks.into_values().flatten().collect();
        events.extend(loose);
        if events.iter().all(|event| event.ei.is_some()) {
            events.sort_by_key(|event| event.ei);
        }
        let mut session = Session::new(sid, kind, events);
        session.capture.missing_chunks = missing_chunks;
        session
    }

    /// The session's metadata, gathered from every event that carries some (first value wins,
    /// except the end event's `session_stop`, participants and enhanced-recording flag).
    pub fn metadata(&self) -> SessionMetadata {
        let mut metadata = SessionMetadata::default();
        for event in &self.events {
            let source = event.metadata();
            fill(&mut metadata.user, &source.user);
            fill(&mut metadata.login, &source.login);
            fill(&mut metadata.cluster_name, &source.cluster_name);
            fill(&mut metadata.server_id, &source.server_id);
            fill(&mut metadata.server_hostname, &source.server_hostname);
            fill(&mut metadata.server_addr, &source.server_addr);
            fill(&mut metadata.kubernetes_cluster, &source.kubernetes_cluster);
            fill(&mut metadata.kubernetes_pod_name, &source.kubernetes_pod_name);
            fill(&mut metadata.kubernetes_pod_namespace, &source.kubernetes_pod_namespace);
            fill(&mut metadata.kubernetes_container_name, &source.kubernetes_container_name);
            fill(&mut metadata.db_service, &source.db_service);
            fill(&mut metadata.db_protocol, &source.db_protocol);
            fill(&mut metadata.db_uri, &source.db_uri);
            fill(&mut metadata.db_name, &source.db_name);
            fill(&mut metadata.db_user, &source.db_user);
            if metadata.server_labels.is_empty() {
                metadata.server_labels.clone_from(&source.server_labels);
            }
            if metadata.initial_command.is_empty() {
                metadata.initial_command.clone_from(&source.initial_command);
            }
            if metadata.interactive.is_none() {
                metadata.interactive = source.interactive;
            }
            if metadata.session_start.is_none() {
                metadata.session_start = source.session_start;
            }
            if event.is_end() {
                metadata.session_stop = source.session_stop.or(event.time);
                if !source.participants.is_empty() {
                    metadata.participants.clone_from(&source.participants);
                }
            }
            if source.enhanced_recording == Some(true)
                || matches!(event.body, EventBody::Command(_) | EventBody::Network(_) | EventBody::Disk(_))
            {
                metadata.enhanced_recording = true;
            }
        }
        if metadata.session_start.is_none() {
            metadata.session_start = self.start_time();
        }
        metadata
    }

    /// When the session started: the start event's time, else the earliest event time.
    pub fn start_time(&self) -> Option<DateTime<Utc>> {
        let from_start_event = self.events.iter().find_map(|event| match event.body {
            EventBody::SessionStart | EventBody::DbSessionStart { .. } => event.metadata().session_start.or(event.time),
            _ => None,
        });
        from_start_event.or_else(|| self.events.iter().filter_map(|event| event.time).min())
    }

    /// The session's end event (`session.end` / `db.session.end`), if it was recorded.
    pub fn end_event(&self) -> Option<&RecordingEvent> {
        self.events.iter().rev().find(|event| event.is_end())
    }

    /// Total bytes of terminal output.
    pub fn output_bytes(&self) -> usize {
        self.events
            .iter()
            .map(|event| match &event.body {
                EventBody::Print(print) => print.data.len(),
                _ => 0,
            })
            .sum()
    }
}

/// Infers the kind from the events: database events make it `db`, Kubernetes ones `k8s`.
pub fn infer_kind(events: &[RecordingEvent]) -> SessionKind {
    for event in events {
        match &event.body {
            EventBody::DbSessionStart { .. } | EventBody::DbQuery(_) | EventBody::DbSessionEnd => {
                return SessionKind::Db;
            }
            EventBody::KubeExec(_) | EventBody::KubeRequest(_) => return SessionKind::K8s,
            _ => {}
        }
        if event.metadata().proto.as_deref() == Some("kube") || event.metadata().kubernetes_cluster.is_some() {
            return SessionKind::K8s;
        }
    }
    SessionKind::Ssh
}

/// Seconds from `start` to `time` (0 when either is unknown or `time` is earlier): the clock
/// the timeline's offsets and the report's player share.
pub fn offset_secs(start: Option<DateTime<Utc>>, time: Option<DateTime<Utc>>) -> f64 {
    match (time, start) {
        (Some(time), Some(start)) => (time - start).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6,
        _ => 0.0,
    }
}
