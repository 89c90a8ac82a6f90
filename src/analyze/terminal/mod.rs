//! Terminal reconstruction: recovers the command lines a user ran from the PTY output of an
//! interactive session, with when each started and ended, what it printed and whether it
//! visibly failed.
//!
//! The output is fed through a real terminal emulator (the `vt100` crate), so line editing,
//! completion, paste, wrapping and redraws are resolved exactly as the user saw them.
//! Guarantees: never panics on any input bytes; memory per session is bounded by the screen
//! size plus a bounded output capture per command; full-screen programs on the alternate
//! screen yield one entry (the command that started them).

mod completeness;
mod output;
mod prompt;
mod reconstruct;
mod screen;
mod segments;

pub use completeness::is_incomplete;
pub use output::{failure_lines, to_plain_text};
pub use reconstruct::{TerminalCommand, TerminalInput, reconstruct};
