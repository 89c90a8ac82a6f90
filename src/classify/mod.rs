//! The LLM classifier: for a session a policy selects, a model reads the condensed, redacted,
//! spotlighted transcript with the rules' findings as notes, and its validated answer is merged
//! into the rules' verdict — raising risk, never lowering it.
//!
//! Modules: [`config`] (models, secrets, policies), [`policy`] (CEL filters), [`redact`],
//! [`prompt`], [`answer`] (schema, validation, merge), [`provider`] (the trait), [`openai`],
//! [`bedrock`] with [`sigv4`], [`limits`] (rate limits, concurrency, circuit breaker, the clock),
//! [`budget`] (token budgets per policy), `part` (splitting and the attempt loop).
//!
//! Guarantees: no policy → the verdict is the rules-only one, untouched. A model that fails or
//! refuses after its retries (429, 5xx, timeouts, truncated or invalid answers; `Retry-After`
//! honoured; exponential backoff with jitter from the `backoff` crate) leaves the rules' verdict
//! with state `ERROR` and `error_message` — which makes the audit event `INF010E`, itself an
//! alert signal. A prompt over the context is condensed further and sent again. Tokens and
//! estimated cost go into the verdict and the metrics.

pub mod answer;
pub mod bedrock;
pub mod budget;
pub mod config;
pub mod limits;
pub mod openai;
mod part;
pub mod policy;
pub mod prompt;
pub mod provider;
pub mod redact;
pub mod sigv4;

use crate::model::{Session, SummaryState, TimelineEntry, Verdict};
use budget::{Budget, Decision};
use config::{InferenceConfig, ModelConfig};
use limits::{Clock, Limits};
use part::{PARALLEL_PARTS, PartResult, classify_part, split};
use provider::Provider;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The classifier could not be built from its config.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] config::SecretError),
    /// A policy filter does not compile.
    #[error("inference policy {0}")]
    Policy(String),
    /// A model cannot be reached as configured (missing credentials or region).
    #[error("inference.models.{model}: {message}")]
    Model { model: String, message: String },
}

/// Sees every wait (retry delays, rate limits, queued budgets) on a paused clock; tests and
/// benchmarks count the delays instead of waiting.
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

struct Model {
    config: ModelConfig,
    provider: Box<dyn Provider>,
    limits: Limits,
}

/// The classifier.
pub struct Classifier {
    policies: policy::Policies,
    models: BTreeMap<String, Model>,
    budgets: BTreeMap<String, Budget>,
    clock: Clock,
    sleeper: Option<Sleeper>,
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
    /// Time requests waited for the model's rate limits.
    pub limit_wait: Duration,
    /// What a spent budget decided (`fallback`, `queued`, `proceeded`), if it was spent.
    pub budget: Option<&'static str>,
    /// Time the session waited for the next budget period.
    pub queued: Duration,
}

impl Classifier {
    /// Builds the classifier; `None` when no policy exists (summarization is off).
    pub fn new(config: &InferenceConfig) -> Result<Option<Self>, ClassifyError> {
        let policies = policy::Policies::new(config).map_err(ClassifyError::Policy)?;
        if policies.is_empty() {
            return Ok(None);
        }
        let clock = Clock::real();
        let mut models = BTreeMap::new();
        for (name, model) in &config.models {
            let key = match &model.secret {
                Some(secret) => match config.secrets.get(secret) {
                    Some(source) => Some(source.read(secret)?),
                    None => None,
                },
                None => None,
            };
            let provider = provider(name, model, key)?;
            let limits = Limits::new(model, clock.clone(), [model.provider.label().into(), name.clone()]);
            models.insert(name.clone(), Model { config: model.clone(), provider, limits });
        }
        let budgets = config
            .policies
            .iter()
            .filter_map(|(name, policy)| policy.budget.clone().map(|budget| (name.clone(), Budget::new(name, budget))))
            .collect();
        Ok(Some(Classifier { policies, models, budgets, clock, sleeper: None }))
    }

    /// Pauses time (if it runs) and lets `sleeper` see every wait instead of waiting.
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        if !self.clock.is_paused() {
            self = self.with_clock(Clock::paused_at(chrono::Utc::now()));
        }
        self.sleeper = Some(sleeper);
        self
    }

    /// Replaces the clock the limits, breakers and budgets read (tests pause it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        for (name, model) in &mut self.models {
            model.limits =
                Limits::new(&model.config, clock.clone(), [model.config.provider.label().into(), name.clone()]);
        }
        self.clock = clock;
        self
    }

    /// Replaces a model's provider (fault injection in tests; fixed-latency providers in
    /// benchmarks). Unknown names are ignored.
    pub fn with_provider(mut self, model: &str, provider: Box<dyn Provider>) -> Self {
        if let Some(model) = self.models.get_mut(model) {
            model.provider = provider;
        }
        self
    }

    /// Waits on the clock; a paused clock advances and the sleeper sees the wait.
    fn wait(&self, duration: Duration) {
        self.clock.sleep(duration);
        if let Some(sleeper) = &self.sleeper {
            sleeper(duration);
        }
    }

    /// Classifies a judged session in place.
    pub fn classify(&self, session: Option<&Session>, verdict: &mut Verdict) -> Outcome {
        let mut outcome = Outcome::default();
        let Some((policy, model_name)) = self.policies.choose(verdict, session) else { return outcome };
        outcome.policy = Some(policy.clone());
        let Some(model) = self.models.get(&model_name) else { return outcome };
        if let Some(budget) = self.budgets.get(&policy) {
            loop {
                match budget.decide(verdict.enhanced_summary.risk_level, &self.clock) {
                    Decision::Send => break,
                    Decision::Overspend => {
                        outcome.budget = Some("proceeded");
                        break;
                    }
                    Decision::Fallback => {
                        tracing::info!(%policy, session = %verdict.session_id, "token budget spent; the verdict stays rules-only");
                        outcome.budget = Some("fallback");
                        return outcome;
                    }
                    Decision::WaitUntil(next) => {
                        let wait =
                            (next - self.clock.wall()).to_std().unwrap_or_default().max(Duration::from_millis(1));
                        tracing::info!(%policy, wait_s = wait.as_secs(), "token budget spent; the session waits for the next period");
                        outcome.budget = Some("queued");
                        outcome.queued += wait;
                        self.wait(wait);
                    }
                }
            }
        }
        let started = chrono::Utc::now();
        let before = verdict.usage.input_tokens + verdict.usage.output_tokens;
        let result = self.run(model, &model_name, verdict, &mut outcome);
        if let Some(budget) = self.budgets.get(&policy) {
            budget.spend(verdict.usage.input_tokens + verdict.usage.output_tokens - before, &self.clock);
        }
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
                        let (snapshot, boundary) = (&snapshot, &boundary);
                        let wait = |duration| self.wait(duration);
                        let commands = snapshot.enhanced_summary.session_events.len();
                        scope.spawn(move || {
                            let build = |budget| prompt::build(snapshot, entries, budget, boundary, part);
                            classify_part(model, name, &wait, commands, budget, &build)
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
            verdict.redacted_secrets += result.redactions as u32;
            outcome.transcript_bytes += result.transcript_bytes;
            match account(result, verdict, outcome) {
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
            None if count > 1 => {
                // One more request writes the whole session's review from the parts' reviews;
                // if it fails, the parts' deterministic combination stands.
                let commands = snapshot.enhanced_summary.session_events.len();
                let build = |budget| prompt::synthesis(&snapshot, &answers, budget, &boundary);
                let result = classify_part(model, name, &|duration| self.wait(duration), commands, budget, &build);
                let combined = answer::combine(answers.clone());
                match account(result, verdict, outcome) {
                    Ok((synthesis, _)) => Ok((answer::synthesized(combined, synthesis), dropped)),
                    Err(error) => {
                        tracing::warn!(model = %name, %error, "synthesis of the parts failed; the parts are combined as they are");
                        Ok((combined, dropped))
                    }
                }
            }
            None => Ok((answer::combine(answers), dropped)),
        }
    }
}

/// Adds one prompt's requests, waits and usage to the outcome and the verdict.
fn account(
    result: PartResult,
    verdict: &mut Verdict,
    outcome: &mut Outcome,
) -> Result<(answer::Answer, answer::Dropped), String> {
    outcome.requests += result.requests;
    outcome.waits.extend(result.waits);
    outcome.limit_wait += result.limit_wait;
    outcome.prompt_tokens = outcome.prompt_tokens.max(result.prompt_tokens);
    verdict.usage.requests += result.usage.requests;
    verdict.usage.input_tokens += result.usage.input_tokens;
    verdict.usage.output_tokens += result.usage.output_tokens;
    verdict.usage.estimated_cost_usd += result.usage.estimated_cost_usd;
    result.result
}

/// The provider a model's config names.
fn provider(name: &str, model: &ModelConfig, key: Option<String>) -> Result<Box<dyn Provider>, ClassifyError> {
    let timeout = Duration::from_millis(model.timeout_ms);
    let error = |message: String| ClassifyError::Model { model: name.to_string(), message };
    Ok(match model.provider {
        config::Provider::Openai | config::Provider::OpenaiCompatible => {
            Box::new(openai::OpenAi::new(&model.base_url(), &model.model, key, timeout))
        }
        config::Provider::Bedrock => {
            let bearer =
                key.or_else(|| std::env::var("AWS_BEARER_TOKEN_BEDROCK").ok().filter(|key| !key.trim().is_empty()));
            let auth = match bearer {
                Some(key) => bedrock::Auth::Bearer(key),
                None => bedrock::Auth::SigV4 {
                    credentials: sigv4::Credentials::load(model.profile.as_deref()).map_err(error)?,
                    region: model
                        .region()
                        .ok_or_else(|| error("SigV4 needs a region: set `region` or AWS_REGION".into()))?,
                },
            };
            Box::new(bedrock::Bedrock::new(&model.base_url(), &model.model, auth, timeout))
        }
    })
}
