//! The LLM classifier: for a session a policy selects, a model reads the condensed, redacted,
//! spotlighted transcript with the rules' findings as notes, and its validated answer is merged
//! into the rules' verdict — raising risk, never lowering it.
//!
//! Modules: [`config`] (models, secrets, policies), [`policy`] (CEL filters), [`redact`],
//! [`prompt`], [`answer`] (schema, validation, merge), [`provider`] (the trait), [`openai`].
//!
//! Guarantees: no policy → the verdict is the rules-only one, untouched. A model that fails or
//! refuses after its retries (429, 5xx, timeouts, truncated or invalid answers; `Retry-After`
//! honoured; exponential backoff with jitter from the `backoff` crate) leaves the rules' verdict
//! with state `ERROR` and `error_message` — which makes the audit event `INF010E`, itself an
//! alert signal. A prompt over the context is condensed further and sent again. Tokens and
//! estimated cost go into the verdict and the metrics.

pub mod answer;
pub mod config;
pub mod openai;
pub mod policy;
pub mod prompt;
pub mod provider;
pub mod redact;

use crate::model::{Session, SummaryState, TimelineEntry, Verdict};
use crate::telemetry::metrics::metrics;
use backoff::backoff::Backoff;
use config::{InferenceConfig, ModelConfig};
use provider::{Provider, ProviderError, Request};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The classifier could not be built from its config.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] config::SecretError),
    /// A policy filter does not compile.
    #[error("inference policy {0}")]
    Policy(String),
}

/// Sleeps between retries (replaced in tests to count delays instead of waiting).
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

struct Model {
    config: ModelConfig,
    provider: Box<dyn Provider>,
}

/// The classifier.
pub struct Classifier {
    policies: policy::Policies,
    models: BTreeMap<String, Model>,
    sleeper: Sleeper,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Classifier").field("models", &self.models.keys().collect::<Vec<_>>()).finish()
    }
}

/// What one classification did (for logs, tests and benchmarks).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    /// The policy that matched, if any.
    pub policy: Option<String>,
    /// Requests sent.
    pub requests: u32,
    /// Delays waited between attempts.
    pub waits: Vec<Duration>,
    /// Estimated prompt tokens of the last prompt, and the transcript bytes it came from.
    pub prompt_tokens: usize,
    pub transcript_bytes: usize,
    /// The error, when the model finally failed.
    pub error: Option<String>,
}

impl Classifier {
    /// Builds the classifier; `None` when no policy exists (summarization is off).
    pub fn new(config: &InferenceConfig) -> Result<Option<Self>, ClassifyError> {
        let policies = policy::Policies::new(config).map_err(ClassifyError::Policy)?;
        if policies.is_empty() {
            return Ok(None);
        }
        let mut models = BTreeMap::new();
        for (name, model) in &config.models {
            let key = match &model.secret {
                Some(secret) => match config.secrets.get(secret) {
                    Some(source) => Some(source.read(secret)?),
                    None => None,
                },
                None => None,
            };
            let provider: Box<dyn Provider> = Box::new(openai::OpenAi::new(
                &model.base_url(),
                &model.model,
                key,
                Duration::from_millis(model.timeout_ms),
            ));
            models.insert(name.clone(), Model { config: model.clone(), provider });
        }
        Ok(Some(Classifier { policies, models, sleeper: Arc::new(std::thread::sleep) }))
    }

    /// Replaces how the classifier waits between attempts.
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Classifies a judged session in place.
    pub fn classify(&self, session: Option<&Session>, verdict: &mut Verdict) -> Outcome {
        let mut outcome = Outcome::default();
        let Some((policy, model_name)) = self.policies.choose(verdict, session) else { return outcome };
        outcome.policy = Some(policy);
        let Some(model) = self.models.get(&model_name) else { return outcome };
        let started = chrono::Utc::now();
        let result = self.run(model, &model_name, verdict, &mut outcome);
        verdict.inference_started_at = verdict.inference_started_at.or(Some(started));
        verdict.inference_finished_at = Some(chrono::Utc::now());
        verdict.model_name = model_name.clone();
        match result {
            Ok((answer, dropped)) => {
                if dropped.unknown_techniques > 0 || dropped.bad_indexes > 0 {
                    tracing::info!(model = %model_name, unknown_techniques = dropped.unknown_techniques, bad_indexes = dropped.bad_indexes, "dropped parts of the model's answer");
                }
                answer::merge(verdict, answer, &model_name);
                verdict.state = SummaryState::Success;
            }
            Err(error) => {
                tracing::warn!(model = %model_name, %error, "summary failed; the verdict is the rules' (state ERROR)");
                verdict.state = SummaryState::Error;
                verdict.error_message = error.clone();
                outcome.error = Some(error);
            }
        }
        outcome
    }

    fn run(
        &self,
        model: &Model,
        name: &str,
        verdict: &mut Verdict,
        outcome: &mut Outcome,
    ) -> Result<(answer::Answer, answer::Dropped), String> {
        let config = &model.config;
        let provider_label = match config.provider {
            config::Provider::Openai => "openai",
            config::Provider::OpenaiCompatible => "openai_compatible",
        };
        let entries: Vec<(usize, TimelineEntry)> =
            verdict.enhanced_summary.session_events.iter().cloned().enumerate().collect();
        let borrowed: Vec<(usize, &TimelineEntry)> = entries.iter().map(|(index, entry)| (*index, entry)).collect();
        let mut budget = (config.context_tokens - config.max_output_tokens - 256) as usize;
        let schema = answer::schema();
        let mut backoff = backoff::ExponentialBackoffBuilder::new()
            .with_initial_interval(Duration::from_millis(config.initial_backoff_ms))
            .with_max_interval(Duration::from_millis(config.max_backoff_ms))
            .with_multiplier(2.0)
            .with_randomization_factor(0.5)
            .with_max_elapsed_time(None)
            .build();
        let mut last_error = String::new();
        let labels = [provider_label, name];
        let boundary = prompt::boundary();
        for attempt in 1..=config.max_attempts {
            let prompt = prompt::build(verdict, &borrowed, budget, &boundary);
            outcome.prompt_tokens = prompt.estimated_tokens;
            outcome.transcript_bytes = prompt.transcript_bytes;
            verdict.redacted_secrets = prompt.redactions as u32;
            let request = Request {
                system: &prompt.system,
                user: &prompt.user,
                schema: &schema,
                max_output_tokens: config.max_output_tokens,
                temperature: config.temperature,
            };
            outcome.requests += 1;
            let started = Instant::now();
            let result = model.provider.complete(&request);
            metrics().llm_request_duration.with_label_values(&labels).observe(started.elapsed().as_secs_f64());
            let retry_after = match result {
                Ok(reply) => {
                    verdict.usage.requests += 1;
                    verdict.usage.input_tokens += reply.input_tokens;
                    verdict.usage.output_tokens += reply.output_tokens;
                    let cost = config.cost(reply.input_tokens, reply.output_tokens);
                    verdict.usage.estimated_cost_usd += cost;
                    let tokens = &metrics().llm_tokens;
                    tokens.with_label_values(&[provider_label, name, "input"]).inc_by(reply.input_tokens);
                    tokens.with_label_values(&[provider_label, name, "output"]).inc_by(reply.output_tokens);
                    metrics().llm_cost_usd.with_label_values(&labels).inc_by(cost);
                    if reply.truncated {
                        metrics().llm_requests.with_label_values(&[provider_label, name, "truncated"]).inc();
                        last_error = "the answer was cut at max_tokens (finish_reason: length)".into();
                        None
                    } else {
                        match answer::parse(&reply.content, entries.len()) {
                            Ok(parsed) => {
                                metrics().llm_requests.with_label_values(&[provider_label, name, "ok"]).inc();
                                return Ok(parsed);
                            }
                            Err(error) => {
                                metrics().llm_requests.with_label_values(&[provider_label, name, "invalid"]).inc();
                                last_error = error;
                                None
                            }
                        }
                    }
                }
                Err(ProviderError::ContextOverflow { reason }) => {
                    metrics().llm_requests.with_label_values(&[provider_label, name, "context_overflow"]).inc();
                    last_error = reason;
                    budget /= 2;
                    continue; // a smaller prompt, at once
                }
                Err(ProviderError::Retryable { reason, retry_after }) => {
                    metrics().llm_requests.with_label_values(&[provider_label, name, "retryable"]).inc();
                    last_error = reason;
                    retry_after
                }
                Err(ProviderError::Permanent { reason }) => {
                    metrics().llm_requests.with_label_values(&[provider_label, name, "failed"]).inc();
                    return Err(reason);
                }
            };
            if attempt == config.max_attempts {
                break;
            }
            metrics().llm_retries.with_label_values(&labels).inc();
            let delay = retry_after
                .map(|after| after.min(Duration::from_millis(config.max_backoff_ms)))
                .or_else(|| backoff.next_backoff())
                .unwrap_or(Duration::from_millis(config.max_backoff_ms));
            outcome.waits.push(delay);
            (self.sleeper)(delay);
        }
        Err(format!("{} attempts failed; last: {last_error}", config.max_attempts))
    }
}
