//! A Confluent schema-registry client: fetches writer schemas by id (cached for the process's
//! life, since a registered id never changes meaning) and registers schemas for producers.

use crate::config::SchemaRegistryConfig;
use apache_avro::Schema;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The registry's content type for requests and answers.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A registry call failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached or answered garbage; worth retrying.
    #[error("schema registry request to {url} failed: {message}")]
    Unavailable { url: String, message: String },
    /// The registry answered with an error (e.g. 40403 schema not found).
    #[error("schema registry refused {url}: HTTP {status}, error_code {error_code}: {message}")]
    Refused { url: String, status: u16, error_code: i64, message: String },
    /// The registry's schema is not valid Avro.
    #[error("schema {id} from the registry is not valid avro: {message}")]
    BadSchema { id: u32, message: String },
}

impl RegistryError {
    /// Whether the record itself is at fault (unknown schema id) rather than the registry.
    pub fn is_permanent(&self) -> bool {
        matches!(self, RegistryError::Refused { status: 404, .. } | RegistryError::BadSchema { .. })
    }
}

/// The client, shareable between threads.
#[derive(Clone)]
pub struct SchemaRegistry {
    base_url: String,
    username: Option<String>,
    password: Option<String>,
    http: reqwest::blocking::Client,
    by_id: Arc<Mutex<HashMap<u32, Arc<Schema>>>>,
}

impl std::fmt::Debug for SchemaRegistry {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SchemaRegistry").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl SchemaRegistry {
    /// A client for the configured registry.
    pub fn new(config: &SchemaRegistryConfig) -> Result<Self, RegistryError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|error| RegistryError::Unavailable { url: config.url.clone(), message: error.to_string() })?;
        Ok(SchemaRegistry {
            base_url: config.url.trim_end_matches('/').to_string(),
            username: config.username.clone(),
            password: config.password.as_ref().map(|password| password.expose().to_string()),
            http,
            by_id: Arc::default(),
        })
    }

    /// The writer schema with this id.
    pub fn schema(&self, id: u32) -> Result<Arc<Schema>, RegistryError> {
        if let Some(schema) = self.by_id.lock().map_err(|_| poisoned(&self.base_url))?.get(&id) {
            return Ok(schema.clone());
        }
        let url = format!("{}/schemas/ids/{id}", self.base_url);
        let answer = self.send(self.http.get(&url), &url)?;
        let text = answer.get("schema").and_then(|schema| schema.as_str()).ok_or_else(|| {
            RegistryError::Unavailable { url: url.clone(), message: "answer has no \"schema\" string".into() }
        })?;
        let schema = Arc::new(
            Schema::parse_str(text).map_err(|error| RegistryError::BadSchema { id, message: error.to_string() })?,
        );
        self.by_id.lock().map_err(|_| poisoned(&self.base_url))?.insert(id, schema.clone());
        Ok(schema)
    }

    /// Registers `schema` under `subject` (idempotent in the registry) and returns its id.
    pub fn register(&self, subject: &str, schema: &str) -> Result<u32, RegistryError> {
        let url = format!("{}/subjects/{subject}/versions", self.base_url);
        let body = serde_json::json!({ "schema": schema });
        let request = self.http.post(&url).header("Content-Type", CONTENT_TYPE).body(body.to_string());
        let answer = self.send(request, &url)?;
        answer
            .get("id")
            .and_then(|id| id.as_u64())
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| RegistryError::Unavailable { url, message: "answer has no numeric \"id\"".into() })
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder, url: &str) -> Result<serde_json::Value, RegistryError> {
        let mut request = request.header("Accept", CONTENT_TYPE);
        if let Some(username) = &self.username {
            request = request.basic_auth(username, self.password.as_ref());
        }
        let unavailable = |message: String| RegistryError::Unavailable { url: url.to_string(), message };
        let response = request.send().map_err(|error| unavailable(error.to_string()))?;
        let status = response.status().as_u16();
        let body: serde_json::Value =
            response.json().map_err(|error| unavailable(format!("HTTP {status}, unreadable answer: {error}")))?;
        if status >= 500 {
            return Err(unavailable(format!("HTTP {status}: {body}")));
        }
        if status >= 400 {
            return Err(RegistryError::Refused {
                url: url.to_string(),
                status,
                error_code: body.get("error_code").and_then(|code| code.as_i64()).unwrap_or(0),
                message: body.get("message").and_then(|message| message.as_str()).unwrap_or("").to_string(),
            });
        }
        Ok(body)
    }
}

fn poisoned(url: &str) -> RegistryError {
    RegistryError::Unavailable { url: url.to_string(), message: "schema cache lock poisoned".into() }
}
