//! Routing: which of a verdict's records (the verdict and its audit events) a sink takes,
//! by record kind, risk level and session kind.
//!
//! Audit events are derived from the verdict with [`audit_events`], which is deterministic, so
//! a sink sees the same events, with the same `uid`s, as the audit topic.

use super::config::{RecordKindName, RouteConfig};
use super::encode::Record;
use crate::model::{RiskLevel, SessionKind, Verdict};
use crate::verdict::audit::{AuditEvent, audit_events};

/// One record on its way to a sink.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A verdict.
    Verdict(Box<Verdict>),
    /// An audit event.
    Audit(Box<AuditEvent>),
}

impl Item {
    /// The record, for [`super::encode::encode`].
    pub fn record(&self) -> Record<'_> {
        match self {
            Item::Verdict(verdict) => Record::Verdict(verdict),
            Item::Audit(event) => Record::Audit(event),
        }
    }

    /// The record's deterministic id (`id` of a verdict, `uid` of an audit event).
    pub fn id(&self) -> &str {
        match self {
            Item::Verdict(verdict) => &verdict.id,
            Item::Audit(event) => &event.uid,
        }
    }

    /// The session the record is about.
    pub fn session_id(&self) -> &str {
        match self {
            Item::Verdict(verdict) => &verdict.session_id,
            Item::Audit(event) => &event.sid,
        }
    }

    /// The risk level routing looks at.
    pub fn risk(&self) -> RiskLevel {
        match self {
            Item::Verdict(verdict) => verdict.enhanced_summary.risk_level,
            Item::Audit(event) => event.risk_level.unwrap_or_default(),
        }
    }

    /// The session kind routing looks at.
    pub fn kind(&self) -> SessionKind {
        match self {
            Item::Verdict(verdict) => verdict.kind,
            Item::Audit(event) => event.session_type,
        }
    }

    /// `verdict` or `audit`.
    pub fn kind_name(&self) -> RecordKindName {
        match self {
            Item::Verdict(_) => RecordKindName::Verdict,
            Item::Audit(_) => RecordKindName::Audit,
        }
    }
}

/// The records of `verdict` that `route` lets through, in order: the verdict, then its audit
/// events. `default_min_risk` applies when the route sets none.
pub fn route(verdict: &Verdict, route: &RouteConfig, default_min_risk: RiskLevel) -> Vec<Item> {
    if !route.kinds.contains(&verdict.kind) {
        return Vec::new();
    }
    let min_risk = route.min_risk.unwrap_or(default_min_risk);
    let mut items = Vec::new();
    if route.records.contains(&RecordKindName::Verdict) {
        items.push(Item::Verdict(Box::new(verdict.clone())));
    }
    if route.records.contains(&RecordKindName::Audit) {
        items.extend(audit_events(verdict).into_iter().map(|event| Item::Audit(Box::new(event))));
    }
    items.retain(|item| item.risk() >= min_risk);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::detect::RuleDetector;

    fn verdict(file: &str) -> Verdict {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions").join(file);
        let session = crate::source::files::read_file(&path).sessions.remove(0);
        crate::verdict::judge_session(&session, &RuleDetector::new(&[]).unwrap())
    }

    #[test]
    fn routes_by_record_kind_risk_and_session_kind() {
        let risky = verdict("ssh-incident-bastion.cast");
        assert!(risky.enhanced_summary.risk_level >= RiskLevel::High);
        let everything = route(&risky, &RouteConfig::default(), RiskLevel::Unspecified);
        assert!(matches!(everything[0], Item::Verdict(_)));
        assert!(everything.len() > 2, "verdict, session.summarized and risk events");

        let verdicts_only = RouteConfig { records: vec![RecordKindName::Verdict], ..RouteConfig::default() };
        assert_eq!(route(&risky, &verdicts_only, RiskLevel::Unspecified).len(), 1);

        let critical = RouteConfig { min_risk: Some(RiskLevel::Critical), ..RouteConfig::default() };
        let kept = route(&risky, &critical, RiskLevel::Unspecified);
        assert!(kept.iter().all(|item| item.risk() == RiskLevel::Critical));

        let db_only = RouteConfig { kinds: vec![SessionKind::Db], ..RouteConfig::default() };
        assert!(route(&risky, &db_only, RiskLevel::Unspecified).is_empty());

        let benign = verdict("ssh-deploy-web01.jsonl");
        assert!(route(&benign, &RouteConfig::default(), RiskLevel::High).is_empty());
    }
}
