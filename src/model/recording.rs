//! The events a session recording holds, in Teleport's audit-event JSON shape.
//!
//! Decoding is lenient where Teleport versions differ (numbers sometimes written as strings,
//! `null` for empty lists) and strict where meaning is at stake: an event must be a JSON object
//! with a string `event` type, and a `print` event's `data` must be valid base64. Unknown event
//! types are kept as [`EventBody::Other`] and ignored by analysis, never an error.

use super::lenient::{
    lenient_bool, lenient_f64, lenient_i64, lenient_string, lenient_string_map, lenient_strings, lenient_text,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Why one recorded event could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum RecordingEventError {
    /// Not JSON, or not an object with a string `event` field.
    #[error("invalid event json: {0}")]
    Json(#[from] serde_json::Error),
    /// A `print` event whose `data` is not base64.
    #[error("print event data is not valid base64: {0}")]
    PrintData(base64::DecodeError),
}

/// One recorded event: the metadata every Teleport event has, plus what its type carries.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingEvent {
    /// The event type string (`print`, `session.start`, `db.session.query`, ...).
    pub event: String,
    /// Teleport's event code (`T2000I`, ...), when present.
    pub code: Option<String>,
    /// When the event happened.
    pub time: Option<DateTime<Utc>>,
    /// The event index within the session.
    pub ei: Option<i64>,
    /// The session id, when the event carries it (`print` events usually do not).
    pub sid: Option<String>,
    /// Session, user, server and resource metadata the event carries; `None` when it carries
    /// none (most events), which keeps `print` events small. Read it with [`Self::metadata`].
    pub metadata: Option<Box<EventMetadata>>,
    /// The type-specific part.
    pub body: EventBody,
    /// The event as received, kept only for end events (the verdict's `session_end_event`).
    pub raw: Option<serde_json::Value>,
}

/// Metadata fields Teleport embeds flat in events (`UserMetadata`, `ServerMetadata`,
/// `KubernetesClusterMetadata`, `KubernetesPodMetadata`, `DatabaseMetadata`, session times).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventMetadata {
    pub user: Option<String>,
    pub login: Option<String>,
    pub cluster_name: Option<String>,
    pub server_id: Option<String>,
    pub server_hostname: Option<String>,
    pub server_addr: Option<String>,
    pub server_labels: BTreeMap<String, String>,
    pub namespace: Option<String>,
    pub proto: Option<String>,
    pub remote_addr: Option<String>,
    pub kubernetes_cluster: Option<String>,
    pub kubernetes_pod_name: Option<String>,
    pub kubernetes_pod_namespace: Option<String>,
    pub kubernetes_container_name: Option<String>,
    pub kubernetes_node_name: Option<String>,
    pub kubernetes_users: Vec<String>,
    pub kubernetes_groups: Vec<String>,
    pub db_service: Option<String>,
    pub db_protocol: Option<String>,
    pub db_uri: Option<String>,
    pub db_name: Option<String>,
    pub db_user: Option<String>,
    pub session_start: Option<DateTime<Utc>>,
    pub session_stop: Option<DateTime<Utc>>,
    pub participants: Vec<String>,
    pub interactive: Option<bool>,
    pub enhanced_recording: Option<bool>,
    pub initial_command: Vec<String>,
    /// Terminal size `(cols, rows)` from a `size` field (`"W:H"`).
    pub size: Option<(u16, u16)>,
}

/// The type-specific part of a recorded event.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// `session.start`: its metadata is in [`RecordingEvent::metadata`].
    SessionStart,
    /// `print`: terminal output bytes.
    Print(Print),
    /// `resize`: the new terminal size.
    Resize { cols: u16, rows: u16 },
    /// `session.end`.
    SessionEnd,
    /// `session.command` (enhanced recording): a program executed.
    Command(Command),
    /// `session.network` (enhanced recording): a connection attempt.
    Network(Network),
    /// `session.disk` (enhanced recording): a file opened.
    Disk(Disk),
    /// `exec` (Kubernetes): a command executed in a pod.
    KubeExec(KubeExec),
    /// `kube.request`: a Kubernetes API request.
    KubeRequest(KubeRequest),
    /// `db.session.start`.
    DbSessionStart { success: Option<bool>, error: Option<String> },
    /// `db.session.query` (and `db.session.query.failed`).
    DbQuery(DbQuery),
    /// `db.session.end`.
    DbSessionEnd,
    /// Any other event type: kept, ignored by analysis.
    Other,
}

/// Terminal output written at `ms` milliseconds after session start.
#[derive(Debug, Clone, PartialEq)]
pub struct Print {
    pub data: Vec<u8>,
    /// Milliseconds from session start (Teleport writes an integer; asciicast input keeps
    /// sub-millisecond precision).
    pub ms: Option<f64>,
    pub offset: Option<i64>,
    pub chunk_index: Option<i64>,
}

/// A program execution seen by enhanced recording. `argv` excludes the program, as in Teleport.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Command {
    pub path: String,
    pub program: Option<String>,
    pub argv: Vec<String>,
    pub return_code: Option<i64>,
    pub pid: Option<i64>,
    pub ppid: Option<i64>,
}

/// A network operation seen by enhanced recording.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Network {
    pub program: Option<String>,
    pub pid: Option<i64>,
    pub src_addr: Option<String>,
    pub dst_addr: Option<String>,
    pub dst_port: Option<i64>,
    pub action: Option<i64>,
}

/// A file opened, seen by enhanced recording.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Disk {
    pub program: Option<String>,
    pub pid: Option<i64>,
    pub path: String,
    pub flags: Option<i64>,
    pub return_code: Option<i64>,
}

/// A command run in a pod through the Kubernetes exec API.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KubeExec {
    pub command: String,
    /// Teleport writes `exitCode` as a string.
    pub exit_code: Option<String>,
    pub exit_error: Option<String>,
}

/// A Kubernetes API request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KubeRequest {
    pub verb: String,
    pub request_path: String,
    pub resource_api_group: Option<String>,
    pub resource_namespace: Option<String>,
    pub resource_kind: Option<String>,
    pub resource_name: Option<String>,
    pub response_code: Option<i64>,
}

/// A database query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbQuery {
    pub query: String,
    pub parameters: Vec<String>,
    pub success: Option<bool>,
    pub error: Option<String>,
}

impl RecordingEvent {
    /// Decodes one event from its JSON text.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, RecordingEventError> {
        let wire: WireEvent = serde_json::from_slice(bytes)?;
        let keep_raw = matches!(wire.event.as_str(), "session.end" | "db.session.end");
        let raw = if keep_raw { Some(serde_json::from_slice(bytes)?) } else { None };
        wire.into_event(raw)
    }

    /// Checks that [`Self::from_json_slice`] would decode `bytes`, without keeping the event;
    /// a `print` event's data is decoded into `scratch`, which is reused across calls.
    pub(crate) fn check_json_slice(bytes: &[u8], scratch: &mut Vec<u8>) -> Result<(), RecordingEventError> {
        let wire: WireEvent = serde_json::from_slice(bytes)?;
        if wire.event == "print"
            && let Some(encoded) = &wire.data
        {
            scratch.clear();
            base64::engine::general_purpose::STANDARD
                .decode_vec(encoded.as_bytes(), scratch)
                .map_err(RecordingEventError::PrintData)?;
        }
        Ok(())
    }

    /// Decodes one event from an already parsed JSON value.
    pub fn from_json_value(value: serde_json::Value) -> Result<Self, RecordingEventError> {
        let keep_raw =
            matches!(value.get("event").and_then(|event| event.as_str()), Some("session.end" | "db.session.end"));
        let raw = keep_raw.then(|| value.clone());
        let wire = WireEvent::deserialize(value)?;
        wire.into_event(raw)
    }

    /// The event's metadata (empty when it carries none).
    pub fn metadata(&self) -> &EventMetadata {
        static EMPTY: std::sync::OnceLock<EventMetadata> = std::sync::OnceLock::new();
        self.metadata.as_deref().unwrap_or_else(|| EMPTY.get_or_init(EventMetadata::default))
    }

    /// True for `session.end` and `db.session.end`.
    pub fn is_end(&self) -> bool {
        matches!(self.body, EventBody::SessionEnd | EventBody::DbSessionEnd)
    }
}

/// Parses Teleport's `"W:H"` size string.
pub fn parse_size(size: &str) -> Option<(u16, u16)> {
    let (cols, rows) = size.split_once(':')?;
    let cols: u16 = cols.trim().parse().ok()?;
    let rows: u16 = rows.trim().parse().ok()?;
    (cols > 0 && rows > 0).then_some((cols, rows))
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    let text = text?;
    DateTime::parse_from_rfc3339(&text).ok().map(|time| time.with_timezone(&Utc))
}

/// The flat wire shape: every field any known event type carries, all optional and lenient.
#[derive(Deserialize)]
struct WireEvent<'a> {
    event: String,
    #[serde(default, deserialize_with = "lenient_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    time: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    ei: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    sid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    user: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    login: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    cluster_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    server_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    server_hostname: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    server_addr: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    server_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_string")]
    namespace: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    proto: Option<String>,
    #[serde(default, rename = "addr.remote", deserialize_with = "lenient_string")]
    remote_addr: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    size: Option<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    initial_command: Vec<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    interactive: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    enhanced_recording: Option<bool>,
    #[serde(default, deserialize_with = "lenient_strings")]
    participants: Vec<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    session_start: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    session_stop: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    kubernetes_cluster: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    kubernetes_pod_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    kubernetes_pod_namespace: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    kubernetes_container_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    kubernetes_node_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    kubernetes_users: Vec<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    kubernetes_groups: Vec<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_service: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_protocol: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_user: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    db_query: Option<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    db_query_parameters: Vec<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    success: Option<bool>,
    #[serde(default, deserialize_with = "lenient_string")]
    error: Option<String>,
    #[serde(default, borrow, deserialize_with = "lenient_text")]
    data: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_f64")]
    ms: Option<f64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    ci: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pid: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    ppid: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    program: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    argv: Vec<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    return_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    flags: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    src_addr: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    dst_addr: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    dst_port: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    action: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    command: Option<String>,
    #[serde(default, rename = "exitCode", deserialize_with = "lenient_string")]
    exit_code: Option<String>,
    #[serde(default, rename = "exitError", deserialize_with = "lenient_string")]
    exit_error: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    verb: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    request_path: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    resource_api_group: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    resource_namespace: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    resource_kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    resource_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    response_code: Option<i64>,
}

impl WireEvent<'_> {
    fn into_event(self, raw: Option<serde_json::Value>) -> Result<RecordingEvent, RecordingEventError> {
        let size = self.size.as_deref().and_then(parse_size);
        let body = match self.event.as_str() {
            "session.start" => EventBody::SessionStart,
            "print" => {
                let data = match &self.data {
                    Some(encoded) => base64::engine::general_purpose::STANDARD
                        .decode(encoded.as_bytes())
                        .map_err(RecordingEventError::PrintData)?,
                    None => Vec::new(),
                };
                EventBody::Print(Print { data, ms: self.ms, offset: self.offset, chunk_index: self.ci })
            }
            "resize" => match size {
                Some((cols, rows)) => EventBody::Resize { cols, rows },
                None => EventBody::Other,
            },
            "session.end" => EventBody::SessionEnd,
            "session.command" => EventBody::Command(Command {
                path: self.path.clone().unwrap_or_default(),
                program: self.program.clone(),
                argv: self.argv.clone(),
                return_code: self.return_code,
                pid: self.pid,
                ppid: self.ppid,
            }),
            "session.network" => EventBody::Network(Network {
                program: self.program.clone(),
                pid: self.pid,
                src_addr: self.src_addr.clone(),
                dst_addr: self.dst_addr.clone(),
                dst_port: self.dst_port,
                action: self.action,
            }),
            "session.disk" => EventBody::Disk(Disk {
                program: self.program.clone(),
                pid: self.pid,
                path: self.path.clone().unwrap_or_default(),
                flags: self.flags,
                return_code: self.return_code,
            }),
            "exec" => EventBody::KubeExec(KubeExec {
                command: self.command.clone().unwrap_or_default(),
                exit_code: self.exit_code.clone(),
                exit_error: self.exit_error.clone(),
            }),
            "kube.request" => EventBody::KubeRequest(KubeRequest {
                verb: self.verb.clone().unwrap_or_default(),
                request_path: self.request_path.clone().unwrap_or_default(),
                resource_api_group: self.resource_api_group.clone(),
                resource_namespace: self.resource_namespace.clone(),
                resource_kind: self.resource_kind.clone(),
                resource_name: self.resource_name.clone(),
                response_code: self.response_code,
            }),
            "db.session.start" => EventBody::DbSessionStart { success: self.success, error: self.error.clone() },
            "db.session.query" | "db.session.query.failed" => EventBody::DbQuery(DbQuery {
                query: self.db_query.clone().unwrap_or_default(),
                parameters: self.db_query_parameters.clone(),
                success: match self.event.as_str() {
                    "db.session.query.failed" => Some(false),
                    _ => self.success,
                },
                error: self.error.clone(),
            }),
            "db.session.end" => EventBody::DbSessionEnd,
            _ => EventBody::Other,
        };
        let metadata = EventMetadata {
            user: self.user,
            login: self.login,
            cluster_name: self.cluster_name,
            server_id: self.server_id,
            server_hostname: self.server_hostname,
            server_addr: self.server_addr,
            server_labels: self.server_labels,
            namespace: self.namespace,
            proto: self.proto,
            remote_addr: self.remote_addr,
            kubernetes_cluster: self.kubernetes_cluster,
            kubernetes_pod_name: self.kubernetes_pod_name,
            kubernetes_pod_namespace: self.kubernetes_pod_namespace,
            kubernetes_container_name: self.kubernetes_container_name,
            kubernetes_node_name: self.kubernetes_node_name,
            kubernetes_users: self.kubernetes_users,
            kubernetes_groups: self.kubernetes_groups,
            db_service: self.db_service,
            db_protocol: self.db_protocol,
            db_uri: self.db_uri,
            db_name: self.db_name,
            db_user: self.db_user,
            session_start: parse_time(self.session_start),
            session_stop: parse_time(self.session_stop),
            participants: self.participants,
            interactive: self.interactive,
            enhanced_recording: self.enhanced_recording,
            initial_command: self.initial_command,
            size,
        };
        let metadata = (metadata != EventMetadata::default()).then(|| Box::new(metadata));
        Ok(RecordingEvent {
            event: self.event,
            code: self.code,
            time: parse_time(self.time),
            ei: self.ei,
            sid: self.sid.filter(|sid| !sid.is_empty()),
            metadata,
            body,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_print_data_and_timing() {
        let event = RecordingEvent::from_json_slice(
            br#"{"event":"print","time":"2026-11-20T10:00:01.5Z","ei":3,"ci":1,"bytes":5,"ms":1500,"offset":10,"data":"aGVsbG8="}"#,
        )
        .unwrap();
        match event.body {
            EventBody::Print(print) => {
                assert_eq!(print.data, b"hello");
                assert_eq!(print.ms, Some(1500.0));
            }
            other => panic!("expected print, got {other:?}"),
        }
        assert_eq!(event.ei, Some(3));
    }

    #[test]
    fn unknown_event_types_are_kept_not_errors() {
        let event = RecordingEvent::from_json_slice(br#"{"event":"desktop.recording","ms":5,"path":7}"#).unwrap();
        assert_eq!(event.event, "desktop.recording");
        assert_eq!(event.body, EventBody::Other);
    }

    #[test]
    fn lenient_numbers_and_null_lists() {
        let event = RecordingEvent::from_json_slice(
            br#"{"event":"session.command","ei":"7","argv":null,"path":"/bin/ls","return_code":"0","pid":12}"#,
        )
        .unwrap();
        assert_eq!(event.ei, Some(7));
        match event.body {
            EventBody::Command(command) => {
                assert!(command.argv.is_empty());
                assert_eq!(command.return_code, Some(0));
            }
            other => panic!("expected command, got {other:?}"),
        }
    }

    #[test]
    fn rejects_bad_base64_and_missing_type() {
        assert!(matches!(
            RecordingEvent::from_json_slice(br#"{"event":"print","data":"!!!"}"#),
            Err(RecordingEventError::PrintData(_))
        ));
        assert!(RecordingEvent::from_json_slice(br#"{"ei":1}"#).is_err());
        assert!(RecordingEvent::from_json_slice(b"[1,2]").is_err());
    }

    #[test]
    fn keeps_raw_end_event_and_parses_size() {
        let event = RecordingEvent::from_json_slice(
            br#"{"event":"session.end","sid":"s1","size":"120:40","participants":["alice"]}"#,
        )
        .unwrap();
        assert!(event.is_end());
        assert_eq!(event.raw.as_ref().unwrap()["participants"][0], "alice");
        assert_eq!(event.metadata().size, Some((120, 40)));
    }
}
