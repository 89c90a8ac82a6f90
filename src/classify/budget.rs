//! Token budgets per inference policy per period (a clock hour or a UTC day), counted from the
//! tokens the provider reports in `usage` (input + output).
//!
//! When a period's budget is spent, a session whose rules-only risk is below `fallback_below`
//! keeps its rules-only verdict (no request is sent); the rest either `queue` — wait for the
//! next period — or `proceed` and overspend, as configured. Every decision is counted in
//! `sightline_llm_budget_total{policy,decision}` and the tokens left are the gauge
//! `sightline_llm_budget_remaining_tokens{policy}`. Each process counts its own spend.

use super::limits::Clock;
use crate::model::RiskLevel;
use crate::telemetry::metrics::metrics;
use chrono::{DateTime, Duration as Span, DurationRound, Utc};
use serde::Deserialize;
use std::sync::{Mutex, PoisonError};

/// `[inference.policies.NAME.budget]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    /// Tokens (input + output, as the provider reports them) per period.
    pub tokens: u64,
    /// `hour` or `day` (UTC).
    pub period: Period,
    /// Once spent, sessions whose rules risk is below this level keep the rules-only verdict.
    /// Default `high`.
    #[serde(default = "default_fallback_below")]
    pub fallback_below: RiskLevel,
    /// Once spent, what the other sessions do: `proceed` (overspend, default) or `queue`
    /// (wait for the next period; the pipeline's input waits with them).
    #[serde(default)]
    pub when_exhausted: WhenExhausted,
}

fn default_fallback_below() -> RiskLevel {
    RiskLevel::High
}

/// A budget period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Hour,
    Day,
}

/// What sessions at or above `fallback_below` do when the budget is spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenExhausted {
    #[default]
    Proceed,
    Queue,
}

/// What to do with one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within budget.
    Send,
    /// Over budget, and configured to proceed for sessions this risky.
    Overspend,
    /// Over budget and below `fallback_below`: keep the rules-only verdict.
    Fallback,
    /// Over budget: wait until this time, then decide again.
    WaitUntil(DateTime<Utc>),
}

/// One policy's budget.
pub struct Budget {
    config: BudgetConfig,
    policy: String,
    spent: Mutex<(DateTime<Utc>, u64)>,
}

impl Budget {
    /// A fresh budget.
    pub fn new(policy: &str, config: BudgetConfig) -> Self {
        Budget { config, policy: policy.to_string(), spent: Mutex::new((DateTime::<Utc>::MIN_UTC, 0)) }
    }

    fn span(&self) -> Span {
        match self.config.period {
            Period::Hour => Span::hours(1),
            Period::Day => Span::days(1),
        }
    }

    fn period_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.duration_trunc(self.span()).unwrap_or(now)
    }

    /// Tokens spent in the period containing `now`.
    fn spent_at(&self, now: DateTime<Utc>) -> u64 {
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        let start = self.period_start(now);
        if spent.0 != start {
            *spent = (start, 0);
        }
        spent.1
    }

    /// Decides for a session whose rules-only risk is `rules_risk`.
    pub fn decide(&self, rules_risk: RiskLevel, clock: &Clock) -> Decision {
        let now = clock.wall();
        let spent = self.spent_at(now);
        self.publish(spent);
        if spent < self.config.tokens {
            return Decision::Send;
        }
        let decision = if rules_risk < self.config.fallback_below {
            ("fallback", Decision::Fallback)
        } else {
            match self.config.when_exhausted {
                WhenExhausted::Proceed => ("proceeded", Decision::Overspend),
                WhenExhausted::Queue => ("queued", Decision::WaitUntil(self.period_start(now) + self.span())),
            }
        };
        metrics().llm_budget.with_label_values(&[self.policy.as_str(), decision.0]).inc();
        decision.1
    }

    /// Counts tokens the provider reported.
    pub fn spend(&self, tokens: u64, clock: &Clock) {
        let now = clock.wall();
        self.spent_at(now);
        let spent = {
            let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
            spent.1 += tokens;
            spent.1
        };
        self.publish(spent);
    }

    fn publish(&self, spent: u64) {
        let left = self.config.tokens.saturating_sub(spent) as f64;
        metrics().llm_budget_remaining_tokens.with_label_values(&[self.policy.as_str()]).set(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn budget(when_exhausted: WhenExhausted) -> Budget {
        let config =
            BudgetConfig { tokens: 1_000, period: Period::Hour, fallback_below: RiskLevel::High, when_exhausted };
        Budget::new("unit", config)
    }

    #[test]
    fn spent_budget_falls_back_below_the_level_and_queues_to_the_next_hour() {
        let clock = Clock::paused_at(Utc.with_ymd_and_hms(2026, 11, 24, 10, 40, 0).unwrap());
        let budget = budget(WhenExhausted::Queue);
        assert_eq!(budget.decide(RiskLevel::Low, &clock), Decision::Send);
        budget.spend(999, &clock);
        assert_eq!(budget.decide(RiskLevel::Low, &clock), Decision::Send);
        budget.spend(5, &clock);
        assert_eq!(budget.decide(RiskLevel::Medium, &clock), Decision::Fallback);
        let next = Utc.with_ymd_and_hms(2026, 11, 24, 11, 0, 0).unwrap();
        assert_eq!(budget.decide(RiskLevel::Critical, &clock), Decision::WaitUntil(next));
        clock.sleep(std::time::Duration::from_secs(20 * 60));
        assert_eq!(budget.decide(RiskLevel::Low, &clock), Decision::Send, "a new period starts empty");
    }

    #[test]
    fn proceed_overspends_for_risky_sessions_only() {
        let clock = Clock::paused_at(Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap());
        let budget = budget(WhenExhausted::Proceed);
        budget.spend(2_000, &clock);
        assert_eq!(budget.decide(RiskLevel::High, &clock), Decision::Overspend);
        assert_eq!(budget.decide(RiskLevel::Low, &clock), Decision::Fallback);
    }
}
