//! Fuzzes terminal reconstruction: the input is split into writes at 0xFF bytes (with
//! increasing times), the first two bytes pick the screen size. No input may panic, and every
//! command must start no later than it ends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sightline::analyze::terminal::{TerminalInput, reconstruct};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let cols = u16::from(data[0]) + 1;
    let rows = u16::from(data[1] % 64) + 1;
    let inputs: Vec<TerminalInput<'_>> = data[2..]
        .split(|byte| *byte == 0xff)
        .enumerate()
        .map(|(index, chunk)| TerminalInput::Output { time: index as f64 * 0.04, data: chunk })
        .collect();
    for command in reconstruct(cols, rows, &inputs) {
        assert!(command.start <= command.end);
    }
});
