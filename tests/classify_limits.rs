//! Spend and load control of the classifier, on a paused clock with counted requests: the
//! per-model rate limits (requests and tokens per minute), the concurrency cap, the circuit
//! breaker and the token budgets per policy. The provider is an in-process script (fault
//! injection: it fails, answers and holds requests on cue); the real servers are exercised in
//! `tests/classify.rs`.

mod common;

use chrono::TimeZone;
use sightline::classify::Classifier;
use sightline::classify::config::InferenceConfig;
use sightline::classify::limits::Clock;
use sightline::classify::provider::{Provider, ProviderError, Reply, Request};
use sightline::model::{RiskLevel, SummaryState};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The session every test here classifies.
const SAMPLE: &str = "ssh-deploy-web01.jsonl";

const ANSWER: &str = r#"{"short_title":"Routine work","short_description":"The user looked around.","detailed_description":"Nothing stood out.","risk_level":"LOW","suspicious_activities":[],"compromise_indicators":false,"session_events":[]}"#;

const SYNTHESIS: &str = r#"{"short_title":"Long log review","short_description":"The whole session reviewed logs.","detailed_description":"Across all parts the user only read logs.","risk_level":"MEDIUM","suspicious_activities":[],"compromise_indicators":false,"session_events":[]}"#;

/// A provider that answers (or fails, when told), counting requests and the most in flight.
#[derive(Default)]
struct Script {
    calls: AtomicU32,
    in_flight: AtomicU32,
    max_in_flight: AtomicU32,
    failing: AtomicBool,
    hold: Mutex<Duration>,
    /// Fail only the synthesis of a split session's parts.
    failing_synthesis: AtomicBool,
    synthesis_prompts: Mutex<Vec<String>>,
}

struct Scripted(Arc<Script>);

impl Provider for Scripted {
    fn complete(&self, request: &Request<'_>) -> Result<Reply, ProviderError> {
        let script = &self.0;
        script.calls.fetch_add(1, Ordering::SeqCst);
        if request.system.contains("reviewed in parts") {
            script.synthesis_prompts.lock().unwrap().push(request.user.to_string());
            if script.failing_synthesis.load(Ordering::SeqCst) {
                return Err(ProviderError::Permanent { reason: "HTTP 400: synthesis refused".into() });
            }
            return Ok(Reply { content: SYNTHESIS.into(), truncated: false, input_tokens: 900, output_tokens: 100 });
        }
        let now = script.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        script.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let hold = *script.hold.lock().unwrap();
        std::thread::sleep(hold);
        script.in_flight.fetch_sub(1, Ordering::SeqCst);
        if script.failing.load(Ordering::SeqCst) {
            return Err(ProviderError::Retryable {
                reason: "HTTP 503: upstream unavailable".into(),
                retry_after: None,
            });
        }
        Ok(Reply { content: ANSWER.into(), truncated: false, input_tokens: 1_000, output_tokens: 200 })
    }
}

/// A classifier whose model `name` (unique per test: metrics are process-wide) is the script,
/// on a paused clock starting at `start`; the sleeper records every wait.
fn classifier(
    name: &str,
    model_extra: &str,
    policy_extra: &str,
    start: chrono::DateTime<chrono::Utc>,
) -> (Classifier, Arc<Script>, Clock, Arc<Mutex<Vec<Duration>>>) {
    let text = format!(
        "[models.{name}]\nprovider = \"openai_compatible\"\nmodel = \"unused\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\
         initial_backoff_ms = 100\nmax_backoff_ms = 1000\n{model_extra}\n\
         [policies.all]\nmodel = \"{name}\"\n{policy_extra}\n"
    );
    let config: InferenceConfig = toml::from_str(&text).unwrap();
    config.validate().unwrap_or_else(|(key, message)| panic!("{key} {message}"));
    let script = Arc::new(Script::default());
    let clock = Clock::paused_at(start);
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let classifier = Classifier::new(&config)
        .unwrap()
        .unwrap()
        .with_clock(clock.clone())
        .with_sleeper(Arc::new(move |delay| recorded.lock().unwrap().push(delay)))
        .with_provider(name, Box::new(Scripted(script.clone())));
    (classifier, script, clock, waits)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 24, 10, 50, 0).unwrap()
}

fn close(actual: Duration, expected_secs: f64) -> bool {
    (actual.as_secs_f64() - expected_secs).abs() < 0.05
}

#[test]
fn requests_per_minute_make_requests_wait_never_fail() {
    let (classifier, script, clock, _) = classifier("rpm", "requests_per_minute = 6", "", now());
    let (session, verdict) = common::judged(SAMPLE);
    let mut limit_waits = Vec::new();
    for _ in 0..9 {
        let mut verdict = verdict.clone();
        let outcome = classifier.classify(Some(&session), &mut verdict);
        assert_eq!((outcome.error, verdict.state), (None, SummaryState::Success));
        limit_waits.push(outcome.limit_wait);
    }
    assert_eq!(script.calls.load(Ordering::SeqCst), 9, "every session got its request");
    // A burst of 6, then one request every 10 s.
    assert!(limit_waits[..6].iter().all(|wait| wait.is_zero()), "{limit_waits:?}");
    assert!(limit_waits[6..].iter().all(|wait| close(*wait, 10.0)), "{limit_waits:?}");
    assert!(close(clock.elapsed(), 30.0), "{:?}", clock.elapsed());
}

#[test]
fn tokens_per_minute_count_the_prompt_and_the_answer() {
    // Every request (its prompt estimate + 1024 answer tokens) is larger than the whole
    // allowance, so each one takes the full minute's allowance.
    let (classifier, script, _, _) = classifier("tpm", "tokens_per_minute = 1000", "", now());
    let (session, verdict) = common::judged(SAMPLE);
    let waits: Vec<Duration> =
        (0..3).map(|_| classifier.classify(Some(&session), &mut verdict.clone()).limit_wait).collect();
    assert_eq!(script.calls.load(Ordering::SeqCst), 3);
    assert!(waits[0].is_zero() && close(waits[1], 60.0) && close(waits[2], 60.0), "{waits:?}");
}

#[test]
fn concurrency_is_capped_per_model() {
    for (limit, extra) in [(Some(1), "max_concurrency = 1"), (None, "")] {
        let name = if limit.is_some() { "capped" } else { "uncapped" };
        let (classifier, script, _, _) = classifier(name, extra, "", now());
        *script.hold.lock().unwrap() = Duration::from_millis(60);
        let (session, verdict) = common::judged(SAMPLE);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let mut verdict = verdict.clone();
                    classifier.classify(Some(&session), &mut verdict);
                    assert_eq!(verdict.state, SummaryState::Success);
                });
            }
        });
        assert_eq!(script.calls.load(Ordering::SeqCst), 4);
        let most = script.max_in_flight.load(Ordering::SeqCst);
        match limit {
            Some(limit) => assert_eq!(most, limit, "never more than the cap in flight"),
            None => assert!(most >= 2, "without a cap the requests overlap ({most}), so the test can fail"),
        }
    }
}

fn circuit_gauge(model: &str) -> String {
    let rendered = sightline::telemetry::metrics::render();
    let line = rendered
        .lines()
        .find(|line| line.starts_with("sightline_llm_circuit_state{") && line.contains(&format!("model=\"{model}\"")))
        .unwrap_or_else(|| panic!("no circuit gauge for {model}"));
    line.rsplit(' ').next().unwrap().to_string()
}

#[test]
fn the_circuit_opens_fails_fast_and_closes_after_a_good_probe() {
    let (classifier, script, clock, _) =
        classifier("breaker", "max_attempts = 4\ncircuit_failures = 3\ncircuit_open_ms = 30000", "", now());
    let (session, verdict) = common::judged(SAMPLE);
    script.failing.store(true, Ordering::SeqCst);

    let mut first = verdict.clone();
    let outcome = classifier.classify(Some(&session), &mut first);
    assert_eq!(outcome.requests, 3, "the third failure opens the circuit; the fourth attempt is not sent");
    assert_eq!(first.state, SummaryState::Error);
    assert!(first.error_message.contains("circuit open"), "{}", first.error_message);
    assert_eq!(circuit_gauge("breaker"), "2");

    let mut second = verdict.clone();
    let outcome = classifier.classify(Some(&session), &mut second);
    assert_eq!((outcome.requests, second.state), (0, SummaryState::Error), "open: fail fast");
    assert_eq!(script.calls.load(Ordering::SeqCst), 3);

    script.failing.store(false, Ordering::SeqCst);
    clock.sleep(Duration::from_secs(30));
    let mut third = verdict.clone();
    let outcome = classifier.classify(Some(&session), &mut third);
    assert_eq!((outcome.requests, third.state), (1, SummaryState::Success), "the probe goes and succeeds");
    assert_eq!(circuit_gauge("breaker"), "0");
}

#[test]
fn a_spent_budget_falls_back_below_the_level_and_queues_the_rest() {
    let budget = "[policies.all.budget]\ntokens = 2000\nperiod = \"hour\"\nfallback_below = \"high\"\nwhen_exhausted = \"queue\"";
    let (classifier, script, clock, waits) = classifier("budgeted", "", budget, now());
    let (session, verdict) = common::judged(SAMPLE);
    let at = |risk: RiskLevel| {
        let mut verdict = verdict.clone();
        verdict.enhanced_summary.risk_level = risk;
        verdict
    };
    // 1,200 tokens per request (usage 1000 in + 200 out): two requests spend the budget.
    for _ in 0..2 {
        let outcome = classifier.classify(Some(&session), &mut at(RiskLevel::Low));
        assert_eq!((outcome.requests, outcome.budget), (1, None));
    }
    let mut low = at(RiskLevel::Medium);
    let outcome = classifier.classify(Some(&session), &mut low);
    assert_eq!((outcome.requests, outcome.budget), (0, Some("fallback")), "below HIGH: rules only, no request");
    assert!(low.model_name.is_empty() && low.usage.requests == 0);
    assert_eq!(script.calls.load(Ordering::SeqCst), 2);

    let mut risky = at(RiskLevel::Critical);
    let outcome = classifier.classify(Some(&session), &mut risky);
    assert_eq!((outcome.budget, outcome.requests), (Some("queued"), 1));
    assert!(close(outcome.queued, 600.0), "waited from 10:50 to 11:00: {:?}", outcome.queued);
    assert_eq!(waits.lock().unwrap().as_slice(), &[Duration::from_secs(600)]);
    assert_eq!(risky.state, SummaryState::Success);
    assert!(close(clock.elapsed(), 600.0));

    let outcome = classifier.classify(Some(&session), &mut at(RiskLevel::Low));
    assert_eq!((outcome.requests, outcome.budget), (1, None), "11:00 started a new period (1,200 of 2,000 spent)");
    let rendered = sightline::telemetry::metrics::render();
    assert!(rendered.contains("sightline_llm_budget_total{decision=\"fallback\",policy=\"all\"}"), "{rendered}");
}

#[test]
fn proceed_overspends_only_for_risky_sessions() {
    let budget = "[policies.all.budget]\ntokens = 1000\nperiod = \"day\"\nwhen_exhausted = \"proceed\"";
    let (classifier, script, _, _) = classifier("overspent", "", budget, now());
    let (session, verdict) = common::judged(SAMPLE);
    classifier.classify(Some(&session), &mut verdict.clone());
    let mut risky = verdict.clone();
    risky.enhanced_summary.risk_level = RiskLevel::High;
    let outcome = classifier.classify(Some(&session), &mut risky);
    assert_eq!((outcome.requests, outcome.budget, outcome.queued), (1, Some("proceeded"), Duration::ZERO));
    let mut low = verdict.clone();
    low.enhanced_summary.risk_level = RiskLevel::Low;
    assert_eq!(classifier.classify(Some(&session), &mut low).budget, Some("fallback"));
    assert_eq!(script.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_split_session_gets_one_synthesis_and_keeps_its_parts_when_that_fails() {
    let (classifier, script, _, _) =
        classifier("splitter", "context_tokens = 4096\nmax_output_tokens = 1024", "", now());
    let (session, verdict) = common::judged(SAMPLE);
    let mut large = verdict.clone();
    let template = large.enhanced_summary.session_events.clone();
    large.enhanced_summary.session_events = (0..60)
        .map(|index| {
            let mut entry = template[index % template.len()].clone();
            entry.output = (0..60).map(|line| format!("{index:02}:{line:02} a long log line of output\n")).collect();
            entry
        })
        .collect();

    let mut synthesized = large.clone();
    let outcome = classifier.classify(Some(&session), &mut synthesized);
    assert!(outcome.parts > 2, "{outcome:?}");
    assert_eq!(outcome.requests as usize, outcome.parts + 1);
    assert_eq!(synthesized.enhanced_summary.short_title, "Long log review");
    assert!(synthesized.enhanced_summary.risk_level >= RiskLevel::Medium, "never below the synthesis or the parts");
    let prompts = script.synthesis_prompts.lock().unwrap().clone();
    assert_eq!(prompts.len(), 1);
    assert!(prompts[0].contains("Part^1:") || prompts[0].contains("Part 1:"), "the parts' reviews: {}", &prompts[0]);
    assert!(prompts[0].contains("The^user^looked^around."), "datamarked part reviews");

    script.failing_synthesis.store(true, Ordering::SeqCst);
    let mut combined = large.clone();
    let outcome = classifier.classify(Some(&session), &mut combined);
    assert_eq!(outcome.requests as usize, outcome.parts + 1);
    assert_eq!(combined.state, SummaryState::Success, "a failed synthesis is not a failed summary");
    assert!(
        combined.enhanced_summary.detailed_description.starts_with("Part 1 of "),
        "{}",
        combined.enhanced_summary.detailed_description
    );
}
