//! Lenient field decoders for Teleport events: versions differ in whether numbers are written
//! as strings and lists as `null`, so a field of an unexpected type reads as absent instead of
//! failing the whole event.
//!
//! Scalar fields are read through [`Loose`], which takes whatever JSON value is there without
//! building a `serde_json::Value` (nested arrays and objects are skipped, not allocated): these
//! decoders run for every field of every event, on the consumer's thread and again in the
//! analysis workers.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// Any JSON value, with only scalars kept; a string without escapes is borrowed from the input.
enum Loose<'de> {
    Text(Cow<'de, str>),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
    /// `null`, an array or an object.
    Other,
}

impl<'de> Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Loose<'de>, E> {
        Ok(Loose::Bool(value))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Loose<'de>, E> {
        Ok(Loose::Signed(value))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Loose<'de>, E> {
        Ok(Loose::Unsigned(value))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Loose<'de>, E> {
        Ok(Loose::Float(value))
    }
    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Loose<'de>, E> {
        Ok(Loose::Text(Cow::Borrowed(value)))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Loose<'de>, E> {
        Ok(Loose::Text(Cow::Owned(value.to_owned())))
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<Loose<'de>, E> {
        Ok(Loose::Text(Cow::Owned(value)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Loose<'de>, D::Error> {
        Loose::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
}

/// A string, or a number/bool written where a string was expected; `null` and others are absent.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Loose::deserialize(deserializer)?.into_text().map(Cow::into_owned))
}

/// As [`lenient_string`], but borrowed from the input when the string has no escapes (a
/// `print` event's base64 `data`, the bulk of a recording, is then never copied).
pub(crate) fn lenient_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(Loose::deserialize(deserializer)?.into_text())
}

impl<'de> Loose<'de> {
    fn into_text(self) -> Option<Cow<'de, str>> {
        match self {
            Loose::Text(text) => Some(text),
            Loose::Signed(number) => Some(number.to_string().into()),
            Loose::Unsigned(number) => Some(number.to_string().into()),
            // As `serde_json` prints a float (`1.0`, `1e100`).
            Loose::Float(number) => serde_json::Number::from_f64(number).map(|number| number.to_string().into()),
            Loose::Bool(flag) => Some(flag.to_string().into()),
            Loose::Other => None,
        }
    }
}

/// An integer, or a string holding one; anything else is absent.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(match Loose::deserialize(deserializer)? {
        Loose::Signed(number) => Some(number),
        Loose::Unsigned(number) => Some(i64::try_from(number).unwrap_or(number as f64 as i64)),
        Loose::Float(number) => Some(number as i64),
        Loose::Text(text) => text.trim().parse().ok(),
        Loose::Bool(_) | Loose::Other => None,
    })
}

/// A number, or a string holding one; anything else (and non-finite values) is absent.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let number = match Loose::deserialize(deserializer)? {
        Loose::Signed(number) => Some(number as f64),
        Loose::Unsigned(number) => Some(number as f64),
        Loose::Float(number) => Some(number),
        Loose::Text(text) => text.trim().parse().ok(),
        Loose::Bool(_) | Loose::Other => None,
    };
    Ok(number.filter(|number| number.is_finite()))
}

/// A bool, or `"true"`/`"false"`; anything else is absent.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match Loose::deserialize(deserializer)? {
        Loose::Bool(flag) => Some(flag),
        Loose::Text(text) => text.parse().ok(),
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
