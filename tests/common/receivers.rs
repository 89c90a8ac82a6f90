//! In-process receivers for the direct sinks, as strict as the real APIs (the services
//! themselves cannot run here). Each checks what its vendor's documentation says a request
//! must be, answers as the vendor does, records what it accepted, and can be told to fail:
//!
//! - Splunk HEC (`/services/collector/event`, `/services/collector/ack`; "Format events for
//!   HTTP Event Collector", "HTTP Event Collector indexer acknowledgment", HEC error codes):
//!   `Authorization: Splunk <token>`, channel GUID when acknowledgement is on, concatenated
//!   event objects with a non-empty `event`, numeric `time`, only the envelope keys, flat
//!   `fields`, the content-length limit; `ackId`s acknowledged after a set number of polls.
//! - Datadog Logs API v2 (`/api/v2/logs`): `DD-API-KEY`, JSON content type, gzip, at most 1000
//!   entries and 5 MB uncompressed per request, logs over 1 MB counted as truncated, `202`.
//! - PagerDuty Events API v2 (`/v2/enqueue`): routing key, `event_action`, `dedup_key` ≤ 255,
//!   `payload.summary` ≤ 1024, `source`, `severity` among the four, RFC 3339 `timestamp`,
//!   512 KB per event, `202` with the `dedup_key`.
//! - Webhook: `X-Sightline-Signature` recomputed over `<timestamp>.<body>` with the shared
//!   secret, a timestamp within 5 minutes, the record id header, a JSON object body.
//!
//! Faults, applied before validation like a load balancer in front: a script of statuses (with
//! `Retry-After`) for the next requests, or an outage answering every request with one status.

#![allow(dead_code)]

use flate2::read::GzDecoder;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Which API the receiver plays.
#[derive(Debug, Clone)]
pub enum Api {
    /// HEC with this token; `ack_after_polls` of `None` means acknowledgement is off.
    SplunkHec { token: String, ack_after_polls: Option<usize>, max_content_length: usize },
    /// Datadog with this API key.
    Datadog { api_key: String },
    /// PagerDuty with this routing key.
    PagerDuty { routing_key: String },
    /// A webhook at `path` with this secret.
    Webhook { path: String, secret: String },
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub status: u16,
    pub at: Instant,
    pub gzip: bool,
    pub events: usize,
}

#[derive(Default)]
struct State {
    script: VecDeque<(u16, Option<u64>)>,
    outage: Option<u16>,
    accepted: Vec<Value>,
    requests: Vec<Seen>,
    next_ack: u64,
    ack_polls: BTreeMap<u64, usize>,
    truncated: usize,
}

/// A running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    api: Api,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    /// Starts a receiver for `api` on a free port.
    pub fn start(api: Api) -> Receiver {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}", server.server_addr().to_ip().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let (thread_state, thread_api) = (state.clone(), api.clone());
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                handle(&thread_api, &thread_state, request);
            }
        });
        Receiver { url, api, state }
    }

    /// Answers the next requests with these statuses (and `Retry-After` seconds), in order.
    pub fn script(&self, faults: &[(u16, Option<u64>)]) {
        self.state.lock().unwrap().script.extend(faults.iter().copied());
    }

    /// Answers every request with `status` until called with `None`.
    pub fn outage(&self, status: Option<u16>) {
        self.state.lock().unwrap().outage = status;
    }

    /// Events (HEC), logs (Datadog), events (PagerDuty) or bodies (webhook) accepted so far.
    pub fn accepted(&self) -> Vec<Value> {
        self.state.lock().unwrap().accepted.clone()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Datadog logs over 1 MB accepted (and truncated by the intake).
    pub fn truncated(&self) -> usize {
        self.state.lock().unwrap().truncated
    }

    /// The API played.
    pub fn api(&self) -> &Api {
        &self.api
    }
}

struct Incoming {
    method: String,
    path: String,
    query: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

fn handle(api: &Api, state: &Mutex<State>, mut request: tiny_http::Request) {
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (request.url().to_string(), String::new()),
    };
    let headers = request
        .headers()
        .iter()
        .map(|header| (header.field.as_str().as_str().to_ascii_lowercase(), header.value.as_str().to_string()))
        .collect();
    let mut raw = Vec::new();
    let _ = request.as_reader().read_to_end(&mut raw);
    let mut incoming = Incoming { method: request.method().as_str().to_string(), path, query, headers, body: raw };
    let gzip = incoming.header("content-encoding") == Some("gzip");
    let (status, body, retry_after, events) = {
        let mut state = state.lock().unwrap();
        let fault = state.outage.map(|status| (status, None)).or_else(|| state.script.pop_front());
        match fault {
            Some((status, retry_after)) => {
                (status, json!({"text": "injected fault", "code": 9}).to_string(), retry_after, 0)
            }
            None => {
                if gzip {
                    let mut decoded = Vec::new();
                    if GzDecoder::new(incoming.body.as_slice()).read_to_end(&mut decoded).is_err() {
                        let answer = (400, json!({"text": "Invalid data format", "code": 6}).to_string(), None, 0);
                        respond(request, &mut state, &incoming.path, gzip, answer);
                        return;
                    }
                    incoming.body = decoded;
                }
                let (status, body, events) = match api {
                    Api::SplunkHec { token, ack_after_polls, max_content_length } => {
                        splunk(&incoming, token, *ack_after_polls, *max_content_length, &mut state)
                    }
                    Api::Datadog { api_key } => datadog(&incoming, api_key, &mut state),
                    Api::PagerDuty { routing_key } => pagerduty(&incoming, routing_key, &mut state),
                    Api::Webhook { path, secret } => webhook(&incoming, path, secret, &mut state),
                };
                (status, body, None, events)
            }
        }
    };
    let mut state = state.lock().unwrap();
    respond(request, &mut state, &incoming.path, gzip, (status, body, retry_after, events));
}

fn respond(
    request: tiny_http::Request,
    state: &mut State,
    path: &str,
    gzip: bool,
    (status, body, retry_after, events): (u16, String, Option<u64>, usize),
) {
    state.requests.push(Seen { path: path.to_string(), status, at: Instant::now(), gzip, events });
    let mut response = tiny_http::Response::from_string(body)
        .with_status_code(status)
        .with_header("Content-Type: application/json".parse::<tiny_http::Header>().unwrap());
    if let Some(seconds) = retry_after {
        response = response.with_header(format!("Retry-After: {seconds}").parse::<tiny_http::Header>().unwrap());
    }
    let _ = request.respond(response);
}

fn hec_error(status: u16, text: &str, code: i64) -> (u16, String, usize) {
    (status, json!({"text": text, "code": code}).to_string(), 0)
}

fn splunk(
    incoming: &Incoming,
    token: &str,
    ack_after_polls: Option<usize>,
    max_content_length: usize,
    state: &mut State,
) -> (u16, String, usize) {
    if incoming.method != "POST" {
        return hec_error(405, "Method not allowed", 404);
    }
    match incoming.header("authorization") {
        None => return hec_error(401, "Token is required", 2),
        Some(value) if value != format!("Splunk {token}") => return hec_error(403, "Invalid token", 4),
        Some(_) => {}
    }
    let channel = incoming
        .header("x-splunk-request-channel")
        .map(str::to_string)
        .or_else(|| incoming.query.split('&').find_map(|pair| pair.strip_prefix("channel=").map(str::to_string)));
    if ack_after_polls.is_some() {
        match &channel {
            None => return hec_error(400, "Data channel is missing", 10),
            Some(channel) if uuid::Uuid::parse_str(channel).is_err() => {
                return hec_error(400, "Invalid data channel", 11);
            }
            Some(_) => {}
        }
    }
    match incoming.path.as_str() {
        "/services/collector/ack" => {
            let Some(polls_needed) = ack_after_polls else { return hec_error(400, "ACK is disabled", 14) };
            let Ok(request) = serde_json::from_slice::<Value>(&incoming.body) else {
                return hec_error(400, "Invalid data format", 6);
            };
            let Some(ids) = request.get("acks").and_then(Value::as_array) else {
                return hec_error(400, "Invalid data format", 6);
            };
            let mut acks = serde_json::Map::new();
            for id in ids.iter().filter_map(Value::as_u64) {
                let known = id < state.next_ack;
                let polls = state.ack_polls.entry(id).or_insert(0);
                *polls += 1;
                acks.insert(id.to_string(), Value::Bool(known && *polls >= polls_needed));
            }
            (200, json!({ "acks": acks }).to_string(), 0)
        }
        "/services/collector/event" | "/services/collector" => {
            if incoming.body.len() > max_content_length {
                return hec_error(413, "Content too large", 27);
            }
            let text = match std::str::from_utf8(&incoming.body) {
                Ok(text) => text,
                Err(_) => return hec_error(400, "Invalid data format", 6),
            };
            let mut events = Vec::new();
            for (index, event) in serde_json::Deserializer::from_str(text).into_iter::<Value>().enumerate() {
                let invalid = |text: &str, code: i64| {
                    (400, json!({"text": text, "code": code, "invalid-event-number": index}).to_string(), 0)
                };
                let Ok(event) = event else { return invalid("Invalid data format", 6) };
                let Some(object) = event.as_object() else { return invalid("Invalid data format", 6) };
                match object.get("event") {
                    None => return invalid("Event field is required", 12),
                    Some(Value::String(text)) if text.is_empty() => return invalid("Event field cannot be blank", 13),
                    Some(Value::Null) => return invalid("Event field cannot be blank", 13),
                    Some(_) => {}
                }
                let allowed = ["time", "host", "source", "sourcetype", "index", "event", "fields"];
                if object.keys().any(|key| !allowed.contains(&key.as_str())) {
                    return invalid("Invalid data format", 6);
                }
                if object.get("time").is_some_and(|time| !time.is_number()) {
                    return invalid("Invalid data format", 6);
                }
                if let Some(fields) = object.get("fields") {
                    let flat = fields.as_object().is_some_and(|fields| {
                        fields.values().all(|value| {
                            value.is_string()
                                || value.as_array().is_some_and(|items| items.iter().all(Value::is_string))
                        })
                    });
                    if !flat {
                        return invalid("Error in handling indexed fields", 15);
                    }
                }
                events.push(event);
            }
            if events.is_empty() {
                return hec_error(400, "No data", 5);
            }
            let count = events.len();
            state.accepted.extend(events);
            match ack_after_polls {
                Some(_) => {
                    let id = state.next_ack;
                    state.next_ack += 1;
                    (200, json!({"text": "Success", "code": 0, "ackId": id}).to_string(), count)
                }
                None => (200, json!({"text": "Success", "code": 0}).to_string(), count),
            }
        }
        _ => hec_error(404, "The requested URL was not found on this server.", 404),
    }
}

fn datadog(incoming: &Incoming, api_key: &str, state: &mut State) -> (u16, String, usize) {
    let error = |status: u16, message: &str| (status, json!({"errors": [message]}).to_string(), 0);
    if incoming.method != "POST" || incoming.path != "/api/v2/logs" {
        return error(404, "Not found");
    }
    if incoming.header("dd-api-key") != Some(api_key) {
        return error(403, "Forbidden");
    }
    if !incoming.header("content-type").is_some_and(|value| value.starts_with("application/json")) {
        return error(400, "Bad Request: expected application/json");
    }
    if incoming.body.len() > 5 * 1024 * 1024 {
        return error(413, "Payload too large");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&incoming.body) else { return error(400, "Bad Request") };
    let logs = match body {
        Value::Array(logs) => logs,
        object @ Value::Object(_) => vec![object],
        _ => return error(400, "Bad Request"),
    };
    if logs.len() > 1000 {
        return error(413, "Payload too large: more than 1000 entries");
    }
    for log in &logs {
        let Some(object) = log.as_object() else { return error(400, "Bad Request: log is not an object") };
        for key in ["ddsource", "ddtags", "hostname", "message", "service", "status"] {
            if object.get(key).is_some_and(|value| !value.is_string()) {
                return error(400, "Bad Request: reserved attribute is not a string");
            }
        }
        if serde_json::to_vec(log).map(|bytes| bytes.len()).unwrap_or(0) > 1_000_000 {
            state.truncated += 1;
        }
    }
    let count = logs.len();
    state.accepted.extend(logs);
    (202, "{}".to_string(), count)
}

fn pagerduty(incoming: &Incoming, routing_key: &str, state: &mut State) -> (u16, String, usize) {
    let invalid = |error: &str| {
        (
            400,
            json!({"status": "invalid event", "message": "Event object is invalid", "errors": [error]}).to_string(),
            0,
        )
    };
    if incoming.method != "POST" || incoming.path != "/v2/enqueue" {
        return (404, json!({"status": "not found"}).to_string(), 0);
    }
    if !incoming.header("content-type").is_some_and(|value| value.starts_with("application/json")) {
        return invalid("Content-Type must be application/json");
    }
    if incoming.body.len() > 512 * 1024 {
        return invalid("Event is larger than 512 KB");
    }
    let Ok(event) = serde_json::from_slice::<Value>(&incoming.body) else { return invalid("Invalid JSON") };
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    if text("/routing_key") != routing_key {
        return invalid("Invalid routing key");
    }
    if !["trigger", "acknowledge", "resolve"].contains(&text("/event_action")) {
        return invalid("'event_action' is invalid");
    }
    let dedup_key = text("/dedup_key");
    if dedup_key.chars().count() > 255 {
        return invalid("'dedup_key' is too long");
    }
    if text("/event_action") == "trigger" {
        let summary = text("/payload/summary");
        if summary.is_empty() || summary.chars().count() > 1024 {
            return invalid("'payload.summary' is missing or too long");
        }
        if text("/payload/source").is_empty() {
            return invalid("'payload.source' is missing");
        }
        if !["critical", "error", "warning", "info"].contains(&text("/payload/severity")) {
            return invalid("'payload.severity' is invalid");
        }
        if let Some(timestamp) = event.pointer("/payload/timestamp")
            && timestamp.as_str().is_none_or(|text| chrono::DateTime::parse_from_rfc3339(text).is_err())
        {
            return invalid("'payload.timestamp' is not ISO 8601");
        }
    }
    let dedup_key = dedup_key.to_string();
    state.accepted.push(event);
    (202, json!({"status": "success", "message": "Event processed", "dedup_key": dedup_key}).to_string(), 1)
}

fn webhook(incoming: &Incoming, path: &str, secret: &str, state: &mut State) -> (u16, String, usize) {
    let error = |status: u16, message: &str| (status, json!({"error": message}).to_string(), 0);
    if incoming.method != "POST" || incoming.path != path {
        return error(404, "not found");
    }
    if incoming.header("content-type") != Some("application/json") {
        return error(415, "expected application/json");
    }
    let Some(timestamp) = incoming.header("x-sightline-timestamp").and_then(|value| value.parse::<i64>().ok()) else {
        return error(400, "missing timestamp");
    };
    if (chrono::Utc::now().timestamp() - timestamp).abs() > 300 {
        return error(401, "stale timestamp");
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&incoming.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    if incoming.header("x-sightline-signature") != Some(format!("sha256={expected}").as_str()) {
        return error(401, "bad signature");
    }
    if incoming.header("x-sightline-record-id").is_none_or(str::is_empty) {
        return error(400, "missing record id");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&incoming.body) else { return error(400, "not JSON") };
    if !body.is_object() {
        return error(400, "not a JSON object");
    }
    state.accepted.push(body);
    (204, String::new(), 1)
}
