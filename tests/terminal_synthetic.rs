//! Terminal reconstruction on hand-built byte streams, for edge cases the real recordings do
//! not cover: shells without bracketed paste, bare `\n` output, zsh right prompts, the old
//! alternate-screen modes, binary garbage, enormous lines, resizes and wide characters. Each
//! case asserts the exact command texts and offsets.

use sightline::analyze::terminal::{TerminalInput, reconstruct};

/// A recording: (seconds, bytes) writes.
fn run(cols: u16, rows: u16, writes: &[(f64, &[u8])]) -> Vec<(String, f64, f64)> {
    let inputs: Vec<TerminalInput<'_>> =
        writes.iter().map(|(time, data)| TerminalInput::Output { time: *time, data }).collect();
    reconstruct(cols, rows, &inputs).into_iter().map(|command| (command.command, command.start, command.end)).collect()
}

fn commands(result: &[(String, f64, f64)]) -> Vec<&str> {
    result.iter().map(|(command, _, _)| command.as_str()).collect()
}

/// Types `text` one character per write starting at `start`, 0.1 s apart.
fn typed(start: f64, text: &'static str) -> Vec<(f64, &'static [u8])> {
    text.as_bytes().chunks(1).enumerate().map(|(index, byte)| (start + 0.1 * index as f64, byte)).collect()
}

#[test]
fn plain_dash_prompt_without_bracketed_paste() {
    let mut writes: Vec<(f64, &[u8])> = vec![(0.0, b"$ ")];
    writes.extend(typed(1.0, "ls"));
    writes.push((2.0, b"\r\n"));
    writes.push((2.01, b"a  b\r\n$ "));
    writes.extend(typed(3.0, "pwd"));
    writes.push((4.0, b"\r\n/root\r\n$ "));
    let result = run(80, 24, &writes);
    assert_eq!(result, vec![("ls".to_string(), 2.0, 2.01), ("pwd".to_string(), 4.0, 4.0)]);
}

#[test]
fn tty_backspace_echo_in_a_shell_without_line_editing() {
    let mut writes: Vec<(f64, &[u8])> = vec![(0.0, b"$ ")];
    writes.extend(typed(1.0, "ecoh"));
    writes.push((1.5, b"\x08 \x08"));
    writes.push((1.6, b"\x08 \x08"));
    writes.extend(typed(1.7, "ho hi"));
    writes.push((3.0, b"\r\nhi\r\n$ "));
    writes.push((4.0, b"e"));
    assert_eq!(commands(&run(80, 24, &writes)), vec!["echo hi"]);
}

#[test]
fn bare_line_feeds_without_carriage_returns() {
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"\x1b[?2004h$ "),
        (1.0, b"cat notes"),
        (2.0, b"\n\x1b[?2004l"),
        (2.01, b"one\ntwo\nthree\n"),
        (2.02, b"\r\x1b[?2004h$ "),
        (3.0, b"exit"),
        (4.0, b"\r\n\x1b[?2004l\r"),
    ];
    let result = run(80, 24, &writes);
    assert_eq!(commands(&result), vec!["cat notes", "exit"]);
    assert_eq!(result[0].1, 2.0);
    assert_eq!(result[0].2, 2.02);
}

#[test]
fn prompt_split_across_writes_is_not_part_of_the_command() {
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"\x1b[?2004h"),
        (0.001, b"\x1b[01;32malice@web\x1b[0m:"),
        (0.002, b"\x1b[01;34m~/src\x1b[0m$ "),
        (1.0, b"make test"),
        (2.0, b"\r\n\x1b[?2004l\rok\r\n"),
        (2.5, b"\x1b[?2004halice@web:~/src$ "),
    ];
    assert_eq!(run(80, 24, &writes), vec![("make test".to_string(), 2.0, 2.5)]);
}

#[test]
fn zsh_right_prompt_is_stripped() {
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"alice@web ~ % \x1b[60C[0]\r\x1b[14C\x1b[?2004h"),
        (1.0, b"ls -la"),
        (2.0, b"\x1b[?2004l\r\r\ntotal 0\r\n"),
        (2.1, b"alice@web ~ % \x1b[60C[0]\r\x1b[14C\x1b[?2004h"),
    ];
    assert_eq!(commands(&run(80, 24, &writes)), vec!["ls -la"]);
}

#[test]
fn old_alternate_screen_modes_yield_one_entry() {
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"\x1b[?2004h$ "),
        (1.0, b"less log"),
        (2.0, b"\r\n\x1b[?2004l\r\x1b[?47h\x1b[H\x1b[2Jline 1\r\n:"),
        (3.0, b"\x1b[?2004h/grep\r\n\x1b[?2004l"),
        (4.0, b"\x1b[?47l\r\x1b[?2004h$ "),
        (5.0, b"w"),
        (6.0, b"\r\n\x1b[?2004l\r"),
    ];
    let result = run(80, 24, &writes);
    assert_eq!(commands(&result), vec!["less log", "w"]);
    assert_eq!((result[0].1, result[0].2), (2.0, 4.0));
}

#[test]
fn binary_garbage_output_does_not_derail_the_next_command() {
    let garbage: Vec<u8> = (0..20_000u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let garbage: &'static [u8] = Box::leak(garbage.into_boxed_slice());
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"\x1b[?2004h$ "),
        (1.0, b"cat blob"),
        (2.0, b"\r\n\x1b[?2004l\r"),
        (2.1, garbage),
        (2.2, b"\x1b[0m\x1bc\x1b[?2004h$ "),
        (3.0, b"echo ok"),
        (4.0, b"\r\n\x1b[?2004l\rok\r\n"),
    ];
    assert_eq!(commands(&run(80, 24, &writes)), vec!["cat blob", "echo ok"]);
}

#[test]
fn a_line_longer_than_the_screen_is_read_from_what_remains() {
    let long_command: &'static str = Box::leak(format!("echo {}", "x".repeat(2_000)).into_boxed_str());
    let writes: Vec<(f64, &[u8])> =
        vec![(0.0, b"\x1b[?2004h$ "), (1.0, long_command.as_bytes()), (2.0, b"\r\n\x1b[?2004l\r")];
    let result = run(40, 10, &writes);
    assert_eq!(result.len(), 1);
    // 2,007 cells need 51 rows of 40: the last 10 (9 full, 7 cells) remain visible.
    assert!(long_command.ends_with(&result[0].0), "{}", result[0].0.len());
    assert_eq!(result[0].0.len(), 9 * 40 + 7);
}

#[test]
fn resize_between_commands_keeps_reading_lines() {
    let inputs = vec![
        TerminalInput::Output { time: 0.0, data: b"\x1b[?2004h$ " },
        TerminalInput::Output { time: 1.0, data: b"uptime" },
        TerminalInput::Output { time: 2.0, data: b"\r\n\x1b[?2004l\r up 1 day\r\n\x1b[?2004h$ " },
        TerminalInput::Resize { time: 2.5, cols: 132, rows: 50 },
        TerminalInput::Output { time: 3.0, data: b"df -h" },
        TerminalInput::Output { time: 4.0, data: b"\r\n\x1b[?2004l\r" },
    ];
    let result: Vec<String> = reconstruct(80, 24, &inputs).into_iter().map(|command| command.command).collect();
    assert_eq!(result, vec!["uptime", "df -h"]);
}

#[test]
fn wide_characters_and_unicode_prompts() {
    let writes: Vec<(f64, &[u8])> =
        vec![(0.0, "\x1b[?2004h~/文档 ❯ ".as_bytes()), (1.0, "echo 你好 🌍".as_bytes()), (2.0, b"\r\n\x1b[?2004l\r")];
    assert_eq!(commands(&run(80, 24, &writes)), vec!["echo 你好 🌍"]);
}

#[test]
fn interrupt_at_a_continuation_prompt_cancels_the_whole_command() {
    let writes: Vec<(f64, &[u8])> = vec![
        (0.0, b"\x1b[?2004h$ "),
        (1.0, b"for i in 1 2"),
        (2.0, b"\r\n\x1b[?2004l\r\x1b[?2004h> "),
        (3.0, b"do rm $i"),
        (4.0, b"^C\r\n\x1b[?2004l\r\x1b[?2004h$ "),
        (5.0, b"id"),
        (6.0, b"\r\n\x1b[?2004l\ruid=0(root)\r\n"),
    ];
    assert_eq!(commands(&run(80, 24, &writes)), vec!["id"]);
}

#[test]
fn progress_bars_are_not_prompts() {
    let mut writes: Vec<(f64, &[u8])> = vec![(0.0, b"$ ")];
    writes.extend(typed(1.0, "wget file"));
    writes.push((2.0, b"\r\n"));
    writes.push((2.1, b"  10% [=>        ]"));
    writes.push((2.5, b"\r  50% [====>    ]"));
    writes.push((3.0, b"\r 100% [=========]\r\nsaved\r\n$ "));
    writes.extend(typed(4.0, "ls"));
    writes.push((5.0, b"\r\nfile\r\n$ "));
    writes.push((6.0, b"x"));
    let result = run(80, 24, &writes);
    assert_eq!(commands(&result), vec!["wget file", "ls"]);
    assert_eq!((result[0].1, result[0].2), (2.0, 3.0));
}

#[test]
fn concealed_text_is_still_read() {
    // `\e[8m` hides text from a person watching playback, not from the screen model.
    let writes: Vec<(f64, &[u8])> =
        vec![(0.0, b"\x1b[?2004h$ \x1b[8m"), (1.0, b"cat /etc/shadow"), (2.0, b"\r\n\x1b[?2004l\r")];
    assert_eq!(commands(&run(80, 24, &writes)), vec!["cat /etc/shadow"]);
}
