//! The inference configuration, modelled on Teleport's `inference_model`, `inference_secret`
//! and `inference_policy` resources: models (provider, model id, base URL, secret, temperature,
//! context budget, prices), secrets (from the environment or a file, never logged) and policies
//! (session kinds + a CEL filter → model; the first match in name order wins; no match → the
//! rules-only verdict). Summarization is off until a policy exists.
//!
//! ```toml
//! [inference.models.gateway]
//! provider = "openai_compatible"
//! model = "gpt-4o-mini"
//! base_url = "http://litellm:4000/v1"
//! secret = "gateway-key"
//! context_tokens = 128000
//! [inference.secrets.gateway-key]
//! env = "LITELLM_KEY"
//! [inference.policies.prod]
//! kinds = ["ssh", "k8s"]
//! filter = 'resource.labels["env"] == "prod"'
//! model = "gateway"
//! ```

use crate::model::SessionKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[inference]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceConfig {
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, ModelConfig>,
    /// Secrets by name.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretSource>,
    /// Policies by name; evaluated in name order.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyConfig>,
}

/// Which API a model is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// OpenAI Chat Completions (`https://api.openai.com/v1` unless `base_url` says otherwise).
    Openai,
    /// Any OpenAI-compatible server or gateway (LiteLLM, vLLM, Ollama, llama.cpp); needs
    /// `base_url`.
    OpenaiCompatible,
    /// Amazon Bedrock Converse: SigV4 with the usual AWS credentials (environment, then the
    /// shared profile), or a Bedrock API key as Bearer (`secret`, or
    /// `AWS_BEARER_TOKEN_BEDROCK`).
    Bedrock,
}

impl Provider {
    /// The name used in metrics and config.
    pub fn label(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::OpenaiCompatible => "openai_compatible",
            Provider::Bedrock => "bedrock",
        }
    }
}

/// One model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The API.
    pub provider: Provider,
    /// The provider's model id (`gpt-4o-mini`, a LiteLLM model name, ...).
    pub model: String,
    /// API base URL, up to `/v1` (Bedrock: the runtime endpoint, default
    /// `https://bedrock-runtime.{region}.amazonaws.com`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Bedrock: the AWS region (default `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    #[serde(default)]
    pub region: Option<String>,
    /// Bedrock: the shared-credentials profile (default `AWS_PROFILE`, then `default`), used
    /// when `AWS_ACCESS_KEY_ID` is not set.
    #[serde(default)]
    pub profile: Option<String>,
    /// Name of the secret holding the API key, in `[inference.secrets]`.
    #[serde(default)]
    pub secret: Option<String>,
    /// Sampling temperature. Default 0.
    #[serde(default)]
    pub temperature: f64,
    /// The model's context window in tokens; prompts are condensed to fit. Default 8192.
    #[serde(default = "default_context_tokens")]
    pub context_tokens: u32,
    /// Tokens reserved for the answer (`max_tokens`). Default 1024.
    #[serde(default = "default_output_tokens")]
    pub max_output_tokens: u32,
    /// USD per million input tokens, for the cost estimate.
    #[serde(default)]
    pub input_price_per_million: Option<f64>,
    /// USD per million output tokens.
    #[serde(default)]
    pub output_price_per_million: Option<f64>,
    /// Timeout of one request. Default 120000.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts per request (429, 5xx, timeouts, truncated or invalid answers). Default 4.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// First retry delay, doubled per attempt with jitter. Default 500.
    #[serde(default = "default_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Longest retry delay (a `Retry-After` up to this is honoured). Default 30000.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Requests per minute (the provider's quota); 0 = unlimited. Requests wait, never fail.
    #[serde(default)]
    pub requests_per_minute: u32,
    /// Tokens per minute (prompt estimate + `max_output_tokens`); 0 = unlimited.
    #[serde(default)]
    pub tokens_per_minute: u32,
    /// Requests in flight at once; 0 = unlimited.
    #[serde(default)]
    pub max_concurrency: u32,
    /// Consecutive failed requests (429, 5xx, timeouts) that open the circuit breaker; 0
    /// disables it. Default 5.
    #[serde(default = "default_circuit_failures")]
    pub circuit_failures: u32,
    /// How long an open circuit fails fast before one probe request. Default 30000.
    #[serde(default = "default_circuit_open_ms")]
    pub circuit_open_ms: u64,
}

impl ModelConfig {
    /// The API base URL.
    pub fn base_url(&self) -> String {
        match (&self.base_url, self.provider) {
            (Some(url), _) => url.trim_end_matches('/').to_string(),
            (None, Provider::Bedrock) => {
                format!("https://bedrock-runtime.{}.amazonaws.com", self.region().unwrap_or_default())
            }
            (None, _) => "https://api.openai.com/v1".to_string(),
        }
    }

    /// Bedrock's region: the configured one, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub fn region(&self) -> Option<String> {
        self.region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .filter(|region| !region.trim().is_empty())
    }

    /// Estimated cost of a request, in USD.
    pub fn cost(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        let per = |price: Option<f64>, tokens: u64| price.unwrap_or(0.0) * tokens as f64 / 1_000_000.0;
        per(self.input_price_per_million, input_tokens) + per(self.output_price_per_million, output_tokens)
    }
}

/// Where a secret comes from: `{ env = "NAME" }` or `{ file = "/run/secrets/key" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSource {
    /// An environment variable.
    #[serde(default)]
    pub env: Option<String>,
    /// A file (its content, trimmed).
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// A secret could not be read.
#[derive(Debug, thiserror::Error)]
#[error("inference secret {name:?}: {message}")]
pub struct SecretError {
    name: String,
    message: String,
}

impl SecretSource {
    /// Reads the secret's value.
    pub fn read(&self, name: &str) -> Result<String, SecretError> {
        let error = |message: String| SecretError { name: name.to_string(), message };
        let value = match (&self.env, &self.file) {
            (Some(variable), None) => {
                std::env::var(variable).map_err(|_| error(format!("environment variable {variable} is not set")))?
            }
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|source| error(format!("cannot read {}: {source}", path.display())))?,
            _ => return Err(error("set exactly one of `env` or `file`".into())),
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(error("is empty".into()));
        }
        Ok(value)
    }
}

/// One policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Session kinds it applies to. Default: all.
    #[serde(default = "all_kinds")]
    pub kinds: Vec<SessionKind>,
    /// A CEL expression over `user`, `resource` and `session` (see `classify/policy.rs`);
    /// unset matches every session of its kinds.
    #[serde(default)]
    pub filter: Option<String>,
    /// The model, by name.
    pub model: String,
    /// A token budget per period; unset = unlimited.
    #[serde(default)]
    pub budget: Option<super::budget::BudgetConfig>,
}

fn all_kinds() -> Vec<SessionKind> {
    vec![SessionKind::Ssh, SessionKind::K8s, SessionKind::Db]
}
const fn default_context_tokens() -> u32 {
    8_192
}
const fn default_output_tokens() -> u32 {
    1_024
}
const fn default_timeout_ms() -> u64 {
    120_000
}
const fn default_attempts() -> u32 {
    4
}
const fn default_backoff_ms() -> u64 {
    500
}
const fn default_max_backoff_ms() -> u64 {
    30_000
}
const fn default_circuit_failures() -> u32 {
    5
}
const fn default_circuit_open_ms() -> u64 {
    30_000
}

impl InferenceConfig {
    /// Checks references and ranges; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (name, model) in &self.models {
            let key = |field: &str| format!("inference.models.{name}.{field}");
            if model.model.trim().is_empty() {
                return Err((key("model"), "is empty; name the provider's model id".into()));
            }
            if model.provider == Provider::OpenaiCompatible && model.base_url.is_none() {
                return Err((key("base_url"), "is required for provider \"openai_compatible\"".into()));
            }
            if let Some(url) = &model.base_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err((key("base_url"), format!("{url:?} is not an http(s) URL")));
            }
            if let Some(secret) = &model.secret
                && !self.secrets.contains_key(secret)
            {
                return Err((key("secret"), format!("names {secret:?}, which is not in [inference.secrets]")));
            }
            if model.context_tokens <= model.max_output_tokens + 512 {
                return Err((key("context_tokens"), "must exceed max_output_tokens by at least 512".into()));
            }
            if model.provider == Provider::Bedrock && model.base_url.is_none() && model.region().is_none() {
                return Err((key("region"), "is required for provider \"bedrock\" (or set AWS_REGION)".into()));
            }
            if model.max_attempts == 0 {
                return Err((key("max_attempts"), "must be at least 1".into()));
            }
        }
        for (name, secret) in &self.secrets {
            if secret.env.is_some() == secret.file.is_some() {
                return Err((format!("inference.secrets.{name}"), "set exactly one of `env` or `file`".into()));
            }
        }
        for (name, policy) in &self.policies {
            if !self.models.contains_key(&policy.model) {
                return Err((
                    format!("inference.policies.{name}.model"),
                    format!("names {:?}, which is not in [inference.models]", policy.model),
                ));
            }
            if let Some(budget) = &policy.budget
                && budget.tokens == 0
            {
                return Err((format!("inference.policies.{name}.budget.tokens"), "must be at least 1".into()));
            }
            if let Some(filter) = &policy.filter
                && let Err(message) = super::policy::compile(filter)
            {
                return Err((format!("inference.policies.{name}.filter"), message));
            }
        }
        Ok(())
    }
}
