//! The index page: one row per session (risk, start time, user, host, kind, duration, title,
//! link to its page), sorted by risk then start time, with filters by risk and kind.
//!
//! DOM contract (`assets/report/index.js`, the browser test): `table#sessions` rows
//! `tr.session` with `data-risk`, `data-kind`, `data-start` (RFC 3339) and an `a.open` link;
//! `select#filter-risk`, `select#filter-kind`.

use super::{escape, file_name, risk_name};
use crate::model::Verdict;
use crate::verdict::describe::human_duration;
use std::fmt::Write;

const REPORT_CSS: &str = include_str!("../../assets/report/report.css");
const INDEX_JS: &str = include_str!("../../assets/report/index.js");

/// The index of `verdicts`, each linking to `file_name(session_id)` beside it.
pub fn render(verdicts: &[Verdict]) -> String {
    let mut sorted: Vec<&Verdict> = verdicts.iter().collect();
    sorted.sort_by(|left, right| {
        right
            .enhanced_summary
            .risk_level
            .cmp(&left.enhanced_summary.risk_level)
            .then(left.session_metadata.session_start.cmp(&right.session_metadata.session_start))
            .then(left.session_id.cmp(&right.session_id))
    });
    let mut html = String::with_capacity(4096 + sorted.len() * 512);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sessions — Sightline</title><style>{REPORT_CSS}</style></head><body>\
         <header class=\"head\"><h1>Sessions</h1><p class=\"meta\">{} sessions, riskiest first</p></header><main>\
         <form class=\"filters\"><label>Risk <select id=\"filter-risk\"><option value=\"\">all</option>\
         <option>CRITICAL</option><option>HIGH</option><option>MEDIUM</option><option>LOW</option></select></label> \
         <label>Kind <select id=\"filter-kind\"><option value=\"\">all</option><option>ssh</option>\
         <option>k8s</option><option>db</option></select></label></form>\
         <table id=\"sessions\"><thead><tr><th>Risk</th><th>Start</th><th>User</th><th>Host</th><th>Kind</th>\
         <th>Duration</th><th>Title</th></tr></thead><tbody>",
        sorted.len()
    );
    for verdict in sorted {
        let metadata = &verdict.session_metadata;
        let risk = risk_name(verdict.enhanced_summary.risk_level);
        let start = metadata.session_start.map(|at| at.to_rfc3339()).unwrap_or_default();
        let shown = metadata.session_start.map(|at| at.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
        let title = if verdict.enhanced_summary.short_title.is_empty() {
            verdict.session_id.as_str()
        } else {
            verdict.enhanced_summary.short_title.as_str()
        };
        let _ = write!(
            html,
            "<tr class=\"session risk-{risk}\" data-risk=\"{risk}\" data-kind=\"{kind}\" data-start=\"{}\">\
             <td><span class=\"badge risk-{risk}\">{risk}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{kind}</td>\
             <td>{}</td><td><a class=\"open\" href=\"{}\">{}</a></td></tr>",
            escape(&start),
            escape(&shown),
            escape(&metadata.user),
            escape(&metadata.target(verdict.kind)),
            human_duration(verdict.total_duration),
            escape(&file_name(&verdict.session_id)),
            escape(title),
            kind = verdict.kind.as_str(),
        );
    }
    let _ = writeln!(html, "</tbody></table></main><script>{INDEX_JS}</script></body></html>");
    html
}
