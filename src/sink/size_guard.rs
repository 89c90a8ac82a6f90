//! Size guard: an output record over the limit is trimmed in a documented order, never
//! dropped — Kafka (`message.max.bytes`, 1 MB by default), Splunk HEC and Datadog all reject
//! oversized events, and a rejected verdict would stop its partition.
//!
//! Order, until the record fits:
//! 1. command output text (`output` fields of timeline entries), longest first, halved each
//!    round, with a cut marker;
//! 2. long prose (`detailed_description`, `content`), cut to 2 KiB with the marker;
//! 3. timeline entries (`session_events`, OCSF `evidences`), lowest risk first.
//!
//! The caller records what was trimmed in a header (`sightline.trimmed`), so the record itself
//! keeps its schema.

use serde_json::Value;

/// Appended where text was cut.
pub const CUT_MARKER: &str = "…[trimmed by sightline: record size limit]";

/// What the guard did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Trimmed {
    /// Output texts shortened.
    pub outputs: usize,
    /// Prose fields shortened.
    pub prose: usize,
    /// Timeline entries / evidences removed.
    pub entries: usize,
    /// Size before and after, in bytes of JSON.
    pub before: usize,
    pub after: usize,
}

impl Trimmed {
    /// Whether anything was cut.
    pub fn any(&self) -> bool {
        self.outputs + self.prose + self.entries > 0
    }

    /// The `sightline.trimmed` header value.
    pub fn header(&self) -> String {
        format!(
            "outputs={},prose={},entries={},bytes={}->{}",
            self.outputs, self.prose, self.entries, self.before, self.after
        )
    }
}

fn size(value: &Value) -> usize {
    serde_json::to_vec(value).map(|bytes| bytes.len()).unwrap_or(usize::MAX)
}

/// Mutable references to every string under a key in `keys`, anywhere in the tree.
fn strings_under<'a>(value: &'a mut Value, keys: &[&str], found: &mut Vec<&'a mut String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if keys.contains(&key.as_str()) && child.is_string() {
                    if let Value::String(text) = child {
                        found.push(text);
                    }
                } else {
                    strings_under(child, keys, found);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| strings_under(item, keys, found)),
        _ => {}
    }
}

/// Every array under a key in `keys`, anywhere in the tree.
fn arrays_under<'a>(value: &'a mut Value, keys: &[&str], found: &mut Vec<&'a mut Vec<Value>>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if keys.contains(&key.as_str()) && child.is_array() {
                    if let Value::Array(items) = child {
                        found.push(items);
                    }
                } else {
                    arrays_under(child, keys, found);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| arrays_under(item, keys, found)),
        _ => {}
    }
}

fn cut(text: &mut String, keep: usize) {
    if text.len() <= keep {
        return;
    }
    let mut boundary = keep;
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    text.truncate(boundary);
    text.push_str(CUT_MARKER);
}

/// How risky a timeline entry or evidence is (for choosing what to drop first).
fn risk_rank(entry: &Value) -> u8 {
    let level = entry.get("risk_level").or_else(|| entry.get("data").and_then(|data| data.get("risk_level")));
    match level.and_then(Value::as_str) {
        Some("CRITICAL") => 4,
        Some("HIGH") => 3,
        Some("MEDIUM") => 2,
        Some("LOW") => 1,
        _ => 0,
    }
}

/// Trims `value` until its JSON is at most `max_bytes` (or nothing more can be cut).
pub fn fit(value: &mut Value, max_bytes: usize) -> Trimmed {
    let before = size(value);
    let mut trimmed = Trimmed { before, after: before, ..Trimmed::default() };
    if before <= max_bytes {
        return trimmed;
    }
    // 1. Output text, longest first, halving.
    loop {
        if size(value) <= max_bytes {
            break;
        }
        let mut outputs = Vec::new();
        strings_under(value, &["output"], &mut outputs);
        let Some(longest) =
            outputs.into_iter().filter(|text| text.len() > CUT_MARKER.len() * 2).max_by_key(|text| text.len())
        else {
            break;
        };
        let keep = longest.len() / 2;
        if !longest.ends_with(CUT_MARKER) {
            trimmed.outputs += 1;
        }
        let without_marker = longest.strip_suffix(CUT_MARKER).map(str::to_string);
        if let Some(text) = without_marker {
            *longest = text;
        }
        cut(longest, keep);
    }
    // 2. Long prose.
    if size(value) > max_bytes {
        let mut prose = Vec::new();
        strings_under(value, &["detailed_description", "content"], &mut prose);
        for text in prose {
            if text.len() > 2048 {
                cut(text, 2048);
                trimmed.prose += 1;
            }
        }
    }
    // 3. Entries, lowest risk first (the last of equals first).
    while size(value) > max_bytes {
        let mut arrays = Vec::new();
        arrays_under(value, &["session_events", "evidences"], &mut arrays);
        let Some(array) = arrays.into_iter().filter(|array| !array.is_empty()).max_by_key(|array| array.len()) else {
            break;
        };
        let lowest = array
            .iter()
            .enumerate()
            .min_by_key(|(index, entry)| (risk_rank(entry), std::cmp::Reverse(*index)))
            .map(|(index, _)| index);
        if let Some(index) = lowest {
            array.remove(index);
            trimmed.entries += 1;
        }
    }
    trimmed.after = size(value);
    trimmed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verdict(outputs: usize, output_len: usize) -> Value {
        let entries: Vec<Value> = (0..outputs)
            .map(|index| {
                json!({"risk_level": if index == 0 { "HIGH" } else { "LOW" }, "output": "x".repeat(output_len), "command_event_details": {"command": format!("cmd{index}")}})
            })
            .collect();
        json!({"session_id": "s", "enhanced_summary": {"detailed_description": "d".repeat(5000), "session_events": entries}})
    }

    #[test]
    fn a_record_within_the_limit_is_untouched() {
        let mut value = verdict(2, 10);
        let original = value.clone();
        assert!(!fit(&mut value, 1 << 20).any());
        assert_eq!(value, original);
    }

    #[test]
    fn output_is_cut_before_anything_else() {
        let mut value = verdict(4, 100_000);
        let trimmed = fit(&mut value, 100_000);
        assert!(trimmed.after <= 100_000, "{trimmed:?}");
        assert_eq!(trimmed.entries, 0, "entries kept while output could be cut");
        assert_eq!(trimmed.prose, 0);
        assert_eq!(value["enhanced_summary"]["session_events"].as_array().unwrap().len(), 4);
        assert!(value["enhanced_summary"]["session_events"][0]["output"].as_str().unwrap().ends_with(CUT_MARKER));
    }

    #[test]
    fn entries_go_lowest_risk_first_when_cutting_text_is_not_enough() {
        let mut value = verdict(400, 10);
        let trimmed = fit(&mut value, 4_000);
        assert!(trimmed.after <= 4_000, "{trimmed:?}");
        assert!(trimmed.prose == 1 && trimmed.entries > 0);
        let entries = value["enhanced_summary"]["session_events"].as_array().unwrap();
        assert_eq!(entries[0]["risk_level"], "HIGH", "the risky entry stays");
        assert!(trimmed.header().starts_with("outputs=0,prose=1,entries="));
    }

    #[test]
    fn multibyte_text_is_cut_on_a_character_boundary() {
        let mut value = json!({"session_events": [{"output": "é".repeat(50_000)}]});
        let trimmed = fit(&mut value, 10_000);
        assert!(trimmed.after <= 10_000);
        assert!(value["session_events"][0]["output"].as_str().unwrap().ends_with(CUT_MARKER));
    }
}
