//! OpenAI Chat Completions, and any OpenAI-compatible server by base URL (LiteLLM, vLLM,
//! Ollama, llama.cpp): one `POST {base}/chat/completions` with the JSON schema as
//! `response_format` (`json_schema`, strict), `max_tokens`, `temperature`; the answer's
//! `choices[0].message.content`, `finish_reason` and `usage`.
//!
//! Errors are classified for the retry loop: 429, 408, 5xx and transport errors are retryable
//! (with `Retry-After` when given); a 400 saying the prompt exceeds the context
//! (`context_length_exceeded`, llama.cpp's `exceed_context_size_error`) is a context overflow,
//! answered by a smaller prompt; other 4xx are permanent.

use super::provider::{Provider, ProviderError, Reply, Request, excerpt, json_body};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::time::Duration;

/// An OpenAI-compatible endpoint.
pub struct OpenAi {
    base_url: String,
    model: String,
    api_key: Option<String>,
    client: Client,
}

impl OpenAi {
    /// A client for `model` at `base_url` (up to `/v1`).
    pub fn new(base_url: &str, model: &str, api_key: Option<String>, timeout: Duration) -> Self {
        let client = crate::sink::http::client(timeout);
        OpenAi { base_url: base_url.trim_end_matches('/').to_string(), model: model.to_string(), api_key, client }
    }
}

/// The request body.
pub fn body(model: &str, request: &Request<'_>) -> Value {
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.user},
        ],
        "temperature": request.temperature,
        "max_tokens": request.max_output_tokens,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "session_summary", "strict": true, "schema": request.schema},
        },
    })
}

/// Reads a 2xx answer.
pub fn reply(value: &Value) -> Result<Reply, ProviderError> {
    let choice = value.pointer("/choices/0").ok_or_else(|| ProviderError::Retryable {
        reason: format!("answer without choices: {}", excerpt(&value.to_string())),
        retry_after: None,
    })?;
    let content = choice.pointer("/message/content").and_then(Value::as_str).unwrap_or_default().to_string();
    let finish_reason = choice.get("finish_reason").and_then(Value::as_str).unwrap_or("stop").to_string();
    let refusal = choice.pointer("/message/refusal").and_then(Value::as_str).filter(|text| !text.is_empty());
    if let Some(refusal) = refusal {
        return Err(ProviderError::Permanent { reason: format!("the model refused: {}", excerpt(refusal)) });
    }
    let tokens = |key: &str| value.pointer(&format!("/usage/{key}")).and_then(Value::as_u64).unwrap_or(0);
    Ok(Reply {
        content,
        truncated: finish_reason == "length",
        input_tokens: tokens("prompt_tokens"),
        output_tokens: tokens("completion_tokens"),
    })
}

/// Classifies an error answer.
pub fn classify_error(status: u16, body: &str, retry_after: Option<Duration>) -> ProviderError {
    let reason = format!("HTTP {status}: {}", excerpt(body.trim()));
    let overflow = [
        "context_length_exceeded",
        "exceed_context_size",
        "ContextWindowExceeded",
        "exceeds the available context size",
        "maximum context length",
        "too many tokens",
    ]
    .iter()
    .any(|needle| body.contains(needle));
    match status {
        400 | 413 if overflow => ProviderError::ContextOverflow { reason },
        408 | 409 | 429 | 500..=599 => ProviderError::Retryable { reason, retry_after },
        _ => ProviderError::Permanent { reason },
    }
}

impl Provider for OpenAi {
    fn complete(&self, request: &Request<'_>) -> Result<Reply, ProviderError> {
        let mut call =
            self.client.post(format!("{}/chat/completions", self.base_url)).json(&body(&self.model, request));
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().map_err(|error| ProviderError::Retryable {
            reason: format!("request failed: {error}"),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = crate::sink::http::retry_after(response.headers());
        let text = response.text().unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(classify_error(status, &text, retry_after));
        }
        reply(&json_body(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified() {
        let overflow =
            r#"{"error":{"code":400,"type":"exceed_context_size_error","n_prompt_tokens":19995,"n_ctx":8192}}"#;
        assert!(matches!(classify_error(400, overflow, None), ProviderError::ContextOverflow { .. }));
        assert!(matches!(
            classify_error(429, "{}", Some(Duration::from_secs(2))),
            ProviderError::Retryable { retry_after: Some(_), .. }
        ));
        assert!(matches!(classify_error(503, "busy", None), ProviderError::Retryable { .. }));
        assert!(matches!(classify_error(401, "bad key", None), ProviderError::Permanent { .. }));
    }

    #[test]
    fn replies_are_read_with_usage_and_truncation() {
        let value = json!({"choices": [{"message": {"content": "{}"}, "finish_reason": "length"}],
                           "usage": {"prompt_tokens": 10, "completion_tokens": 20}});
        let reply = reply(&value).unwrap();
        assert!(reply.truncated);
        assert_eq!((reply.input_tokens, reply.output_tokens), (10, 20));
    }
}
