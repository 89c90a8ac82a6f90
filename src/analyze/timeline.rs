//! Builds a session's timeline: one entry per command, query or request, in time order.
//!
//! Sources, by session kind:
//! - terminal output (`print` events) through [`terminal::reconstruct`](super::terminal);
//! - enhanced recording (`session.command`): the ground truth for what executed. Each program is
//!   attached to the visible command whose run it falls in; programs no visible command accounts
//!   for (hidden typing, background jobs, non-interactive sessions) become entries of their own;
//! - `db.session.query`, Kubernetes `exec` and `kube.request` events, one entry each;
//! - a non-interactive session's `initial_command`.

use super::category::{program_category, shell_command_category, sql_category};
use super::terminal::{self, TerminalCommand, TerminalInput};
use crate::model::recording::{Command, DbQuery, KubeExec, KubeRequest};
use crate::model::{
    CommandCategory, CommandEventDetails, EventBody, ExecutedProgram, ProtoDuration, Session, TimelineEntry,
    TimelineSource,
};
use chrono::{DateTime, Utc};

/// Terminal size when the recording does not say (Teleport's default PTY is 80x25).
const DEFAULT_TERMINAL_SIZE: (u16, u16) = (80, 25);
/// Programs executed this close (seconds) outside a command's run still belong to it.
const EXEC_ATTACH_SLACK_SECS: f64 = 0.1;
/// Longest timeline title, in characters.
const TITLE_LIMIT: usize = 80;

/// The timeline of a session, sorted by start offset.
pub fn build_timeline(session: &Session) -> Vec<TimelineEntry> {
    let start_time = session.start_time();
    let offset_of = |time: Option<DateTime<Utc>>| crate::model::session::offset_secs(start_time, time);

    let terminal_commands = reconstruct_terminal(session, &offset_of);
    let mut entries: Vec<TimelineEntry> = terminal_commands.iter().map(terminal_entry).collect();

    let mut unattached: Vec<TimelineEntry> = Vec::new();
    let first_command_start = terminal_commands.first().map(|command| command.start);
    for event in &session.events {
        let offset = offset_of(event.time);
        match &event.body {
            EventBody::Command(command) => {
                let executed = executed_program(command, offset);
                let owner = terminal_commands.iter().position(|visible| {
                    offset >= visible.start - EXEC_ATTACH_SLACK_SECS && offset <= visible.end + EXEC_ATTACH_SLACK_SECS
                });
                match owner {
                    Some(index) => entries[index].executed.push(executed),
                    // Before the first prompt, programs are the login shell starting up.
                    None if first_command_start.is_some_and(|first| offset < first) => {}
                    None => unattached.push(enhanced_entry(command, executed)),
                }
            }
            EventBody::DbQuery(query) => entries.push(db_entry(query, offset)),
            EventBody::KubeExec(exec) => entries.push(kube_exec_entry(exec, offset)),
            EventBody::KubeRequest(request) => entries.push(kube_request_entry(request, offset)),
            _ => {}
        }
    }
    entries.extend(unattached);

    let metadata = session.metadata();
    let non_interactive = metadata.interactive == Some(false) || terminal_commands.is_empty();
    if !metadata.initial_command.is_empty() && non_interactive {
        let command = metadata.initial_command.join(" ");
        let end = session.events.iter().filter_map(|event| event.time).max();
        let mut entry =
            base_entry(&command, shell_command_category(&command), TimelineSource::InitialCommand, 0.0, offset_of(end));
        entry.command_event_details.success = true;
        entries.insert(0, entry);
    }

    entries.sort_by_key(|entry| entry.start_offset);
    entries
}

fn reconstruct_terminal(session: &Session, offset_of: &dyn Fn(Option<DateTime<Utc>>) -> f64) -> Vec<TerminalCommand> {
    let mut size = None;
    let mut inputs = Vec::new();
    for event in &session.events {
        match &event.body {
            EventBody::Print(print) => {
                let time = match print.ms {
                    Some(ms) => ms / 1000.0,
                    None => offset_of(event.time),
                };
                inputs.push(TerminalInput::Output { time, data: &print.data });
            }
            EventBody::Resize { cols, rows } => {
                if size.is_none() && inputs.is_empty() {
                    size = Some((*cols, *rows));
                } else {
                    inputs.push(TerminalInput::Resize { time: offset_of(event.time), cols: *cols, rows: *rows });
                }
            }
            EventBody::SessionStart if size.is_none() => size = event.metadata().size,
            _ => {}
        }
    }
    if inputs.is_empty() {
        return Vec::new();
    }
    let (cols, rows) = size.unwrap_or(DEFAULT_TERMINAL_SIZE);
    terminal::reconstruct(cols, rows, &inputs)
}

fn title_of(command: &str) -> String {
    let first_line = command.lines().next().unwrap_or("");
    let mut title: String = first_line.chars().take(TITLE_LIMIT).collect();
    if first_line.chars().count() > TITLE_LIMIT || command.contains('\n') {
        title.push('…');
    }
    title
}

fn base_entry(command: &str, category: CommandCategory, source: TimelineSource, start: f64, end: f64) -> TimelineEntry {
    TimelineEntry {
        category,
        timeline_title: title_of(command),
        start_offset: ProtoDuration::from_secs_f64(start),
        end_offset: ProtoDuration::from_secs_f64(end.max(start)),
        command_event_details: CommandEventDetails {
            command: command.to_string(),
            success: true,
            error_messages: Vec::new(),
        },
        source,
        ..TimelineEntry::default()
    }
}

fn terminal_entry(command: &TerminalCommand) -> TimelineEntry {
    let mut entry = base_entry(
        &command.command,
        shell_command_category(&command.command),
        TimelineSource::Terminal,
        command.start,
        command.end,
    );
    entry.command_event_details.success = !command.visibly_failed();
    entry.command_event_details.error_messages.clone_from(&command.error_messages);
    entry.output.clone_from(&command.output);
    if command.incomplete {
        entry.output_incomplete_reason = "the recording ended before the command was complete".to_string();
    } else if command.output_bytes > command.output.len() + 64 && command.output.contains("bytes of output omitted") {
        entry.output_incomplete_reason =
            format!("output cut to its start and end ({} bytes in all)", command.output_bytes);
    }
    if command.used_alternate_screen {
        entry.timeline_subtitle = "full-screen program".to_string();
    }
    entry
}

fn executed_program(command: &Command, offset: f64) -> ExecutedProgram {
    ExecutedProgram {
        path: command.path.clone(),
        argv: command.argv.clone(),
        return_code: command.return_code,
        offset: ProtoDuration::from_secs_f64(offset),
    }
}

/// Shell-quotes one word for display.
fn quote_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

fn enhanced_entry(command: &Command, executed: ExecutedProgram) -> TimelineEntry {
    let program = command.path.rsplit('/').next().unwrap_or(&command.path);
    let text = std::iter::once(command.path.clone())
        .chain(command.argv.iter().map(|word| quote_word(word)))
        .collect::<Vec<_>>()
        .join(" ");
    let offset = executed.offset.as_secs_f64();
    let mut entry = base_entry(&text, program_category(program), TimelineSource::Enhanced, offset, offset);
    entry.command_event_details.success = command.return_code.unwrap_or(0) == 0;
    entry.timeline_subtitle = "executed without a visible command line".to_string();
    entry.executed.push(executed);
    entry
}

fn db_entry(query: &DbQuery, offset: f64) -> TimelineEntry {
    let mut entry = base_entry(&query.query, sql_category(&query.query), TimelineSource::Database, offset, offset);
    entry.command_event_details.success = query.success.unwrap_or(true);
    if let Some(error) = query.error.as_ref().filter(|error| !error.is_empty()) {
        entry.command_event_details.error_messages.push(error.clone());
    }
    entry
}

fn kube_exec_entry(exec: &KubeExec, offset: f64) -> TimelineEntry {
    let mut entry =
        base_entry(&exec.command, shell_command_category(&exec.command), TimelineSource::KubeExec, offset, offset);
    let exit_ok = exec.exit_code.as_deref().is_none_or(|code| code.is_empty() || code == "0");
    entry.command_event_details.success = exit_ok && exec.exit_error.as_deref().is_none_or(str::is_empty);
    if let Some(error) = exec.exit_error.as_ref().filter(|error| !error.is_empty()) {
        entry.command_event_details.error_messages.push(error.clone());
    }
    entry
}

fn kube_request_entry(request: &KubeRequest, offset: f64) -> TimelineEntry {
    let command = format!("{} {}", request.verb.to_ascii_uppercase(), request.request_path);
    let mut entry = base_entry(&command, CommandCategory::Container, TimelineSource::KubeRequest, offset, offset);
    entry.command_event_details.success = request.response_code.is_none_or(|code| code < 400);
    let mut subtitle = request.resource_kind.clone().unwrap_or_default();
    if let Some(name) = &request.resource_name {
        subtitle = format!("{subtitle}/{name}");
    }
    if let Some(namespace) = &request.resource_namespace {
        subtitle = format!("{subtitle} in {namespace}");
    }
    entry.timeline_subtitle = subtitle.trim().to_string();
    entry
}
