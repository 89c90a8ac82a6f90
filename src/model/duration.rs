//! Durations in protobuf JSON form, as Teleport writes `start_offset` / `end_offset`.
//!
//! Protobuf's JSON mapping writes a `google.protobuf.Duration` as seconds with an `s` suffix and
//! "0, 3, 6, or 9 fractional digits" (so 12.5 s is `"12.500s"`, 3 s is `"3s"`). Reading accepts
//! any number of fractional digits, as protobuf parsers do.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// A non-negative duration that (de)serializes as a protobuf-JSON string such as `"12.500s"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtoDuration(pub Duration);

impl ProtoDuration {
    /// A duration from (possibly fractional) seconds; negative or non-finite values become
    /// zero and values too large for a `Duration` saturate (recordings carry untrusted times).
    pub fn from_secs_f64(seconds: f64) -> Self {
        if seconds.is_nan() || seconds <= 0.0 {
            return ProtoDuration(Duration::ZERO);
        }
        ProtoDuration(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX))
    }

    /// A duration from milliseconds.
    pub fn from_millis(millis: u64) -> Self {
        ProtoDuration(Duration::from_millis(millis))
    }

    /// The duration in seconds.
    pub fn as_secs_f64(&self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl fmt::Display for ProtoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        let nanos = self.0.subsec_nanos();
        if nanos == 0 {
            write!(f, "{seconds}s")
        } else if nanos.is_multiple_of(1_000_000) {
            write!(f, "{seconds}.{:03}s", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            write!(f, "{seconds}.{:06}s", nanos / 1_000)
        } else {
            write!(f, "{seconds}.{nanos:09}s")
        }
    }
}

/// Why a string is not a protobuf-JSON duration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid duration {input:?}: expected seconds with an `s` suffix, such as \"12.500s\"")]
pub struct InvalidDuration {
    /// The rejected text.
    pub input: String,
}

impl std::str::FromStr for ProtoDuration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDuration { input: text.to_string() };
        let number = text.strip_suffix('s').ok_or_else(invalid)?;
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (number, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let seconds: u64 = whole.parse().map_err(|_| invalid())?;
        let mut nanos: u32 = 0;
        for (position, digit) in fraction.bytes().enumerate() {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - position as u32);
        }
        Ok(ProtoDuration(Duration::new(seconds, nanos)))
    }
}

impl Serialize for ProtoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProtoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_zero_three_six_or_nine_fraction_digits() {
        let cases = [
            (Duration::from_millis(12_500), "12.500s"),
            (Duration::from_secs(3), "3s"),
            (Duration::ZERO, "0s"),
            (Duration::from_micros(1_000_001), "1.000001s"),
            (Duration::from_nanos(1_000_000_001), "1.000000001s"),
        ];
        for (duration, expected) in cases {
            assert_eq!(ProtoDuration(duration).to_string(), expected);
        }
    }

    #[test]
    fn parses_what_it_writes_and_protobuf_variants() {
        assert_eq!("12.5s".parse::<ProtoDuration>().unwrap().0, Duration::from_millis(12_500));
        assert_eq!("12.500s".parse::<ProtoDuration>().unwrap().0, Duration::from_millis(12_500));
        assert!("12.5".parse::<ProtoDuration>().is_err());
        assert!("-1s".parse::<ProtoDuration>().is_err());
        assert!("s".parse::<ProtoDuration>().is_err());
        assert!("1.0000000001s".parse::<ProtoDuration>().is_err());
    }

    #[test]
    fn hostile_seconds_do_not_panic() {
        assert_eq!(ProtoDuration::from_secs_f64(f64::NAN).0, Duration::ZERO);
        assert_eq!(ProtoDuration::from_secs_f64(-3.0).0, Duration::ZERO);
        assert_eq!(ProtoDuration::from_secs_f64(1e300).0, Duration::MAX);
        assert_eq!(ProtoDuration::from_secs_f64(f64::INFINITY).0, Duration::MAX);
    }

    #[test]
    fn serde_round_trip() {
        let duration = ProtoDuration::from_millis(61_020);
        let json = serde_json::to_string(&duration).unwrap();
        assert_eq!(json, "\"61.020s\"");
        assert_eq!(serde_json::from_str::<ProtoDuration>(&json).unwrap(), duration);
    }
}
