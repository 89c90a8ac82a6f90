//! Classifying a session's transcript in one or more parts: splitting a session that does not
//! fit the model's context on command boundaries, and the attempt loop for one prompt —
//! circuit breaker, rate limits and concurrency first, then the request; retries with
//! exponential backoff and jitter (or `Retry-After`) on 429, 5xx, timeouts, truncated and
//! invalid answers; a smaller prompt at once on context overflow.

use super::limits::Limits;
use super::provider::{ProviderError, Request};
use super::{Model, answer, prompt};
use crate::model::{TimelineEntry, Verdict};
use crate::telemetry::metrics::metrics;
use backoff::backoff::Backoff;
use std::time::{Duration, Instant};

/// Parts of a split session classified at once.
pub(super) const PARALLEL_PARTS: usize = 2;

/// Splits a session that does not fit on command boundaries: consecutive commands, each part
/// within the budget with at least [`prompt::MIN_OUTPUT_BYTES`] of output per command.
pub(super) fn split<'a>(
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
pub(super) struct PartResult {
    pub result: Result<(answer::Answer, answer::Dropped), String>,
    pub usage: crate::model::Usage,
    pub requests: u32,
    pub waits: Vec<Duration>,
    pub limit_wait: Duration,
    pub prompt_tokens: usize,
    pub transcript_bytes: usize,
    pub redactions: usize,
}

impl PartResult {
    pub fn failed(error: &str) -> Self {
        PartResult {
            result: Err(error.to_string()),
            usage: Default::default(),
            requests: 0,
            waits: Vec::new(),
            limit_wait: Duration::ZERO,
            prompt_tokens: 0,
            transcript_bytes: 0,
            redactions: 0,
        }
    }
}

/// Builds the prompt for a token budget (smaller after a context overflow).
pub(super) type Build<'a> = &'a (dyn Fn(usize) -> prompt::Prompt + Sync);

/// The retry loop for one prompt (a whole session, one part of a split one, or the synthesis
/// of the parts); `commands` is the session's command count, for validating the answer.
pub(super) fn classify_part(
    model: &Model,
    name: &str,
    wait: &(dyn Fn(Duration) + Sync),
    commands: usize,
    mut budget: usize,
    build: Build<'_>,
) -> PartResult {
    let config = &model.config;
    let provider_label = config.provider.label();
    let limits: &Limits = &model.limits;
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
        let prompt = build(budget);
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
        if let Err(reason) = limits.breaker().allow(limits.now()) {
            metrics().llm_requests.with_label_values(&[provider_label, name, "circuit_open"]).inc();
            result.result = Err(reason);
            return result;
        }
        let permit = limits.acquire((prompt.estimated_tokens as u32).saturating_add(config.max_output_tokens), wait);
        result.limit_wait += permit.waited;
        result.requests += 1;
        let started = Instant::now();
        let reply = model.provider.complete(&request);
        drop(permit);
        metrics().llm_request_duration.with_label_values(&labels).observe(started.elapsed().as_secs_f64());
        limits.breaker().record(matches!(reply, Err(ProviderError::Retryable { .. })), limits.now());
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
        wait(delay);
    }
    result.result = Err(format!("{} attempts failed; last: {last_error}", config.max_attempts));
    result
}
