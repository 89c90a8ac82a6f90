//! The human-readable text report `sightline analyze --format text` prints per session.

use super::describe::human_duration;
use crate::model::{RiskLevel, Verdict};
use std::fmt::Write;

/// `MM:SS.mmm` (or `H:MM:SS`) for timeline offsets.
fn clock(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as u64;
    let (hours, minutes, secs, millis) =
        (millis / 3_600_000, (millis / 60_000) % 60, (millis / 1000) % 60, millis % 1000);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}.{millis:03}")
    } else {
        format!("{minutes:02}:{secs:02}.{millis:03}")
    }
}

/// The report for one verdict.
pub fn text_report(verdict: &Verdict) -> String {
    let summary = &verdict.enhanced_summary;
    let metadata = &verdict.session_metadata;
    let mut out = String::new();
    let _ = writeln!(out, "━━ {} session {} ━━", verdict.kind, verdict.session_id);
    let started = metadata.session_start.map(|time| time.format("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_default();
    let _ = writeln!(
        out,
        "   {} on {}{} · {} · {}",
        if metadata.user.is_empty() { "unknown user" } else { &metadata.user },
        metadata.target(verdict.kind),
        if metadata.login.is_empty() { String::new() } else { format!(" as {}", metadata.login) },
        started,
        human_duration(verdict.total_duration),
    );
    let risk = match summary.risk_level {
        RiskLevel::Unspecified => "not assessed".to_string(),
        level => format!("{level} (score {})", summary.risk_score),
    };
    let _ = writeln!(out, "   Risk: {risk}");
    let _ = writeln!(out, "   {}", summary.short_title);
    let _ = writeln!(out, "   {}", summary.short_description);
    for activity in &summary.suspicious_activities {
        let _ = writeln!(out, "   ! {activity}");
    }
    for reason in &summary.needs_further_review_reasons {
        let _ = writeln!(out, "   needs review: {reason}");
    }
    if !summary.session_events.is_empty() {
        let _ = writeln!(out, "   Timeline:");
    }
    for entry in &summary.session_events {
        let marker = if entry.command_event_details.success { ' ' } else { '✗' };
        let risk = match entry.risk_level {
            RiskLevel::Unspecified => String::new(),
            level => format!("{:<8} ", level.as_str()),
        };
        let techniques = if entry.mitre_attack_ids.is_empty() {
            String::new()
        } else {
            format!("  [{}]", entry.mitre_attack_ids.join(", "))
        };
        let mut lines = entry.command().lines();
        let mut command: String =
            lines.by_ref().take(4).collect::<Vec<_>>().join("\n                                     ");
        if lines.next().is_some() {
            command.push_str(" …");
        }
        let _ = writeln!(
            out,
            "   {} {marker} {risk}{:<17} {command}{techniques}",
            clock(entry.start_offset.as_secs_f64()),
            entry.category.as_str(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_offsets() {
        assert_eq!(clock(0.0), "00:00.000");
        assert_eq!(clock(75.5), "01:15.500");
        assert_eq!(clock(3723.25), "1:02:03.250");
    }
}
