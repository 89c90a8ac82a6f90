//! Deterministic analysis of one session, always on: terminal reconstruction → timeline →
//! detection.
//!
//! [`analyze_session`] builds the timeline ([`timeline`]) and hands it to a [`Detector`], the
//! seam where the rule engine plugs in: it fills each entry's risk fields and findings and says
//! what the session as a whole amounts to. Without one ([`NoDetection`]) risk stays
//! `UNSPECIFIED`. Analysis never fails: unreadable parts of a recording yield fewer entries, not
//! errors.

/// A regular expression compiled once, on first use, at this call site (in scope for every
/// module declared below). Patterns given here are constants covered by tests, so one that
/// fails to compile is a build defect.
macro_rules! static_regex {
    ($pattern:expr) => {{
        static REGEX: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        REGEX.get_or_init(|| regex::Regex::new($pattern).expect("constant pattern compiles (tested)"))
    }};
}

pub mod attack;
pub mod category;
pub mod detect;
pub mod injection;
pub mod kube;
pub mod rules;
pub mod score;
pub mod shell;
pub mod sql;
pub mod terminal;
pub mod timeline;

use crate::model::{NeedsReviewReason, RiskLevel, RiskScoreReason, Session, TimelineEntry};

/// What a detector concludes about a whole session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    /// The session's risk (the floor a model may raise but never lower).
    pub risk_level: RiskLevel,
    /// 0–100.
    pub risk_score: i32,
    pub risk_score_reasons: Vec<RiskScoreReason>,
    pub suspicious_activities: Vec<String>,
    pub compromise_indicators: bool,
    /// Timeline indexes worth a look.
    pub notable_command_indexes: Vec<i32>,
    pub needs_further_review_reasons: Vec<NeedsReviewReason>,
    /// A title for list views; empty lets the verdict builder write a neutral one.
    pub short_title: String,
    /// Plain-words summary; empty lets the verdict builder write a neutral one.
    pub short_description: String,
    /// Longer plain-words account; empty lets the verdict builder write one.
    pub detailed_description: String,
}

/// Judges a session's timeline. Implementations must be deterministic: the same session and
/// the same detector version give the same result.
pub trait Detector: Send + Sync {
    /// A short version string that changes whenever results may change (part of the verdict's
    /// `analysis_version` and so of its id).
    fn version(&self) -> String;

    /// Fills the entries' risk fields and findings; returns the session-level assessment.
    fn assess(&self, session: &Session, timeline: &mut [TimelineEntry]) -> Assessment;
}

/// The detector used when no rule engine is configured: nothing is judged.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDetection;

impl Detector for NoDetection {
    fn version(&self) -> String {
        "none".to_string()
    }

    fn assess(&self, _session: &Session, _timeline: &mut [TimelineEntry]) -> Assessment {
        Assessment::default()
    }
}

/// A session's timeline and its assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub timeline: Vec<TimelineEntry>,
    pub assessment: Assessment,
    /// The detector's version.
    pub detector_version: String,
}

/// Analyses one session with `detector`.
pub fn analyze_session(session: &Session, detector: &dyn Detector) -> Analysis {
    let mut timeline = timeline::build_timeline(session);
    let assessment = detector.assess(session, &mut timeline);
    Analysis { timeline, assessment, detector_version: detector.version() }
}
