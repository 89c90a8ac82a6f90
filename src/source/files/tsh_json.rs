//! Teleport's `tsh play --format json` output: one JSON array of event objects (compact or
//! pretty-printed), with `print` events carrying their bytes in `data`.
//!
//! Elements are found by scanning for balanced braces outside strings, so a malformed element
//! is reported with the line it starts on and skipped while the others are still read — a
//! whole-array parse would lose everything to one bad byte.

use super::file_stem;
use crate::model::{RecordingEvent, Session};
use std::collections::HashMap;
use std::path::Path;

/// Reads the sessions in a JSON array of events.
pub fn read(path: &Path, bytes: &[u8], problem: &mut dyn FnMut(usize, String)) -> Vec<Session> {
    let mut order: Vec<String> = Vec::new();
    let mut by_sid: HashMap<String, Vec<RecordingEvent>> = HashMap::new();
    let mut current: Option<String> = None;
    let mut elements = Elements::new(bytes);
    while let Some(element) = elements.next_element() {
        match element {
            Element::Object { line, bytes } => match RecordingEvent::from_json_slice(bytes) {
                Ok(event) => {
                    let sid = event.sid.clone().or_else(|| current.clone()).unwrap_or_else(|| file_stem(path));
                    if !by_sid.contains_key(&sid) {
                        order.push(sid.clone());
                    }
                    by_sid.entry(sid.clone()).or_default().push(event);
                    current = Some(sid);
                }
                Err(error) => problem(line, format!("invalid event: {error}")),
            },
            Element::Garbage { line, what } => problem(line, what),
        }
    }
    if !elements.closed {
        problem(elements.line, "the array is not closed: the file may be truncated".to_string());
    }
    order
        .into_iter()
        .filter_map(|sid| {
            let mut events = by_sid.remove(&sid)?;
            if events.iter().all(|event| event.ei.is_some()) {
                events.sort_by_key(|event| event.ei);
            }
            Some(Session::new(sid, None, events))
        })
        .collect()
}

enum Element<'a> {
    Object { line: usize, bytes: &'a [u8] },
    Garbage { line: usize, what: String },
}

struct Elements<'a> {
    bytes: &'a [u8],
    position: usize,
    line: usize,
    opened: bool,
    closed: bool,
}

impl<'a> Elements<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Elements { bytes, position: 0, line: 1, opened: false, closed: false }
    }

    fn advance(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.position)?;
        self.position += 1;
        if byte == b'\n' {
            self.line += 1;
        }
        Some(byte)
    }

    fn next_element(&mut self) -> Option<Element<'a>> {
        loop {
            let start = self.position;
            let line = self.line;
            let byte = self.advance()?;
            match byte {
                b'[' if !self.opened => self.opened = true,
                b']' if self.opened => {
                    self.closed = true;
                    // Anything but whitespace after the array is reported once.
                    let rest = &self.bytes[self.position..];
                    if rest.iter().any(|byte| !byte.is_ascii_whitespace()) {
                        let line = self.line;
                        self.position = self.bytes.len();
                        return Some(Element::Garbage { line, what: "unexpected content after the array".to_string() });
                    }
                    return None;
                }
                b',' | b' ' | b'\t' | b'\r' | b'\n' => {}
                b'{' => return Some(self.object(start, line)),
                _ => {
                    // Skip to the next element boundary.
                    while let Some(&next) = self.bytes.get(self.position) {
                        if matches!(next, b',' | b'{' | b']') {
                            break;
                        }
                        self.advance();
                    }
                    return Some(Element::Garbage { line, what: "expected an event object".to_string() });
                }
            }
        }
    }

    fn object(&mut self, start: usize, line: usize) -> Element<'a> {
        let mut depth = 1usize;
        let mut in_string = false;
        while let Some(byte) = self.advance() {
            if in_string {
                match byte {
                    b'\\' => {
                        self.advance();
                    }
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Element::Object { line, bytes: &self.bytes[start..self.position] };
                    }
                }
                _ => {}
            }
        }
        Element::Garbage { line, what: "event object is not closed: the file may be truncated".to_string() }
    }
}
