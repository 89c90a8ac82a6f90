//! The reconstruction state machine: PTY output in, command lines out.
//!
//! The output goes through a real terminal emulator ([`Screen`]); the machine watches for the
//! moments a shell reads a line and the moments it accepts one, and reads the command off the
//! screen at that point, so whatever editing happened (backspace, cursor moves, completion,
//! history recall, paste) is already applied.
//!
//! - **A prompt** starts when bracketed-paste mode switches on outside the alternate screen
//!   (readline and zle do this each time they read a line), or, for shells without it, when a
//!   write leaves the cursor after prompt-shaped text and the next write, after a pause, starts
//!   with a typed character. The input starts where the cursor is once the prompt is drawn.
//! - **A line is accepted** when bracketed paste switches off (the line is read as it was just
//!   before the line feed that preceded it), or, without bracketed paste, at the line feed.
//! - **Continuation lines** (`PS2`: open quotes, trailing `\`, here-documents, unfinished loops)
//!   are joined with `\n` into one command.
//! - **A command ends** when the next prompt appears; what it printed in between is its output.
//! - **Full-screen programs** (vim, less, top) run on the alternate screen; nothing there is
//!   read, so each is one timeline entry: the command that started it.

use super::completeness;
use super::output::{OutputCapture, failure_lines};
use super::prompt;
use super::screen::{AbsolutePosition, Screen};
use super::segments;

/// Writes this close (seconds) after a prompt appeared are still part of drawing it.
const PROMPT_SETTLE_SECS: f64 = 0.05;
/// Without bracketed paste, a prompt must be followed by a pause this long before typing.
const TYPING_PAUSE_SECS: f64 = 0.03;
/// A line read at a line feed is used for an accept only if the accept follows this quickly.
const SNAPSHOT_VALID_SECS: f64 = 0.25;
/// At most this many distinct prompts are remembered per session.
const KNOWN_PROMPTS_LIMIT: usize = 16;

/// One item of a terminal recording, with its time in seconds from session start.
#[derive(Debug, Clone, Copy)]
pub enum TerminalInput<'a> {
    /// Bytes the terminal printed.
    Output { time: f64, data: &'a [u8] },
    /// The terminal changed size.
    Resize { time: f64, cols: u16, rows: u16 },
}

/// A command line recovered from the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalCommand {
    /// The command as the shell received it; continuation lines joined with `\n`.
    pub command: String,
    /// When the command was accepted (seconds from session start).
    pub start: f64,
    /// When the next prompt appeared, or the recording ended.
    pub end: f64,
    /// What it printed, as plain text, bounded.
    pub output: String,
    /// Raw bytes it printed.
    pub output_bytes: usize,
    /// Lines of the output that show it failed.
    pub error_messages: Vec<String>,
    /// It ran a full-screen program.
    pub used_alternate_screen: bool,
    /// The recording ended before the command's continuation lines were complete.
    pub incomplete: bool,
}

impl TerminalCommand {
    /// True when the output shows the command failed.
    pub fn visibly_failed(&self) -> bool {
        !self.error_messages.is_empty()
    }
}

/// Recovers the command lines typed in a terminal recording of `cols` x `rows`.
pub fn reconstruct(cols: u16, rows: u16, inputs: &[TerminalInput<'_>]) -> Vec<TerminalCommand> {
    let mut machine = Reconstructor::new(cols, rows);
    let mut last_time = 0.0_f64;
    for (index, input) in inputs.iter().enumerate() {
        match *input {
            TerminalInput::Resize { time, cols, rows } => {
                machine.screen.resize(cols, rows);
                last_time = last_time.max(time);
            }
            TerminalInput::Output { time, data } => {
                let next_write = inputs[index + 1..].iter().find_map(|input| match *input {
                    TerminalInput::Output { time, data } if !data.is_empty() => Some((time, data[0])),
                    _ => None,
                });
                machine.process_write(time, data, next_write);
                last_time = last_time.max(time);
            }
        }
    }
    machine.finish(last_time)
}

/// The line being read at a prompt.
struct PromptState {
    /// Where the user's input starts.
    start: AbsolutePosition,
    /// The prompt text left of the input, on the input's row.
    prompt_text: String,
    /// Text right of the cursor when the prompt was drawn (zsh `RPROMPT`).
    right_prompt: String,
    /// Found through bracketed paste (so the accept is the switch-off, not the line feed).
    bracketed: bool,
    /// When the prompt was last drawn to.
    drawn_at: f64,
    /// Input has started arriving, so the input start is fixed.
    typed: bool,
    /// The line as read just before the latest line feed, and when.
    snapshot: Option<(String, f64)>,
}

/// A command accepted and running until the next prompt.
struct Running {
    command: String,
    start: f64,
    output: OutputCapture,
    used_alternate_screen: bool,
    /// The prompt the command was typed at.
    launch_prompt: String,
    /// It starts an interactive program (a shell, REPL or remote login) with its own prompt.
    interactive: bool,
}

/// A non-bracketed accept made during the current write, undone if the shell redraws the
/// same line right after (a completion listing, not an Enter).
struct TentativeAccept {
    prompt_text: String,
    right_prompt: String,
    line: String,
}

struct Reconstructor {
    screen: Screen,
    prompt: Option<PromptState>,
    /// Lines of an unfinished command (waiting for continuation lines), and when it started.
    pending: Option<(String, f64)>,
    running: Option<Running>,
    known_prompts: Vec<String>,
    tentative: Option<TentativeAccept>,
    /// A command whose run a new prompt interrupted; whether it ended or only started a nested
    /// program is decided once that prompt is fully drawn.
    ending: Option<Running>,
    /// Interactive programs still running under the current nested prompt, innermost last.
    outer: Vec<Running>,
    /// Where the cursor rested at the end of the latest write, and since when.
    cursor_rest: Option<(AbsolutePosition, f64)>,
    commands: Vec<TerminalCommand>,
}

impl Reconstructor {
    fn new(cols: u16, rows: u16) -> Self {
        Reconstructor {
            screen: Screen::new(cols, rows),
            prompt: None,
            pending: None,
            running: None,
            known_prompts: Vec::new(),
            tentative: None,
            ending: None,
            outer: Vec::new(),
            cursor_rest: None,
            commands: Vec::new(),
        }
    }

    fn process_write(&mut self, time: f64, data: &[u8], next_write: Option<(f64, u8)>) {
        self.tentative = None;
        if let Some(prompt) = &mut self.prompt
            && is_keystroke_echo(data)
        {
            // One echoed character is typing, however soon after the prompt it came.
            prompt.typed = true;
        }
        let mut prompt_drawn_in_this_write = false;
        for segment in segments::split(data) {
            if segment[0] == b'\n' && !self.screen.alternate_screen() {
                self.before_line_feed(time);
            }
            let was_bracketed = self.screen.bracketed_paste();
            let was_alternate = self.screen.alternate_screen();
            self.screen.process(segment);
            let is_bracketed = self.screen.bracketed_paste();
            let is_alternate = self.screen.alternate_screen();
            if is_alternate && let Some(running) = &mut self.running {
                running.used_alternate_screen = true;
            }
            if !was_alternate && !is_alternate {
                if !was_bracketed && is_bracketed {
                    self.enter_prompt(time, true);
                    prompt_drawn_in_this_write = true;
                    continue;
                }
                if was_bracketed && !is_bracketed {
                    self.accept_bracketed(time);
                }
            }
            if self.prompt.is_none()
                && let Some(running) = &mut self.running
            {
                running.output.push(segment);
            }
        }
        if self.screen.alternate_screen() {
            return;
        }
        self.after_write(time, prompt_drawn_in_this_write, next_write);
        let cursor = self.screen.cursor_absolute();
        if !matches!(self.cursor_rest, Some((position, _)) if position == cursor) {
            self.cursor_rest = Some((cursor, time));
        }
    }

    /// Reads the line before a line feed moves the cursor off it.
    fn before_line_feed(&mut self, time: f64) {
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        let line = read_line(&self.screen, prompt);
        if prompt.bracketed {
            prompt.snapshot = Some((line, time));
            return;
        }
        if let Some(prompt) = self.prompt.take() {
            let prompt_text = prompt.prompt_text.clone();
            let right_prompt = prompt.right_prompt.clone();
            self.accept(prompt, line.clone(), time);
            if self.running.is_some() {
                // Remembered so it can be undone if the shell redraws the same line.
                self.tentative = Some(TentativeAccept { prompt_text, right_prompt, line });
            }
        }
    }

    /// Once the prompt is fully drawn: the command it interrupted has ended — unless it started
    /// an interactive program whose own, different prompt this is; and any outer program whose
    /// prompt this is again has ended too.
    fn settle_prompt(&mut self) {
        let Some(prompt) = &self.prompt else {
            return;
        };
        let prompt_text = prompt.prompt_text.clone();
        let drawn_at = prompt.drawn_at;
        if let Some(running) = self.ending.take() {
            let nested =
                running.interactive && !running.launch_prompt.is_empty() && running.launch_prompt != prompt_text;
            if nested {
                self.outer.push(running);
            } else {
                self.finish_command(running, drawn_at);
            }
        }
        if self.outer.iter().any(|outer| outer.launch_prompt == prompt_text) {
            while let Some(outer) = self.outer.pop() {
                let back_at_its_prompt = outer.launch_prompt == prompt_text;
                self.finish_command(outer, drawn_at);
                if back_at_its_prompt {
                    break;
                }
            }
        }
    }

    fn accept_bracketed(&mut self, time: f64) {
        let Some(prompt) = self.prompt.take() else {
            return;
        };
        if !prompt.bracketed {
            self.prompt = Some(prompt);
            return;
        }
        // The command started at the line feed that ended the line, when there was one.
        let (line, accepted_at) = match &prompt.snapshot {
            Some((line, at)) if time - at <= SNAPSHOT_VALID_SECS => (line.clone(), *at),
            _ => (read_line(&self.screen, &prompt), time),
        };
        self.accept(prompt, line, accepted_at);
    }

    fn enter_prompt(&mut self, time: f64, bracketed: bool) {
        if let Some(running) = self.running.take()
            && let Some(earlier) = self.ending.replace(running)
        {
            self.finish_command(earlier, time);
        }
        let (row, col) = self.screen.cursor();
        let (_, cols) = self.screen.size();
        let start = self.screen.cursor_absolute();
        // zsh draws its prompt before switching bracketed paste on: the prompt appeared when
        // the cursor came to rest where it is now.
        let drawn_at = match self.cursor_rest {
            Some((position, since)) if position == start && time - since <= PROMPT_SETTLE_SECS => since,
            _ => time,
        };
        self.prompt = Some(PromptState {
            start,
            prompt_text: self.screen.row_text(row, 0, col),
            right_prompt: self.screen.row_text(row, col, cols).trim().to_string(),
            bracketed,
            drawn_at,
            typed: false,
            snapshot: None,
        });
    }

    fn after_write(&mut self, time: f64, prompt_drawn_in_this_write: bool, next_write: Option<(f64, u8)>) {
        if let Some(prompt) = &mut self.prompt {
            let (row, col) = self.screen.cursor();
            let (_, cols) = self.screen.size();
            if !prompt.typed && prompt.bracketed {
                if prompt_drawn_in_this_write || time - prompt.drawn_at <= PROMPT_SETTLE_SECS {
                    // Still drawing the prompt: the input starts where the cursor is now.
                    let cursor = self.screen.cursor_absolute();
                    if cursor != prompt.start {
                        prompt.start = cursor;
                        prompt.drawn_at = time;
                    }
                    prompt.prompt_text = self.screen.row_text(row, 0, col);
                    prompt.right_prompt = self.screen.row_text(row, col, cols).trim().to_string();
                } else {
                    prompt.typed = true;
                }
            } else {
                prompt.typed = true;
            }
            relocate_after_redraw(&self.screen, prompt);
            if prompt.typed {
                self.settle_prompt();
            }
            return;
        }
        if let Some(tentative) = self.tentative.take()
            && self.is_redraw_of(&tentative)
        {
            // The "accept" was a completion listing: the shell drew the prompt and line again.
            self.running = None;
            let (row, col) = self.screen.cursor();
            let start_col = col.saturating_sub(display_width(&tentative.line));
            self.prompt = Some(PromptState {
                start: AbsolutePosition { row: u64::from(row) + self.screen.scrolled(), col: start_col },
                prompt_text: tentative.prompt_text,
                right_prompt: tentative.right_prompt,
                bracketed: false,
                drawn_at: time,
                typed: true,
                snapshot: None,
            });
            return;
        }
        self.detect_plain_prompt(time, next_write);
    }

    /// Without bracketed paste: a prompt is prompt-shaped text left of the cursor, followed by
    /// a pause and a typed character.
    fn detect_plain_prompt(&mut self, time: f64, next_write: Option<(f64, u8)>) {
        if self.screen.bracketed_paste() {
            return;
        }
        let Some((next_time, first_byte)) = next_write else {
            return;
        };
        let typed_next = first_byte >= 0x20 && first_byte != 0x7f;
        if next_time - time < TYPING_PAUSE_SECS || !typed_next {
            return;
        }
        let (row, col) = self.screen.cursor();
        if col == 0 {
            return;
        }
        let left = self.screen.row_text(row, 0, col);
        let known = self.known_prompts.iter().any(|known| known == &left);
        if known || prompt::looks_like_prompt(&left) {
            self.enter_prompt(time, false);
        }
    }

    fn is_redraw_of(&self, tentative: &TentativeAccept) -> bool {
        if tentative.line.trim().is_empty() || tentative.prompt_text.is_empty() {
            return false;
        }
        let (row, _) = self.screen.cursor();
        let (_, cols) = self.screen.size();
        let row_text = self.screen.row_text(row, 0, cols);
        row_text.trim_end() == format!("{}{}", tentative.prompt_text, tentative.line).trim_end()
    }

    /// Takes an accepted line: joins continuation lines, drops interrupted ones, starts the
    /// command when it is complete.
    fn accept(&mut self, prompt: PromptState, line: String, time: f64) {
        if self.ending.is_some() {
            self.prompt = Some(prompt);
            self.settle_prompt();
            let Some(prompt) = self.prompt.take() else {
                return;
            };
            return self.accept(prompt, line, time);
        }
        if prompt::ends_with_interrupt(&line) {
            self.pending = None;
            return;
        }
        let is_main_prompt = self.known_prompts.iter().any(|known| known == &prompt.prompt_text);
        if let Some((text, started)) = self.pending.take() {
            if is_main_prompt && prompt.prompt_text.trim() != ">" {
                // The shell was not waiting for a continuation after all: the earlier lines
                // were a command of their own.
                self.push_command(text, started, prompt.drawn_at, String::new(), 0, false, true);
            } else {
                return self.start_or_continue(format!("{text}\n{line}"), started, time, &prompt.prompt_text);
            }
        }
        if line.trim().is_empty() {
            return;
        }
        if !prompt.prompt_text.is_empty() && !is_main_prompt && self.known_prompts.len() < KNOWN_PROMPTS_LIMIT {
            self.known_prompts.push(prompt.prompt_text.clone());
        }
        self.start_or_continue(line, time, time, &prompt.prompt_text)
    }

    fn start_or_continue(&mut self, text: String, started: f64, time: f64, prompt_text: &str) {
        if completeness::is_incomplete(&text) {
            self.pending = Some((text, started));
            return;
        }
        // The prompt of a continuation line is `PS2`; the command belongs to the main prompt.
        let launch_prompt = self.known_prompts.iter().find(|known| *known == prompt_text).cloned().unwrap_or_default();
        self.running = Some(Running {
            interactive: prompt::launches_interactive_program(&text),
            command: text,
            start: time,
            output: OutputCapture::default(),
            used_alternate_screen: false,
            launch_prompt,
        });
    }

    fn finish_command(&mut self, running: Running, end: f64) {
        let mut output = running.output.render();
        trim_trailing_prompt(&mut output, &self.known_prompts);
        let output_bytes = running.output.total_bytes();
        self.push_command(
            running.command,
            running.start,
            end,
            output,
            output_bytes,
            running.used_alternate_screen,
            false,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_command(
        &mut self,
        command: String,
        start: f64,
        end: f64,
        output: String,
        output_bytes: usize,
        used_alternate_screen: bool,
        incomplete: bool,
    ) {
        let error_messages = failure_lines(&output);
        self.commands.push(TerminalCommand {
            command,
            start,
            end: end.max(start),
            output: output.trim_end().to_string(),
            output_bytes,
            error_messages,
            used_alternate_screen,
            incomplete,
        });
    }

    fn finish(mut self, last_time: f64) -> Vec<TerminalCommand> {
        if let Some(prompt) = self.prompt.take()
            && let Some((line, _)) = prompt.snapshot.clone()
        {
            // The recording stopped between the Enter and the shell's acknowledgement.
            self.accept(prompt, line, last_time);
        }
        if let Some(running) = self.running.take() {
            self.finish_command(running, last_time);
        }
        if let Some(running) = self.ending.take() {
            let end = self.prompt.as_ref().map_or(last_time, |prompt| prompt.drawn_at);
            self.finish_command(running, end);
        }
        while let Some(outer) = self.outer.pop() {
            self.finish_command(outer, last_time);
        }
        if let Some((text, started)) = self.pending.take() {
            self.push_command(text, started, last_time, String::new(), 0, false, true);
        }
        // Outer programs finish after the commands nested in them: restore time order.
        self.commands.sort_by(|left, right| left.start.total_cmp(&right.start));
        self.commands
    }
}

/// The user's line at a prompt, as the screen shows it now.
fn read_line(screen: &Screen, prompt: &PromptState) -> String {
    let (row, col) = match screen.visible_row(prompt.start.row) {
        Some(row) => (row, prompt.start.col),
        // The start scrolled off (a line longer than the screen): read what is left.
        None => (0, 0),
    };
    let (_, cols) = screen.size();
    let full_row = screen.row_text(row, 0, cols);
    if let Some(command) = prompt::search_prompt_command(&full_row) {
        return command.trim_end().to_string();
    }
    // Through the cursor's row: a line holding pasted newlines spans hard line breaks.
    let (cursor_row, _) = screen.cursor();
    let text = screen.text_through(row, col, cursor_row);
    match text.split_once('\n') {
        Some((first, rest)) => format!("{}\n{rest}", prompt::strip_right_prompt(first, &prompt.right_prompt)),
        None => prompt::strip_right_prompt(&text, &prompt.right_prompt).to_string(),
    }
}

/// After a redraw (completion listing, Ctrl-L), the prompt may be on another row: follow it.
fn relocate_after_redraw(screen: &Screen, prompt: &mut PromptState) {
    if prompt.prompt_text.is_empty() {
        return;
    }
    let (cursor_row, _) = screen.cursor();
    let line_start = screen.logical_line_start(cursor_row);
    if screen.visible_row(prompt.start.row) == Some(line_start) {
        return;
    }
    if screen.row_text(line_start, 0, prompt.start.col) == prompt.prompt_text {
        prompt.start.row = u64::from(line_start) + screen.scrolled();
    }
}

/// Removes the next prompt from the end of a command's output (it was captured before the
/// prompt could be recognised).
fn trim_trailing_prompt(output: &mut String, known_prompts: &[String]) {
    let trimmed_len = output.trim_end_matches(['\n', ' ']).len();
    let line_start = output[..trimmed_len].rfind('\n').map_or(0, |index| index + 1);
    let last_line = &output[line_start..trimmed_len];
    let is_prompt = known_prompts.iter().any(|known| {
        let known = known.trim_end();
        !known.is_empty() && last_line.ends_with(known)
    });
    if is_prompt {
        let keep = output[..line_start].trim_end_matches('\n').len();
        output.truncate(keep);
    }
}

/// True when a write is the echo of one typed character.
fn is_keystroke_echo(data: &[u8]) -> bool {
    match std::str::from_utf8(data) {
        Ok(text) => {
            let mut chars = text.chars();
            matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_control())
        }
        Err(_) => false,
    }
}

/// Terminal cells a string occupies (wide characters count two).
fn display_width(text: &str) -> u16 {
    text.chars().map(|c| if is_wide(c) { 2u16 } else { 1 }).fold(0u16, |total, width| total.saturating_add(width))
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
}
