//! An in-process Amazon Bedrock Converse endpoint (Bedrock cannot run here) that is as strict
//! as the service: `POST /model/{modelId}/converse` with a JSON body holding `messages`; SigV4
//! recomputed independently of the client (its own canonical request, with the path encoded
//! again as AWS does for every service but S3; credential scope `…/{region}/bedrock/aws4_request`;
//! a known access key; `x-amz-date` within 5 minutes; `x-amz-security-token` signed when the
//! key is temporary) or a Bedrock API key as Bearer. It answers with AWS's own error shape
//! (`x-amzn-ErrorType`, `{"message"}`) and can be scripted to throttle or refuse.

#![allow(dead_code)]

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// URI-encodes every byte but the unreserved ones (`/` kept when `keep_slash`).
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The canonical request for a path without a query, as AWS builds it for non-S3 services:
/// the path as sent, encoded once more; `headers` are (lowercase name, value) of the signed
/// headers.
pub fn canonical_request(method: &str, raw_path: &str, headers: &[(String, String)], body: &[u8]) -> String {
    let path = uri_encode(raw_path, true);
    let mut sorted: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    sorted.sort();
    let canonical_headers: String = sorted.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    let signed: Vec<&str> = sorted.iter().map(|(name, _)| name.as_str()).collect();
    format!("{method}\n{path}\n\n{canonical_headers}\n{}\n{}", signed.join(";"), hex(&Sha256::digest(body)))
}

/// The signature of a canonical request.
pub fn signature(secret: &str, amz_date: &str, region: &str, service: &str, canonical: &str) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let key = hmac(&hmac(&hmac(&hmac(format!("AWS4{secret}").as_bytes(), date), region), service), "aws4_request");
    hex(&hmac(&key, &to_sign))
}

/// One request the endpoint accepted.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub model: String,
    pub body: Value,
    pub signed_headers: Vec<String>,
    pub bearer: bool,
}

#[derive(Default)]
struct State {
    script: VecDeque<(u16, &'static str, &'static str)>,
    answer: String,
    stop_reason: String,
    seen: Vec<Seen>,
    refused: Vec<String>,
}

/// The endpoint.
pub struct Converse {
    pub url: String,
    state: Arc<Mutex<State>>,
}

/// The keys the endpoint knows.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub api_key: String,
}

impl Converse {
    /// Starts an endpoint for `region` that knows `keys` and answers `answer` as the model.
    pub fn start(region: &str, keys: Keys, answer: &str) -> Self {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}", server.server_addr().to_ip().unwrap());
        let state = Arc::new(Mutex::new(State {
            answer: answer.to_string(),
            stop_reason: "end_turn".into(),
            ..State::default()
        }));
        let shared = state.clone();
        let region = region.to_string();
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                handle(&region, &keys, &shared, request);
            }
        });
        Converse { url, state }
    }

    /// The next requests get these errors (status, `x-amzn-ErrorType`, message) first.
    pub fn fail_next(&self, errors: &[(u16, &'static str, &'static str)]) {
        self.state.lock().unwrap().script.extend(errors.iter().copied());
    }

    /// Accepted requests.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Why requests were refused.
    pub fn refused(&self) -> Vec<String> {
        self.state.lock().unwrap().refused.clone()
    }
}

fn error(status: u16, kind: &str, message: &str) -> (u16, Option<String>, String) {
    (
        status,
        Some(format!("{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/")),
        json!({"message": message}).to_string(),
    )
}

fn handle(region: &str, keys: &Keys, state: &Mutex<State>, mut request: tiny_http::Request) {
    let mut body = Vec::new();
    request.as_reader().read_to_end(&mut body).unwrap();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|header| (header.field.as_str().as_str().to_ascii_lowercase(), header.value.as_str().to_string()))
        .collect();
    let method = request.method().as_str().to_string();
    let path = request.url().to_string();
    let (status, kind, text) = answer(region, keys, state, &method, &path, &headers, &body);
    let mut response = tiny_http::Response::from_string(text).with_status_code(status);
    response = response.with_header("Content-Type: application/json".parse::<tiny_http::Header>().unwrap());
    if let Some(kind) = kind {
        response = response.with_header(format!("x-amzn-ErrorType: {kind}").parse::<tiny_http::Header>().unwrap());
    }
    let _ = request.respond(response);
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

fn answer(
    region: &str,
    keys: &Keys,
    state: &Mutex<State>,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Option<String>, String) {
    let refuse = |status, kind: &str, message: String| {
        state.lock().unwrap().refused.push(format!("{kind}: {message}"));
        error(status, kind, &message)
    };
    let model = match path.strip_prefix("/model/").and_then(|rest| rest.strip_suffix("/converse")) {
        Some(model) if method == "POST" && !model.contains('/') => model.to_string(),
        _ => return refuse(404, "UnknownOperationException", format!("{method} {path}")),
    };
    let Some(authorization) = header(headers, "authorization") else {
        return refuse(403, "MissingAuthenticationTokenException", "Missing Authentication Token".into());
    };
    let mut signed_headers = Vec::new();
    let bearer = if let Some(token) = authorization.strip_prefix("Bearer ") {
        if token != keys.api_key {
            return refuse(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid".into(),
            );
        }
        true
    } else {
        let Some(fields) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
            return refuse(403, "IncompleteSignatureException", format!("bad Authorization {authorization}"));
        };
        let field = |name: &str| {
            fields
                .split(',')
                .map(str::trim)
                .find_map(|part| part.strip_prefix(name).map(str::to_string))
                .unwrap_or_default()
        };
        let (credential, signed, given) = (field("Credential="), field("SignedHeaders="), field("Signature="));
        let parts: Vec<&str> = credential.split('/').collect();
        let Some(amz_date) = header(headers, "x-amz-date") else {
            return refuse(403, "IncompleteSignatureException", "x-amz-date is missing".into());
        };
        if parts.len() != 5 || parts[0] != keys.access_key_id {
            return refuse(403, "UnrecognizedClientException", format!("unknown credential {credential}"));
        }
        if parts[1] != &amz_date[..8.min(amz_date.len())]
            || parts[2] != region
            || parts[3] != "bedrock"
            || parts[4] != "aws4_request"
        {
            return refuse(
                403,
                "InvalidSignatureException",
                format!("credential scope {credential} is not <date>/{region}/bedrock/aws4_request"),
            );
        }
        let Ok(time) = chrono::NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ") else {
            return refuse(403, "IncompleteSignatureException", format!("bad x-amz-date {amz_date}"));
        };
        if (chrono::Utc::now().naive_utc() - time).num_seconds().abs() > 300 {
            return refuse(403, "InvalidSignatureException", "Signature expired".into());
        }
        signed_headers = signed.split(';').map(str::to_string).collect::<Vec<_>>();
        for required in ["host", "x-amz-date"] {
            if !signed_headers.iter().any(|name| name == required) {
                return refuse(403, "InvalidSignatureException", format!("{required} is not signed"));
            }
        }
        if let Some(token) = &keys.session_token
            && (header(headers, "x-amz-security-token") != Some(token)
                || !signed_headers.iter().any(|name| name == "x-amz-security-token"))
        {
            return refuse(
                403,
                "UnrecognizedClientException",
                "temporary credentials need a signed x-amz-security-token".into(),
            );
        }
        let mut values = Vec::new();
        for name in &signed_headers {
            let Some(value) = header(headers, name) else {
                return refuse(403, "InvalidSignatureException", format!("signed header {name} is missing"));
            };
            values.push((name.clone(), value.to_string()));
        }
        let canonical = canonical_request(method, path, &values, body);
        let expected = signature(&keys.secret_access_key, amz_date, region, "bedrock", &canonical);
        if expected != given {
            return refuse(
                403,
                "InvalidSignatureException",
                format!(
                    "The request signature we calculated does not match the signature you provided. Canonical request:\n{canonical}"
                ),
            );
        }
        false
    };
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => return refuse(400, "ValidationException", format!("body is not JSON: {error}")),
    };
    if !parsed.get("messages").is_some_and(Value::is_array) {
        return refuse(400, "ValidationException", "messages is required".into());
    }
    if let Some(format) = parsed.pointer("/outputConfig/textFormat")
        && !format.pointer("/structure/jsonSchema/schema").is_some_and(Value::is_string)
    {
        return refuse(
            400,
            "ValidationException",
            "outputConfig.textFormat.structure.jsonSchema.schema must be a string".into(),
        );
    }
    let mut state = state.lock().unwrap();
    let decoded_model = model.replace("%3A", ":");
    state.seen.push(Seen { path: path.to_string(), model: decoded_model, body: parsed, signed_headers, bearer });
    if let Some((status, kind, message)) = state.script.pop_front() {
        return error(status, kind, message);
    }
    let reply = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": state.answer}]}},
        "stopReason": state.stop_reason,
        "usage": {"inputTokens": 1200, "outputTokens": 150, "totalTokens": 1350},
        "metrics": {"latencyMs": 12},
    });
    (200, None, reply.to_string())
}
