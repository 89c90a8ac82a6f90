//! Lenient field decoders for Teleport events: versions differ in whether numbers are written
//! as strings and lists as `null`, so a field of an unexpected type reads as absent instead of
//! failing the whole event.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A string, or a number/bool written where a string was expected; `null` and others are absent.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    })
}

/// An integer, or a string holding one; anything else is absent.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(number) => number.as_i64().or_else(|| number.as_f64().map(|float| float as i64)),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// A number, or a string holding one; anything else (and non-finite values) is absent.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let number = match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    Ok(number.filter(|number| number.is_finite()))
}

/// A bool, or `"true"`/`"false"`; anything else is absent.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(flag) => Some(flag),
        serde_json::Value::String(text) => text.parse().ok(),
        _ => None,
    })
}

/// A list of strings (non-strings converted), a single string, or nothing (`null`).
pub(crate) fn lenient_strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                serde_json::Value::String(text) => Some(text),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        serde_json::Value::String(text) => vec![text],
        _ => Vec::new(),
    })
}

/// A map of string values; non-object input is empty.
pub(crate) fn lenient_string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(key, value)| match value {
                serde_json::Value::String(text) => (key, text),
                other => (key, other.to_string()),
            })
            .collect(),
        _ => BTreeMap::new(),
    })
}
