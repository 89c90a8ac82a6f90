//! Turns an analysis into the verdict: Teleport's `Summary` shape with the timeline, the
//! assessment, session metadata, capture gaps as review reasons, and a deterministic id.
//!
//! Guarantee: for the same session and analysis version the verdict is identical apart from
//! the timing fields (`inference_started_at`, `inference_finished_at`), so replays produce
//! duplicates with the same id that consumers can drop.

pub mod audit;
pub mod describe;
pub mod id;
pub mod render;

use crate::analyze::{Analysis, Detector, analyze_session};
use crate::model::{EnhancedSummary, NeedsReviewReason, ProtoDuration, Session, SummaryState, Usage, Verdict};
use chrono::{DateTime, Utc};

/// The version of this build's analysis code; with the detector's version it forms
/// `analysis_version`.
pub const CODE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `analysis_version` for a detector version.
pub fn analysis_version(detector_version: &str) -> String {
    format!("sightline-{CODE_VERSION}+{detector_version}")
}

/// Analyses a session and builds its verdict (rules only; no model involved).
pub fn judge_session(session: &Session, detector: &dyn Detector) -> Verdict {
    let started_at = Utc::now();
    let analysis = analyze_session(session, detector);
    build_verdict(session, analysis, started_at, Utc::now())
}

/// Builds the verdict from an analysis.
pub fn build_verdict(
    session: &Session,
    analysis: Analysis,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
) -> Verdict {
    let metadata = session.metadata();
    let version = analysis_version(&analysis.detector_version);
    let assessment = analysis.assessment;
    let timeline = analysis.timeline;

    let mut needs_review = assessment.needs_further_review_reasons.clone();
    if session.capture.missing_end || session.capture.missing_chunks {
        push_unique(&mut needs_review, NeedsReviewReason::OutputNotFullyCaptured);
    }
    if session.capture.too_large {
        push_unique(&mut needs_review, NeedsReviewReason::TooLarge);
    }

    let total_duration = match (metadata.session_start, metadata.session_stop) {
        (Some(start), Some(stop)) if stop >= start => ProtoDuration((stop - start).to_std().unwrap_or_default()),
        _ => timeline.iter().map(|entry| entry.end_offset).max().unwrap_or_default(),
    };

    let neutral = describe::neutral_summary(session.kind, &metadata, &timeline, total_duration);
    let mut summary = EnhancedSummary {
        short_title: non_empty_or(assessment.short_title, neutral.short_title),
        short_description: non_empty_or(assessment.short_description, neutral.short_description),
        detailed_description: non_empty_or(assessment.detailed_description, neutral.detailed_description),
        risk_level: assessment.risk_level,
        risk_score: assessment.risk_score,
        risk_score_reasons: assessment.risk_score_reasons,
        suspicious_activities: assessment.suspicious_activities,
        compromise_indicators: assessment.compromise_indicators,
        notable_command_indexes: assessment.notable_command_indexes,
        needs_further_review_reasons: needs_review,
        risk_floor: assessment.risk_level,
        session_events: timeline,
    };
    summary.notable_command_indexes.sort_unstable();
    summary.notable_command_indexes.dedup();

    Verdict {
        id: id::record_id(&session.sid, id::RecordKind::Verdict, &version),
        session_id: session.sid.clone(),
        kind: session.kind,
        state: SummaryState::Success,
        inference_started_at: Some(started_at),
        inference_finished_at: Some(finished_at),
        content: describe::markdown(&summary),
        model_name: String::new(),
        session_end_event: session.end_event().and_then(|event| event.raw.clone()),
        error_message: String::new(),
        enhanced_summary: summary,
        total_duration,
        analysis_version: version,
        session_metadata: metadata,
        capture: session.capture.clone(),
        redacted_secrets: 0,
        report_location: None,
        usage: Usage::default(),
    }
}

fn push_unique(reasons: &mut Vec<NeedsReviewReason>, reason: NeedsReviewReason) {
    if !reasons.contains(&reason) {
        reasons.push(reason);
    }
}

fn non_empty_or(preferred: String, fallback: String) -> String {
    if preferred.trim().is_empty() { fallback } else { preferred }
}
