//! Connector-ready encodings of verdicts and audit events, each shaped as the receiving
//! system's documentation specifies:
//!
//! - [`Encoding::Json`]: the record itself.
//! - [`Encoding::SplunkHec`]: the HTTP Event Collector event envelope (`time` in epoch seconds,
//!   `host`, `source`, `sourcetype`, optional `index`, `event`, and flat indexed `fields`), as
//!   Splunk Connect for Kafka ingests it with `splunk.hec.json.event.formatted=true`
//!   (Splunk docs: "Format events for HTTP Event Collector").
//! - [`Encoding::Datadog`]: a Datadog log (`ddsource`, `service`, `hostname`, `ddtags`,
//!   `message`, `status` mapped from risk) with the record under `sightline`, for the Datadog
//!   Kafka connector and the Logs API v2.
//! - [`Encoding::Ocsf`]: an OCSF 1.x Detection Finding (class 2004) with `finding_info.attacks`
//!   from the ATT&CK techniques and `evidences` from the risky commands, which Splunk, Datadog
//!   and AWS Security Lake read.

use crate::analyze::attack;
use crate::model::{RiskLevel, Verdict};
use crate::verdict::audit::AuditEvent;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// How an output topic's records are encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// The record as JSON.
    #[default]
    Json,
    /// The Splunk HEC event envelope.
    SplunkHec,
    /// The Datadog log shape.
    Datadog,
    /// OCSF Detection Finding.
    Ocsf,
}

/// Values the envelopes need that the record does not carry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeConfig {
    /// Splunk `source` and Datadog `ddsource`. Default: `sightline`.
    #[serde(default = "default_source")]
    pub source: String,
    /// Splunk `index`; unset lets the HEC token's default index apply.
    #[serde(default)]
    pub splunk_index: Option<String>,
    /// Datadog `service`. Default: `sightline`.
    #[serde(default = "default_source")]
    pub datadog_service: String,
    /// Extra Datadog tags (`key:value`), e.g. `env:prod`.
    #[serde(default)]
    pub datadog_tags: Vec<String>,
}

impl Default for EnvelopeConfig {
    fn default() -> Self {
        EnvelopeConfig {
            source: default_source(),
            splunk_index: None,
            datadog_service: default_source(),
            datadog_tags: Vec::new(),
        }
    }
}

fn default_source() -> String {
    "sightline".to_string()
}

/// What kind of record is being encoded.
pub enum Record<'a> {
    /// A verdict.
    Verdict(&'a Verdict),
    /// An audit event.
    Audit(&'a AuditEvent),
}

impl Record<'_> {
    fn json(&self) -> Value {
        match self {
            Record::Verdict(verdict) => serde_json::to_value(verdict).unwrap_or(Value::Null),
            Record::Audit(event) => serde_json::to_value(event).unwrap_or(Value::Null),
        }
    }
    fn risk(&self) -> RiskLevel {
        match self {
            Record::Verdict(verdict) => verdict.enhanced_summary.risk_level,
            Record::Audit(event) => event.risk_level.unwrap_or_default(),
        }
    }
    fn sid(&self) -> &str {
        match self {
            Record::Verdict(verdict) => &verdict.session_id,
            Record::Audit(event) => &event.sid,
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            Record::Verdict(verdict) => verdict.kind.as_str(),
            Record::Audit(event) => event.session_type.as_str(),
        }
    }
    fn host(&self) -> String {
        match self {
            Record::Verdict(verdict) => {
                let metadata = &verdict.session_metadata;
                [&metadata.server_hostname, &metadata.kubernetes_cluster, &metadata.db_service]
                    .into_iter()
                    .find(|name| !name.is_empty())
                    .cloned()
                    .unwrap_or_default()
            }
            Record::Audit(event) => event
                .resource
                .get("server_hostname")
                .or_else(|| event.resource.get("kubernetes_cluster"))
                .or_else(|| event.resource.get("db_service"))
                .cloned()
                .unwrap_or_default(),
        }
    }
    fn user(&self) -> &str {
        match self {
            Record::Verdict(verdict) => &verdict.session_metadata.user,
            Record::Audit(event) => &event.username,
        }
    }
    fn message(&self) -> String {
        match self {
            Record::Verdict(verdict) => {
                format!("{}: {}", verdict.enhanced_summary.short_title, verdict.enhanced_summary.short_description)
            }
            Record::Audit(event) => format!("{} {}", event.event, event.short_description),
        }
    }
    /// When it happened, in Unix milliseconds: analysis end, else the session's stop.
    fn time_ms(&self) -> i64 {
        let at = match self {
            Record::Verdict(verdict) => verdict.inference_finished_at.or(verdict.session_metadata.session_stop),
            Record::Audit(event) => event
                .inference_finished_at
                .as_deref()
                .and_then(|time| chrono::DateTime::parse_from_rfc3339(time).ok())
                .map(|time| time.with_timezone(&chrono::Utc)),
        };
        at.map(|at| at.timestamp_millis()).unwrap_or(0)
    }
    fn sourcetype(&self) -> &'static str {
        match self {
            Record::Verdict(_) => "sightline:verdict",
            Record::Audit(_) => "sightline:audit",
        }
    }
    fn techniques(&self) -> Vec<String> {
        let mut ids: Vec<String> = match self {
            Record::Verdict(verdict) => verdict
                .enhanced_summary
                .session_events
                .iter()
                .flat_map(|entry| entry.mitre_attack_ids.iter().cloned())
                .collect(),
            Record::Audit(event) => event.technique_id.iter().cloned().collect(),
        };
        ids.sort();
        ids.dedup();
        ids
    }
}

/// A record encoded as [`Encoding::Json`], serialized straight to bytes: the same content as
/// `serde_json::to_vec(&encode(record, Encoding::Json, _))`, in the struct's field order, without
/// building the `Value` tree.
pub fn json_bytes(record: &Record<'_>) -> serde_json::Result<Vec<u8>> {
    match record {
        Record::Verdict(verdict) => serde_json::to_vec(verdict),
        Record::Audit(event) => serde_json::to_vec(event),
    }
}

/// Encodes a record.
pub fn encode(record: &Record<'_>, encoding: Encoding, envelope: &EnvelopeConfig) -> Value {
    match encoding {
        Encoding::Json => record.json(),
        Encoding::SplunkHec => splunk_hec(record, envelope),
        Encoding::Datadog => datadog(record, envelope),
        Encoding::Ocsf => ocsf(record),
    }
}

fn splunk_hec(record: &Record<'_>, envelope: &EnvelopeConfig) -> Value {
    // Indexed fields must be flat: strings or arrays of strings.
    let mut fields = Map::new();
    fields.insert("sid".into(), json!(record.sid()));
    fields.insert("risk_level".into(), json!(record.risk().as_str()));
    fields.insert("session_kind".into(), json!(record.kind()));
    if !record.user().is_empty() {
        fields.insert("user".into(), json!(record.user()));
    }
    let techniques = record.techniques();
    if !techniques.is_empty() {
        fields.insert("mitre_technique".into(), json!(techniques));
    }
    let mut hec = Map::new();
    hec.insert("time".into(), json!(record.time_ms() as f64 / 1000.0));
    let host = record.host();
    if !host.is_empty() {
        hec.insert("host".into(), json!(host));
    }
    hec.insert("source".into(), json!(envelope.source));
    hec.insert("sourcetype".into(), json!(record.sourcetype()));
    if let Some(index) = &envelope.splunk_index {
        hec.insert("index".into(), json!(index));
    }
    hec.insert("event".into(), record.json());
    hec.insert("fields".into(), Value::Object(fields));
    Value::Object(hec)
}

/// Datadog log status from a risk level.
pub fn datadog_status(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::Critical => "critical",
        RiskLevel::High => "error",
        RiskLevel::Medium => "warning",
        RiskLevel::Low | RiskLevel::Unspecified => "info",
    }
}

fn datadog(record: &Record<'_>, envelope: &EnvelopeConfig) -> Value {
    let mut tags = vec![
        format!("risk:{}", record.risk().as_str().to_ascii_lowercase()),
        format!("session_kind:{}", record.kind()),
        format!("sourcetype:{}", record.sourcetype()),
    ];
    tags.extend(envelope.datadog_tags.iter().cloned());
    json!({
        "ddsource": envelope.source,
        "service": envelope.datadog_service,
        "hostname": record.host(),
        "ddtags": tags.join(","),
        "message": record.message(),
        "status": datadog_status(record.risk()),
        "timestamp": record.time_ms(),
        "sightline": record.json(),
    })
}

/// OCSF severity_id and risk_level_id from a risk level (severity: 1 Informational, 2 Low,
/// 3 Medium, 4 High, 5 Critical; risk level: 0 Info, 1 Low, 2 Medium, 3 High, 4 Critical).
pub fn ocsf_severity(risk: RiskLevel) -> (u8, &'static str, u8, &'static str) {
    match risk {
        RiskLevel::Critical => (5, "Critical", 4, "Critical"),
        RiskLevel::High => (4, "High", 3, "High"),
        RiskLevel::Medium => (3, "Medium", 2, "Medium"),
        RiskLevel::Low => (2, "Low", 1, "Low"),
        RiskLevel::Unspecified => (1, "Informational", 0, "Info"),
    }
}

/// ATT&CK tactic ids by short name (v18.1's table; v19's new `stealth` and
/// `defense-impairment` have no id in the bundled data, so they carry the name only).
fn tactic_id(short_name: &str) -> Option<&'static str> {
    Some(match short_name {
        "reconnaissance" => "TA0043",
        "resource-development" => "TA0042",
        "initial-access" => "TA0001",
        "execution" => "TA0002",
        "persistence" => "TA0003",
        "privilege-escalation" => "TA0004",
        "defense-evasion" => "TA0005",
        "credential-access" => "TA0006",
        "discovery" => "TA0007",
        "lateral-movement" => "TA0008",
        "collection" => "TA0009",
        "command-and-control" => "TA0011",
        "exfiltration" => "TA0010",
        "impact" => "TA0040",
        _ => return None,
    })
}

fn tactic_name(short_name: &str) -> String {
    short_name
        .split('-')
        .map(|word| match word {
            "and" => "and".to_string(),
            word => {
                let mut chars = word.chars();
                chars.next().map(|first| first.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ocsf_attack(technique_id: &str) -> Value {
    let technique = attack::table().get(technique_id);
    let mut object = Map::new();
    object.insert(
        "technique".into(),
        json!({ "uid": technique_id, "name": technique.map(|technique| technique.full_name()).unwrap_or_default() }),
    );
    if let Some(tactic) = attack::table().primary_tactic(technique_id) {
        let mut tactic_object = Map::new();
        tactic_object.insert("name".into(), json!(tactic_name(tactic)));
        if let Some(uid) = tactic_id(tactic) {
            tactic_object.insert("uid".into(), json!(uid));
        }
        object.insert("tactic".into(), Value::Object(tactic_object));
    }
    object.insert("version".into(), json!("19.1"));
    Value::Object(object)
}

fn ocsf(record: &Record<'_>) -> Value {
    let (severity_id, severity, risk_level_id, risk_level) = ocsf_severity(record.risk());
    let time = record.time_ms();
    let (uid, title, description, evidences, risk_score) = match record {
        Record::Verdict(verdict) => {
            let evidences: Vec<Value> = verdict
                .enhanced_summary
                .session_events
                .iter()
                .filter(|entry| entry.risk_level >= RiskLevel::Medium)
                .map(|entry| {
                    json!({ "data": {
                        "command": entry.command_event_details.command,
                        "start_offset": entry.start_offset.to_string(),
                        "risk_level": entry.risk_level.as_str(),
                        "mitre_attack_ids": entry.mitre_attack_ids,
                    }})
                })
                .collect();
            (
                verdict.id.clone(),
                verdict.enhanced_summary.short_title.clone(),
                verdict.enhanced_summary.short_description.clone(),
                evidences,
                verdict.enhanced_summary.risk_score,
            )
        }
        Record::Audit(event) => {
            let evidences = match &event.command {
                Some(command) => vec![json!({ "data": { "command": command, "start_offset": event.start_offset } })],
                None => Vec::new(),
            };
            (event.uid.clone(), event.short_description.clone(), event.short_description.clone(), evidences, 0)
        }
    };
    let attacks: Vec<Value> = record.techniques().iter().map(|id| ocsf_attack(id)).collect();
    let mut finding_info = json!({
        "uid": uid,
        "title": title,
        "desc": description,
        "types": [format!("Session {}", record.kind())],
        "created_time": time,
        "product_uid": "sightline",
    });
    if !attacks.is_empty() {
        finding_info["attacks"] = Value::Array(attacks);
    }
    let mut finding = json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "risk_level_id": risk_level_id,
        "risk_level": risk_level,
        "risk_score": risk_score,
        "status_id": 1,
        "status": "New",
        "time": time,
        "message": record.message(),
        "metadata": {
            "version": "1.3.0",
            "uid": uid,
            "product": { "name": "Sightline", "vendor_name": "Sightline", "version": env!("CARGO_PKG_VERSION") },
        },
        "finding_info": finding_info,
        "unmapped": { "sid": record.sid(), "session_kind": record.kind() },
    });
    if !evidences.is_empty() {
        finding["evidences"] = Value::Array(evidences);
    }
    if !record.user().is_empty() {
        finding["actor"] = json!({ "user": { "name": record.user() } });
    }
    let host = record.host();
    if !host.is_empty() {
        finding["device"] = json!({ "hostname": host, "type_id": 0 });
    }
    finding
}
