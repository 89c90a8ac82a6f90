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
    /// Parts the session was split into (1 when it fit in one prompt).
    pub parts: usize,
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
        let snapshot = verdict.clone();
        let entries: Vec<(usize, &TimelineEntry)> =
            snapshot.enhanced_summary.session_events.iter().enumerate().collect();
        let budget = (config.context_tokens - config.max_output_tokens - 256) as usize;
        let boundary = prompt::boundary();
        let probe = prompt::build(&snapshot, &entries, budget, &boundary, None);
        let parts = if probe.output_bytes >= prompt::MIN_OUTPUT_BYTES || entries.len() <= 1 {
            vec![entries]
        } else {
            split(&snapshot, &entries, budget, &boundary)
        };
        outcome.parts = parts.len();
        let count = parts.len();
        let mut results: Vec<PartResult> = Vec::with_capacity(count);
        for group in parts.chunks(PARALLEL_PARTS) {
            let done: Vec<PartResult> = std::thread::scope(|scope| {
                let handles: Vec<_> = group
                    .iter()
                    .enumerate()
                    .map(|(offset, entries)| {
                        let number = results.len() + offset + 1;
                        let part = (count > 1).then_some((number, count));
                        let (snapshot, boundary, sleeper) = (&snapshot, &boundary, &self.sleeper);
                        scope.spawn(move || {
                            classify_part(model, name, sleeper, snapshot, entries, budget, boundary, part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| handle.join().unwrap_or_else(|_| PartResult::failed("a part's worker panicked")))
                    .collect()
            });
            results.extend(done);
        }
        let mut answers = Vec::with_capacity(count);
        let mut dropped = answer::Dropped::default();
        let mut failure = None;
        for result in results {
            outcome.requests += result.requests;
            outcome.waits.extend(result.waits);
            outcome.prompt_tokens = outcome.prompt_tokens.max(result.prompt_tokens);
            outcome.transcript_bytes += result.transcript_bytes;
            verdict.redacted_secrets += result.redactions as u32;
            verdict.usage.requests += result.usage.requests;
            verdict.usage.input_tokens += result.usage.input_tokens;
            verdict.usage.output_tokens += result.usage.output_tokens;
            verdict.usage.estimated_cost_usd += result.usage.estimated_cost_usd;
            match result.result {
                Ok((answer, part_dropped)) => {
                    dropped.unknown_techniques += part_dropped.unknown_techniques;
                    dropped.bad_indexes += part_dropped.bad_indexes;
                    answers.push(answer);
                }
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        match failure {
            Some(error) if count > 1 => Err(format!("a part of the split session failed: {error}")),
            Some(error) => Err(error),
            None => Ok((answer::combine(answers), dropped)),
        }
    }
}

/// Parts of a split session classified at once.
const PARALLEL_PARTS: usize = 2;

/// Splits a session that does not fit on command boundaries: consecutive commands, each part
/// within the budget with at least [`prompt::MIN_OUTPUT_BYTES`] of output per command.
fn split<'a>(
    verdict: &Verdict,
    entries: &[(usize, &'a TimelineEntry)],
    budget_tokens: usize,
    boundary: &str,
) -> Vec<Vec<(usize, &'a TimelineEntry)>> {
    let fixed = {
        let empty = prompt::build(verdict, &[], budget_tokens, boundary, Some((1, 1)));
        empty.system.len() + empty.user.len()
    };
    let room = (budget_tokens * prompt::BYTES_PER_TOKEN).saturating_sub(fixed).max(1);
    let mut parts: Vec<Vec<(usize, &TimelineEntry)>> = vec![Vec::new()];
    let mut used = 0;
    for &(index, entry) in entries {
        let size = entry.command_event_details.command.len() + entry.output.len().min(prompt::MIN_OUTPUT_BYTES) + 64;
        if used + size > room && parts.last().is_some_and(|part| !part.is_empty()) {
            parts.push(Vec::new());
            used = 0;
        }
        used += size;
        if let Some(part) = parts.last_mut() {
            part.push((index, entry));
        }
    }
    parts
}

/// What classifying one part did.
struct PartResult {
    result: Result<(answer::Answer, answer::Dropped), String>,
    usage: crate::model::Usage,
    requests: u32,
    waits: Vec<Duration>,
    prompt_tokens: usize,
    transcript_bytes: usize,
    redactions: usize,
}

impl PartResult {
    fn failed(error: &str) -> Self {
        PartResult {
            result: Err(error.to_string()),
            usage: Default::default(),
            requests: 0,
            waits: Vec::new(),
            prompt_tokens: 0,
            transcript_bytes: 0,
            redactions: 0,
        }
    }
}

/// The retry loop for one prompt (a whole session, or one part of a split one).
#[allow(clippy::too_many_arguments)]
fn classify_part(
    model: &Model,
    name: &str,
    sleeper: &Sleeper,
    verdict: &Verdict,
    entries: &[(usize, &TimelineEntry)],
    mut budget: usize,
    boundary: &str,
    part: prompt::Part,
) -> PartResult {
    let config = &model.config;
    let provider_label = match config.provider {
        config::Provider::Openai => "openai",
        config::Provider::OpenaiCompatible => "openai_compatible",
    };
    let commands = verdict.enhanced_summary.session_events.len();
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
    let mut result = PartResult::failed("");
    for attempt in 1..=config.max_attempts {
        let prompt = prompt::build(verdict, entries, budget, boundary, part);
        result.prompt_tokens = prompt.estimated_tokens;
        result.transcript_bytes = prompt.transcript_bytes;
        result.redactions = prompt.redactions;
        let request = Request {
            system: &prompt.system,
            user: &prompt.user,
            schema: &schema,
            max_output_tokens: config.max_output_tokens,
            temperature: config.temperature,
        };
        result.requests += 1;
        let started = Instant::now();
        let reply = model.provider.complete(&request);
        metrics().llm_request_duration.with_label_values(&labels).observe(started.elapsed().as_secs_f64());
        let retry_after = match reply {
            Ok(reply) => {
                result.usage.requests += 1;
                result.usage.input_tokens += reply.input_tokens;
                result.usage.output_tokens += reply.output_tokens;
                let cost = config.cost(reply.input_tokens, reply.output_tokens);
                result.usage.estimated_cost_usd += cost;
                let tokens = &metrics().llm_tokens;
                tokens.with_label_values(&[provider_label, name, "input"]).inc_by(reply.input_tokens);
                tokens.with_label_values(&[provider_label, name, "output"]).inc_by(reply.output_tokens);
                metrics().llm_cost_usd.with_label_values(&labels).inc_by(cost);
                if reply.truncated {
                    metrics().llm_requests.with_label_values(&[provider_label, name, "truncated"]).inc();
                    last_error = "the answer was cut at max_tokens (finish_reason: length)".into();
                    None
                } else {
                    match answer::parse(&reply.content, commands) {
                        Ok(parsed) => {
                            metrics().llm_requests.with_label_values(&[provider_label, name, "ok"]).inc();
                            result.result = Ok(parsed);
                            return result;
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
                result.result = Err(reason);
                return result;
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
        result.waits.push(delay);
        sleeper(delay);
    }
    result.result = Err(format!("{} attempts failed; last: {last_error}", config.max_attempts));
    result
}
