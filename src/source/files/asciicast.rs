//! asciicast, the asciinema recording format: a JSON header line, then one JSON array per
//! line. Version 2 events are `[seconds_since_start, code, data]`; version 3 events are
//! `[seconds_since_previous_event, code, data]` with the size under `term`. Output (`"o"`)
//! becomes `print` events, resizes (`"r"`, `"COLSxROWS"`) become `resize` events; input (`"i"`)
//! and markers are not terminal output and are skipped.
//!
//! The session id is the header's `sid` (or `session_id`), else a UUID in its `title` (Teleport's
//! exporter writes the session id there), else the file name without extension.

use super::{file_stem, numbered_lines};
use crate::model::recording::{EventBody, EventMetadata, Print, RecordingEvent};
use crate::model::{Session, SessionKind};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::path::Path;

/// True when a line is an asciicast v2 or v3 header.
pub fn is_header(line: &[u8]) -> bool {
    let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(line) else {
        return false;
    };
    let version = header.get("version").and_then(Value::as_u64);
    matches!(version, Some(2 | 3)) && (header.contains_key("width") || header.contains_key("term"))
}

/// Reads the one session in an asciicast file.
pub fn read(path: &Path, bytes: &[u8], problem: &mut dyn FnMut(usize, String)) -> Vec<Session> {
    let mut lines = numbered_lines(bytes).filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace));
    let Some((_, header_line)) = lines.next() else {
        return Vec::new();
    };
    let header: Value = match serde_json::from_slice(header_line) {
        Ok(header) => header,
        Err(error) => {
            problem(1, format!("invalid asciicast header: {error}"));
            return Vec::new();
        }
    };
    let version = header.get("version").and_then(Value::as_u64).unwrap_or(2);
    let (cols, rows) = if version >= 3 {
        let term = header.get("term");
        (dimension(term.and_then(|term| term.get("cols"))), dimension(term.and_then(|term| term.get("rows"))))
    } else {
        (dimension(header.get("width")), dimension(header.get("height")))
    };
    let started_at =
        header.get("timestamp").and_then(Value::as_i64).and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0));
    let sid = session_id(&header).unwrap_or_else(|| file_stem(path));

    let mut events = vec![RecordingEvent {
        event: "session.start".to_string(),
        code: None,
        time: started_at,
        ei: Some(0),
        sid: Some(sid.clone()),
        metadata: Some(Box::new(EventMetadata {
            size: Some((cols, rows)),
            session_start: started_at,
            ..EventMetadata::default()
        })),
        body: EventBody::SessionStart,
        raw: None,
    }];
    let mut clock = 0.0_f64;
    for (line_number, line) in lines {
        let parsed: Result<(f64, String, String), String> = serde_json::from_slice::<Value>(line)
            .map_err(|error| error.to_string())
            .and_then(|value| parse_event(&value).ok_or_else(|| "expected [time, code, data]".to_string()));
        let (time, code, data) = match parsed {
            Ok(event) => event,
            Err(message) => {
                problem(line_number, format!("invalid asciicast event: {message}"));
                continue;
            }
        };
        clock = if version >= 3 { clock + time.max(0.0) } else { time.max(0.0) };
        let body = match code.as_str() {
            "o" => EventBody::Print(Print {
                data: data.into_bytes(),
                ms: Some(clock * 1000.0),
                offset: None,
                chunk_index: None,
            }),
            "r" => match data.split_once('x').and_then(|(c, r)| Some((c.trim().parse().ok()?, r.trim().parse().ok()?)))
            {
                Some((cols, rows)) if cols > 0 && rows > 0 => EventBody::Resize { cols, rows },
                _ => {
                    problem(line_number, format!("invalid asciicast resize {data:?}"));
                    continue;
                }
            },
            _ => continue,
        };
        let time =
            started_at.and_then(|start| start.checked_add_signed(chrono::Duration::microseconds((clock * 1e6) as i64)));
        let ei = Some(events.len() as i64);
        events.push(RecordingEvent {
            event: if matches!(body, EventBody::Print(_)) { "print" } else { "resize" }.to_string(),
            code: None,
            time,
            ei,
            sid: None,
            metadata: None,
            body,
            raw: None,
        });
    }
    vec![Session::new(sid, Some(SessionKind::Ssh), events)]
}

fn dimension(value: Option<&Value>) -> u16 {
    value.and_then(Value::as_u64).and_then(|value| u16::try_from(value).ok()).filter(|value| *value > 0).unwrap_or(0)
}

fn parse_event(value: &Value) -> Option<(f64, String, String)> {
    let items = value.as_array()?;
    if items.len() < 3 {
        return None;
    }
    let time = items[0].as_f64().filter(|time| time.is_finite())?;
    let code = items[1].as_str()?.to_string();
    let data = items[2].as_str()?.to_string();
    Some((time, code, data))
}

fn session_id(header: &Value) -> Option<String> {
    for key in ["sid", "session_id"] {
        if let Some(sid) = header.get(key).and_then(Value::as_str).filter(|sid| !sid.is_empty()) {
            return Some(sid.to_string());
        }
    }
    header.get("title").and_then(Value::as_str).and_then(find_uuid)
}

/// The first UUID-shaped word (8-4-4-4-12 hex digits) in `text`.
fn find_uuid(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35)).find_map(|start| {
        let candidate = text.get(start..start + 36)?;
        let shaped = candidate.char_indices().all(|(index, c)| match index {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
        shaped.then(|| candidate.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_uuid_in_title() {
        assert_eq!(
            find_uuid("Session 4f1c3a2b-1111-2222-3333-444455556666 by alice").as_deref(),
            Some("4f1c3a2b-1111-2222-3333-444455556666")
        );
        assert_eq!(find_uuid("no id here"), None);
    }

    #[test]
    fn reads_v2_and_v3_timing() {
        let mut problems = Vec::new();
        let v2 = b"{\"version\":2,\"width\":100,\"height\":30}\n[0.5,\"o\",\"a\"]\n[1.25,\"o\",\"b\"]\nnot json\n[2.0,\"r\",\"120x40\"]\n";
        let sessions = read(Path::new("/x/rec-1.cast"), v2, &mut |line, message| problems.push((line, message)));
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].sid, "rec-1");
        assert_eq!(sessions[0].events.len(), 4);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 4);
        let v3 = b"{\"version\":3,\"term\":{\"cols\":80,\"rows\":24}}\n[0.5,\"o\",\"a\"]\n[0.25,\"o\",\"b\"]\n";
        let sessions = read(Path::new("x.cast"), v3, &mut |_, _| {});
        match &sessions[0].events[2].body {
            EventBody::Print(print) => assert_eq!(print.ms, Some(750.0)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
