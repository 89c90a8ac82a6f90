//! The one trait every model provider implements, and what a request and an answer are.

use serde_json::Value;
use std::time::Duration;

/// One completion request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Instructions.
    pub system: &'a str,
    /// The session's facts, notes and datamarked transcript.
    pub user: &'a str,
    /// The answer's JSON schema.
    pub schema: &'a Value,
    /// Tokens reserved for the answer.
    pub max_output_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
}

/// A completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The answer text (JSON, if the model kept to the schema).
    pub content: String,
    /// The model stopped at `max_tokens` (`finish_reason: length`, Bedrock `max_tokens`).
    pub truncated: bool,
    /// Prompt tokens, from the provider's `usage`.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth trying again (429, 5xx, timeouts), after `retry_after` when the provider said.
    #[error("{reason}")]
    Retryable { reason: String, retry_after: Option<Duration> },
    /// The prompt is larger than the model's context.
    #[error("{reason}")]
    ContextOverflow { reason: String },
    /// Trying again will not help (bad key, bad request, refusal).
    #[error("{reason}")]
    Permanent { reason: String },
}

/// A model provider.
pub trait Provider: Send + Sync {
    /// One attempt.
    fn complete(&self, request: &Request<'_>) -> Result<Reply, ProviderError>;
}

/// The first 300 characters of a text, for error messages.
pub fn excerpt(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Parses a 2xx answer's body; a body that is not JSON is worth another try.
pub fn json_body(text: &str) -> Result<Value, ProviderError> {
    serde_json::from_str(text).map_err(|error| ProviderError::Retryable {
        reason: format!("answer is not JSON ({error}): {}", excerpt(text)),
        retry_after: None,
    })
}
