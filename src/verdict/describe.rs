//! Plain-words text for a verdict when no detector or model wrote any: who did how much, where,
//! for how long, and what kinds of commands — plus the Markdown `content` Teleport's simple
//! summaries carry.

use crate::model::{CommandCategory, EnhancedSummary, ProtoDuration, SessionKind, SessionMetadata, TimelineEntry};
use std::collections::BTreeMap;

/// Title and descriptions that describe without judging.
pub struct NeutralSummary {
    pub short_title: String,
    pub short_description: String,
    pub detailed_description: String,
}

/// "2m05s" style durations for prose.
pub fn human_duration(duration: ProtoDuration) -> String {
    let total = duration.0.as_secs();
    let (hours, minutes, seconds) = (total / 3600, (total / 60) % 60, total % 60);
    if hours > 0 {
        format!("{hours}h{minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{}s", seconds.max(u64::from(duration.0.subsec_millis() > 0 && seconds == 0)))
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}

fn category_words(category: CommandCategory) -> &'static str {
    match category {
        CommandCategory::FileOperation => "file operations",
        CommandCategory::Network => "network commands",
        CommandCategory::Process => "process and interpreter commands",
        CommandCategory::SystemConfig => "system configuration changes",
        CommandCategory::DataAccess => "data queries",
        CommandCategory::Authentication => "identity and authentication commands",
        CommandCategory::PackageManagement => "package management",
        CommandCategory::Container => "container and Kubernetes operations",
        CommandCategory::SourceControl => "source control",
        CommandCategory::Scheduling => "scheduling",
        CommandCategory::Monitoring => "monitoring and inspection",
        CommandCategory::UserManagement => "user and role management",
        CommandCategory::Transfer => "file transfers",
        CommandCategory::Development => "build and development",
        CommandCategory::Other | CommandCategory::Unspecified => "other commands",
    }
}

/// The neutral title and descriptions.
pub fn neutral_summary(
    kind: SessionKind,
    metadata: &SessionMetadata,
    timeline: &[TimelineEntry],
    duration: ProtoDuration,
) -> NeutralSummary {
    let user = if metadata.user.is_empty() { "unknown user" } else { metadata.user.as_str() };
    let target = metadata.target(kind);
    let noun = match kind {
        SessionKind::Db => ("query", "queries"),
        _ => ("command", "commands"),
    };
    let count = plural(timeline.len(), noun.0, noun.1);
    let short_title = format!("{user} on {target}: {count}");
    let login = match (kind, metadata.login.as_str()) {
        (SessionKind::Ssh, login) if !login.is_empty() => format!(" as {login}"),
        (SessionKind::Db, _) if !metadata.db_user.is_empty() => format!(" as {}", metadata.db_user),
        _ => String::new(),
    };
    let failed = timeline.iter().filter(|entry| !entry.command_event_details.success).count();
    let mut short_description = format!("{user} ran {count}{login} on {target} over {}", human_duration(duration));
    if failed > 0 {
        short_description.push_str(&format!("; {failed} visibly failed"));
    }
    short_description.push('.');

    let mut by_category: BTreeMap<&'static str, usize> = BTreeMap::new();
    for entry in timeline {
        *by_category.entry(category_words(entry.category)).or_default() += 1;
    }
    let mut parts: Vec<(usize, &str)> = by_category.into_iter().map(|(words, count)| (count, words)).collect();
    parts.sort_by(|left, right| right.0.cmp(&left.0).then(left.1.cmp(right.1)));
    let detailed_description = if parts.is_empty() {
        format!("{short_description} No commands were recovered from the recording.")
    } else {
        let mix = parts.iter().map(|(count, words)| format!("{count} {words}")).collect::<Vec<_>>().join(", ");
        format!("{short_description} The {} break down into {mix}.", noun.1)
    };
    NeutralSummary { short_title, short_description, detailed_description }
}

/// The Markdown summary (Teleport's `content`).
pub fn markdown(summary: &EnhancedSummary) -> String {
    let mut text = format!(
        "## {}\n\n**Risk:** {} (score {})\n\n{}\n",
        summary.short_title, summary.risk_level, summary.risk_score, summary.detailed_description
    );
    if !summary.suspicious_activities.is_empty() {
        text.push_str("\n**Suspicious activity**\n\n");
        for activity in &summary.suspicious_activities {
            text.push_str(&format!("- {activity}\n"));
        }
    }
    text
}
