//! Fuzzes the asciicast reader: any bytes must be read (or reported) without a panic, and every
//! session it yields must analyse without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sightline::analyze::timeline::build_timeline;
use sightline::source::files::asciicast;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let mut problems = 0usize;
    let sessions = asciicast::read(Path::new("fuzz-input"), data, &mut |_, _| problems += 1);
    for session in &sessions {
        let _ = build_timeline(session);
    }
});
