//! An in-process Confluent schema registry (no real one installs here), implementing the REST
//! subset the client uses and as strict as the real one about what it accepts:
//! `POST /subjects/{subject}/versions`, `GET /schemas/ids/{id}`,
//! `GET /subjects/{subject}/versions/latest`, JSON error bodies `{"error_code", "message"}`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const CONTENT_TYPES: &[&str] =
    &["application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json"];

#[derive(Default)]
struct State {
    schemas: Vec<String>,
    subjects: BTreeMap<String, Vec<u32>>,
    requests: Vec<String>,
}

/// A running fake registry; stops when dropped.
pub struct FakeRegistry {
    pub url: String,
    state: Arc<Mutex<State>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn answer(request: tiny_http::Request, status: u16, body: serde_json::Value) {
    let header = tiny_http::Header::from_bytes("Content-Type", "application/vnd.schemaregistry.v1+json").unwrap();
    let response = tiny_http::Response::from_string(body.to_string()).with_status_code(status).with_header(header);
    let _ = request.respond(response);
}

fn error(request: tiny_http::Request, status: u16, code: u32, message: &str) {
    answer(request, status, serde_json::json!({ "error_code": code, "message": message }));
}

impl FakeRegistry {
    pub fn start() -> FakeRegistry {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}", server.server_addr().to_ip().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let thread = {
            let server = server.clone();
            let state = state.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(request, &state);
                }
            })
        };
        FakeRegistry { url, state, server, thread: Some(thread) }
    }

    /// Requests seen, as "METHOD path".
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn header<'a>(request: &'a tiny_http::Request, name: &'static str) -> Option<&'a str> {
    request.headers().iter().find(|header| header.field.equiv(name)).map(|header| header.value.as_str())
}

fn handle(mut request: tiny_http::Request, state: &Mutex<State>) {
    let path = request.url().to_string();
    let method = request.method().to_string();
    state.lock().unwrap().requests.push(format!("{method} {path}"));
    // The registry answers only clients that accept its content types.
    if let Some(accept) = header(&request, "Accept")
        && !accept.split(',').any(|kind| CONTENT_TYPES.contains(&kind.trim()) || kind.trim() == "*/*")
    {
        return error(request, 406, 40601, "unsupported Accept");
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["subjects", subject, "versions"]) => {
            let content_type =
                header(&request, "Content-Type").unwrap_or("").split(';').next().unwrap_or("").trim().to_string();
            if !CONTENT_TYPES.contains(&content_type.as_str()) {
                return error(request, 415, 415, "unsupported Content-Type");
            }
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let Some(schema) = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|value| value.get("schema").and_then(|schema| schema.as_str()).map(str::to_string))
            else {
                return error(request, 422, 42201, "body must be {\"schema\": \"...\"}");
            };
            if apache_avro::Schema::parse_str(&schema).is_err() {
                return error(request, 422, 42201, "Either the input schema or one its references is invalid");
            }
            let subject = subject.to_string();
            let id = {
                let mut state = state.lock().unwrap();
                let id = match state.schemas.iter().position(|known| known == &schema) {
                    Some(position) => position as u32 + 1,
                    None => {
                        state.schemas.push(schema);
                        state.schemas.len() as u32
                    }
                };
                let versions = state.subjects.entry(subject).or_default();
                if !versions.contains(&id) {
                    versions.push(id);
                }
                id
            };
            answer(request, 200, serde_json::json!({ "id": id }))
        }
        ("GET", ["schemas", "ids", id]) => {
            let schema =
                id.parse::<usize>().ok().and_then(|id| state.lock().unwrap().schemas.get(id.wrapping_sub(1)).cloned());
            match schema {
                Some(schema) => answer(request, 200, serde_json::json!({ "schema": schema })),
                None => error(request, 404, 40403, "Schema not found"),
            }
        }
        ("GET", ["subjects", subject, "versions", "latest"]) => {
            let found = {
                let state = state.lock().unwrap();
                state.subjects.get(*subject).and_then(|versions| {
                    let id = *versions.last()?;
                    Some((versions.len(), id, state.schemas[id as usize - 1].clone()))
                })
            };
            match found {
                Some((version, id, schema)) => answer(
                    request,
                    200,
                    serde_json::json!({ "subject": subject, "version": version, "id": id, "schema": schema }),
                ),
                None => error(request, 404, 40401, "Subject not found"),
            }
        }
        _ => error(request, 404, 404, "HTTP 404 Not Found"),
    }
}
