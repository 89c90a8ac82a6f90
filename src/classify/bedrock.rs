//! Amazon Bedrock Converse: `POST {endpoint}/model/{modelId}/converse`, signed with SigV4
//! (signing name `bedrock`; `classify/sigv4.rs`) or carrying a Bedrock API key as Bearer. The
//! answer's JSON schema goes in `outputConfig.textFormat` (`json_schema`, the schema as a
//! string); the reply is `output.message.content[].text`, `stopReason` and `usage`.
//!
//! Errors are read from `x-amzn-ErrorType` (else the body's `__type`): throttling, timeouts
//! and 5xx are retryable; a `ValidationException` about input length is a context overflow;
//! other validation, access-denied, signature and not-found errors are permanent, with AWS's
//! message. `stopReason` `max_tokens` is a truncated answer; `guardrail_intervened` and
//! `content_filtered` are refusals.

use super::provider::{Provider, ProviderError, Reply, Request, excerpt, json_body};
use super::sigv4::{self, Credentials, Scope};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// SigV4 with these credentials in this region.
    SigV4 { credentials: Credentials, region: String },
    /// A Bedrock API key (`Authorization: Bearer`).
    Bearer(String),
}

/// A Bedrock Converse client for one model.
pub struct Bedrock {
    url: String,
    auth: Auth,
    client: Client,
}

/// The path segment for a model id: everything but unreserved characters percent-encoded
/// (`anthropic.claude-3-haiku-20240307-v1:0` → `…-v1%3A0`; ARNs keep working).
pub fn encode_model_id(model: &str) -> String {
    let mut encoded = String::with_capacity(model.len() + 8);
    for byte in model.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

impl Bedrock {
    /// A client for `model` at `endpoint` (`https://bedrock-runtime.{region}.amazonaws.com`).
    pub fn new(endpoint: &str, model: &str, auth: Auth, timeout: Duration) -> Self {
        let url = format!("{}/model/{}/converse", endpoint.trim_end_matches('/'), encode_model_id(model));
        Bedrock { url, auth, client: crate::sink::http::client(timeout) }
    }
}

/// The request body.
pub fn body(request: &Request<'_>) -> Value {
    json!({
        "system": [{"text": request.system}],
        "messages": [{"role": "user", "content": [{"text": request.user}]}],
        "inferenceConfig": {"maxTokens": request.max_output_tokens, "temperature": request.temperature},
        "outputConfig": {"textFormat": {
            "type": "json_schema",
            "structure": {"jsonSchema": {
                "name": "session_summary",
                "description": "Summary and risk of a recorded session",
                "schema": request.schema.to_string(),
            }},
        }},
    })
}

/// Reads a 2xx answer.
pub fn reply(value: &Value) -> Result<Reply, ProviderError> {
    let stop = value.get("stopReason").and_then(Value::as_str).unwrap_or("end_turn");
    match stop {
        "guardrail_intervened" | "content_filtered" => {
            return Err(ProviderError::Permanent { reason: format!("the model refused (stopReason {stop})") });
        }
        "model_context_window_exceeded" => {
            return Err(ProviderError::ContextOverflow { reason: "stopReason model_context_window_exceeded".into() });
        }
        _ => {}
    }
    let content =
        value.pointer("/output/message/content").and_then(Value::as_array).ok_or_else(|| ProviderError::Retryable {
            reason: format!("answer without output.message.content: {}", excerpt(&value.to_string())),
            retry_after: None,
        })?;
    let text: String = content.iter().filter_map(|block| block.get("text").and_then(Value::as_str)).collect();
    let tokens = |key: &str| value.pointer(&format!("/usage/{key}")).and_then(Value::as_u64).unwrap_or(0);
    Ok(Reply {
        content: text,
        truncated: stop == "max_tokens",
        input_tokens: tokens("inputTokens"),
        output_tokens: tokens("outputTokens"),
    })
}

/// Classifies an error answer from its status, `x-amzn-ErrorType` and body.
pub fn classify_error(
    status: u16,
    error_type: Option<&str>,
    body: &str,
    retry_after: Option<Duration>,
) -> ProviderError {
    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let kind = error_type
        .or_else(|| parsed.get("__type").and_then(Value::as_str))
        .map(|kind| kind.split(':').next().unwrap_or(kind).rsplit('#').next().unwrap_or(kind).to_string())
        .unwrap_or_default();
    let message = parsed
        .get("message")
        .or_else(|| parsed.get("Message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.trim().to_string());
    let reason = format!("HTTP {status} {kind}: {}", excerpt(&message));
    let lowered = message.to_ascii_lowercase();
    let too_long = ["too long", "too many tokens", "context window", "context length", "maximum context"]
        .iter()
        .any(|needle| lowered.contains(needle));
    match kind.as_str() {
        "ThrottlingException"
        | "ServiceUnavailableException"
        | "InternalServerException"
        | "ModelTimeoutException"
        | "ModelNotReadyException"
        | "ServiceQuotaExceededException" => ProviderError::Retryable { reason, retry_after },
        "ValidationException" if too_long => ProviderError::ContextOverflow { reason },
        "" => match status {
            408 | 429 | 500..=599 => ProviderError::Retryable { reason, retry_after },
            _ => ProviderError::Permanent { reason },
        },
        _ => ProviderError::Permanent { reason },
    }
}

impl Provider for Bedrock {
    fn complete(&self, request: &Request<'_>) -> Result<Reply, ProviderError> {
        let body = serde_json::to_vec(&body(request))
            .map_err(|error| ProviderError::Permanent { reason: format!("cannot encode the request: {error}") })?;
        let mut call =
            self.client.post(&self.url).header("content-type", "application/json").header("accept", "application/json");
        match &self.auth {
            Auth::Bearer(key) => call = call.bearer_auth(key),
            Auth::SigV4 { credentials, region } => {
                let headers = vec![("content-type".to_string(), "application/json".to_string())];
                let scope = Scope {
                    region,
                    service: "bedrock",
                    time: SystemTime::now(),
                    normalize_path: true,
                    sign_session_token: true,
                    content_sha256_header: false,
                };
                let signed = sigv4::sign("POST", &self.url, &headers, &body, credentials, &scope)
                    .map_err(|reason| ProviderError::Permanent { reason })?;
                for (name, value) in signed {
                    call = call.header(name, value);
                }
            }
        }
        let response = call.body(body).send().map_err(|error| ProviderError::Retryable {
            reason: format!("request failed: {error}"),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = crate::sink::http::retry_after(response.headers());
        let error_type =
            response.headers().get("x-amzn-errortype").and_then(|value| value.to_str().ok()).map(str::to_string);
        let text = response.text().unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(classify_error(status, error_type.as_deref(), &text, retry_after));
        }
        reply(&json_body(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_are_encoded_once_in_the_url() {
        assert_eq!(
            encode_model_id("anthropic.claude-3-haiku-20240307-v1:0"),
            "anthropic.claude-3-haiku-20240307-v1%3A0"
        );
        assert_eq!(
            encode_model_id("arn:aws:bedrock:us-east-1::foundation-model/x"),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fx"
        );
    }

    #[test]
    fn aws_errors_are_classified() {
        let kind = |status, error_type, body| classify_error(status, Some(error_type), body, None);
        assert!(matches!(
            kind(
                429,
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                r#"{"message":"Too many requests"}"#
            ),
            ProviderError::Retryable { .. }
        ));
        assert!(matches!(
            kind(400, "ValidationException", r#"{"message":"Input is too long for requested model."}"#),
            ProviderError::ContextOverflow { .. }
        ));
        let ProviderError::Permanent { reason } =
            kind(403, "AccessDeniedException", r#"{"message":"You don't have access to the model"}"#)
        else {
            panic!("access denied is permanent")
        };
        assert!(reason.contains("AccessDeniedException") && reason.contains("access to the model"), "{reason}");
        assert!(matches!(
            classify_error(400, None, r#"{"__type":"com.amazon#ValidationException","message":"bad"}"#, None),
            ProviderError::Permanent { .. }
        ));
    }

    #[test]
    fn replies_and_stop_reasons_are_read() {
        let value = json!({"output": {"message": {"role": "assistant", "content": [{"text": "{\"a\":"}, {"text": "1}"}]}},
                           "stopReason": "max_tokens", "usage": {"inputTokens": 7, "outputTokens": 9, "totalTokens": 16}});
        let reply = reply(&value).unwrap();
        assert_eq!(
            (reply.content.as_str(), reply.truncated, reply.input_tokens, reply.output_tokens),
            ("{\"a\":1}", true, 7, 9)
        );
        assert!(matches!(
            super::reply(&json!({"stopReason": "guardrail_intervened"})),
            Err(ProviderError::Permanent { .. })
        ));
    }
}
