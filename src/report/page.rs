//! The session page: risk badge, title and descriptions, the reasons with their score impacts,
//! the ATT&CK techniques, a timeline strip with one mark per command coloured by risk, the
//! embedded player, and the timeline table.
//!
//! One self-contained file: the player, styles and scripts are inlined, nothing is fetched.
//! Without JavaScript the page still reads top to bottom (the table is plain HTML; the player
//! says it needs scripts). DOM contract used by `assets/report/report.js` and the browser test
//! (`tests/browser/report.test.mjs`): `button.mark` and `tr.entry` carry `data-index`,
//! `data-offset` (seconds) and `data-risk`; `window.sightline` holds the player.

use super::cast::Cast;
use super::{escape, json_for_script, risk_name};
use crate::analyze::attack;
use crate::model::{RiskLevel, Verdict};
use crate::verdict::describe::human_duration;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The vendored asciinema player (see `assets/player/README.md`).
const PLAYER_JS: &str = include_str!("../../assets/player/asciinema-player.min.js");
const PLAYER_CSS: &str = include_str!("../../assets/player/asciinema-player.css");
const REPORT_CSS: &str = include_str!("../../assets/report/report.css");
const REPORT_JS: &str = include_str!("../../assets/report/report.js");

/// `HH:MM:SS` (or `MM:SS.s` under an hour) for a session offset.
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0);
    let whole = total as u64;
    let (hours, minutes, secs) = (whole / 3600, (whole / 60) % 60, total - (whole / 60 * 60) as f64);
    if hours > 0 { format!("{hours}:{minutes:02}:{:04.1}", secs) } else { format!("{minutes:02}:{secs:04.1}") }
}

/// ATT&CK's page for a technique (`T1059.004` → `/techniques/T1059/004/`).
pub fn attack_url(id: &str) -> String {
    format!("https://attack.mitre.org/techniques/{}/", id.replace('.', "/"))
}

/// The session page for `verdict`, playing `cast`.
pub fn render(verdict: &Verdict, cast: &Cast) -> String {
    let summary = &verdict.enhanced_summary;
    let metadata = &verdict.session_metadata;
    let risk = risk_name(summary.risk_level);
    let entries = &summary.session_events;
    let duration = cast
        .duration
        .max(verdict.total_duration.as_secs_f64())
        .max(entries.iter().map(|entry| entry.end_offset.as_secs_f64()).fold(0.0, f64::max));
    let mut html = String::with_capacity(64 * 1024 + PLAYER_JS.len() + cast.text.len() * 2);
    let title = if summary.short_title.is_empty() { "Session" } else { &summary.short_title };
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>[{risk}] {} — Sightline</title><style>{PLAYER_CSS}\n{REPORT_CSS}</style></head><body>",
        escape(title)
    );
    let start = metadata.session_start.map(|at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default();
    let _ = write!(
        html,
        "<header class=\"head\"><span class=\"badge risk-{risk}\">{risk}</span><h1>{}</h1>\
         <p class=\"meta\"><span>{}</span> on <span>{}</span> · {} · {} · {} · <code>{}</code></p></header>",
        escape(title),
        escape(if metadata.user.is_empty() { "an unknown user" } else { &metadata.user }),
        escape(&metadata.target(verdict.kind)),
        verdict.kind.as_str(),
        escape(&start),
        human_duration(crate::model::ProtoDuration::from_secs_f64(duration)),
        escape(&verdict.session_id),
    );
    let _ = write!(html, "<main id=\"report\" data-session-id=\"{}\">", escape(&verdict.session_id));
    let _ = write!(
        html,
        "<section id=\"summary\"><p class=\"short\">{}</p><p class=\"detail\">{}</p>",
        escape(&summary.short_description),
        escape(&summary.detailed_description).replace('\n', "<br>")
    );
    if !summary.needs_further_review_reasons.is_empty() {
        let reasons: Vec<&str> = summary.needs_further_review_reasons.iter().map(|reason| reason.as_str()).collect();
        let _ = write!(html, "<p class=\"review\">Needs review: {}</p>", escape(&reasons.join(", ")));
    }
    html.push_str("</section>");
    reasons(&mut html, verdict);
    techniques(&mut html, verdict);
    playback(&mut html, verdict, duration);
    timeline(&mut html, verdict);
    html.push_str("</main><footer><p>Sightline ");
    html.push_str(&escape(&verdict.analysis_version));
    html.push_str(" · ATT&amp;CK® © The MITRE Corporation</p></footer>");
    let _ = write!(html, "<script type=\"application/json\" id=\"cast\">{}</script>", json_for_script(&cast.text));
    let _ = writeln!(html, "<script>{PLAYER_JS}</script><script>{REPORT_JS}</script></body></html>");
    html
}

fn reasons(html: &mut String, verdict: &Verdict) {
    let summary = &verdict.enhanced_summary;
    let _ = write!(
        html,
        "<section id=\"reasons\"><h2>Why {} (score {})</h2>",
        risk_name(summary.risk_level),
        summary.risk_score
    );
    if summary.risk_score_reasons.is_empty() {
        html.push_str("<p>No risk indicators.</p>");
    } else {
        html.push_str("<table class=\"reasons\"><thead><tr><th>Reason</th><th>Impact</th></tr></thead><tbody>");
        for reason in &summary.risk_score_reasons {
            let _ = write!(
                html,
                "<tr><td>{}</td><td class=\"num\">{:+}</td></tr>",
                escape(&reason.reason),
                reason.score_impact
            );
        }
        html.push_str("</tbody></table>");
    }
    if !summary.suspicious_activities.is_empty() {
        html.push_str("<ul class=\"activities\">");
        for activity in &summary.suspicious_activities {
            let _ = write!(html, "<li>{}</li>", escape(activity));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
}

fn techniques(html: &mut String, verdict: &Verdict) {
    let table = attack::table();
    let mut used: BTreeMap<&str, (RiskLevel, Vec<usize>)> = BTreeMap::new();
    for (index, entry) in verdict.enhanced_summary.session_events.iter().enumerate() {
        for id in &entry.mitre_attack_ids {
            let slot = used.entry(id.as_str()).or_insert((RiskLevel::Unspecified, Vec::new()));
            slot.0 = slot.0.max(entry.risk_level);
            slot.1.push(index);
        }
    }
    html.push_str("<section id=\"techniques\"><h2>ATT&amp;CK techniques</h2>");
    if used.is_empty() {
        html.push_str("<p>None.</p></section>");
        return;
    }
    html.push_str(
        "<table class=\"techniques\"><thead><tr><th>Technique</th><th>Name</th><th>Tactic</th><th>Commands</th></tr></thead><tbody>",
    );
    for (id, (risk, commands)) in used {
        let technique = table.get(id);
        let name = technique.map(|technique| technique.full_name()).unwrap_or_default();
        let tactic = table.primary_tactic(id).unwrap_or_default();
        let links: Vec<String> =
            commands.iter().map(|index| format!("<a href=\"#cmd-{index}\">#{}</a>", index + 1)).collect();
        let _ = write!(
            html,
            "<tr class=\"risk-{}\"><td><a href=\"{}\" rel=\"noreferrer\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            risk_name(risk),
            attack_url(id),
            escape(id),
            escape(&name),
            escape(tactic),
            links.join(" ")
        );
    }
    html.push_str("</tbody></table></section>");
}

fn playback(html: &mut String, verdict: &Verdict, duration: f64) {
    html.push_str(
        "<section id=\"playback\"><h2>Playback</h2><div class=\"strip\" aria-label=\"Commands along the session\">",
    );
    for (index, entry) in verdict.enhanced_summary.session_events.iter().enumerate() {
        let offset = entry.start_offset.as_secs_f64();
        let left = if duration > 0.0 { (offset / duration * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let risk = risk_name(entry.risk_level);
        let _ = write!(
            html,
            "<button type=\"button\" class=\"mark risk-{risk}\" style=\"left:{left:.3}%\" data-index=\"{index}\" \
             data-offset=\"{offset:.6}\" data-risk=\"{risk}\" title=\"{} {risk}: {}\"></button>",
            clock(offset),
            escape(&entry.command_event_details.command.chars().take(120).collect::<String>()),
        );
    }
    html.push_str(
        "</div><div id=\"player\"></div><noscript><p class=\"noscript\">Playback needs JavaScript; \
         the timeline below lists every command with its offset.</p></noscript>\
         <p class=\"keys\">Click a mark or a row to jump there. Keys: <kbd>n</kbd> next risky command, \
         <kbd>p</kbd> previous, <kbd>space</kbd> play/pause.</p></section>",
    );
}

fn timeline(html: &mut String, verdict: &Verdict) {
    html.push_str(
        "<section id=\"timeline-section\"><h2>Timeline</h2><table id=\"timeline\"><thead><tr><th>Offset</th>\
         <th>Risk</th><th>Command</th><th>What it did</th><th>ATT&amp;CK</th></tr></thead><tbody>",
    );
    for (index, entry) in verdict.enhanced_summary.session_events.iter().enumerate() {
        let offset = entry.start_offset.as_secs_f64();
        let risk = risk_name(entry.risk_level);
        let techniques: Vec<String> = entry
            .mitre_attack_ids
            .iter()
            .map(|id| format!("<a href=\"{}\" rel=\"noreferrer\">{}</a>", attack_url(id), escape(id)))
            .collect();
        let output = if entry.output.is_empty() {
            String::new()
        } else {
            format!("<details><summary>output</summary><pre>{}</pre></details>", escape(&entry.output))
        };
        let failed = if entry.command_event_details.success { "" } else { " <span class=\"failed\">failed</span>" };
        let _ = write!(
            html,
            "<tr class=\"entry risk-{risk}\" id=\"cmd-{index}\" data-index=\"{index}\" data-offset=\"{offset:.6}\" \
             data-risk=\"{risk}\"><td><a class=\"offset\" href=\"#cmd-{index}\">{}</a></td><td><span class=\"badge \
             risk-{risk}\">{risk}</span></td><td><code>{}</code>{failed}{output}</td><td><strong>{}</strong><br>{}</td><td>{}</td></tr>",
            clock(offset),
            escape(&entry.command_event_details.command),
            escape(&entry.timeline_title),
            escape(&entry.short_description),
            techniques.join(" "),
        );
    }
    html.push_str("</tbody></table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_links() {
        assert_eq!(clock(83.3), "01:23.3");
        assert_eq!(clock(3_725.0), "1:02:05.0");
        assert_eq!(attack_url("T1059.004"), "https://attack.mitre.org/techniques/T1059/004/");
        assert_eq!(attack_url("T1105"), "https://attack.mitre.org/techniques/T1105/");
    }
}
