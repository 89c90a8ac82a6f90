//! The verdict's enums, mirroring Teleport's `teleport.summarizer.v1` protos.
//!
//! Serialized as the upper-case value name without the proto prefix (`HIGH`, `SUCCESS`,
//! `FILE_OPERATION`), as Teleport's `session.summarized` event writes `risk_level`. Reading also
//! accepts the prefixed protojson names (`RISK_LEVEL_HIGH`) and the proto numbers, so summaries
//! exported from Teleport can be read back.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a proto-mirroring enum with its wire names, numbers and prefix.
macro_rules! proto_enum {
    (
        $(#[$meta:meta])*
        $name:ident, prefix = $prefix:literal, {
            $( $(#[$vmeta:meta])* $variant:ident = $number:literal => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in proto-number order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The upper-case name without prefix, as serialized.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The proto enum number.
            pub fn number(self) -> i32 {
                match self { $($name::$variant => $number),+ }
            }

            /// Parses the bare name, the prefixed protojson name or the number.
            pub fn parse_name(text: &str) -> Option<Self> {
                let bare = text.strip_prefix($prefix).unwrap_or(text);
                $( if bare.eq_ignore_ascii_case($wire) { return Some($name::$variant); } )+
                if let Ok(number) = text.parse::<i32>() {
                    $( if number == $number { return Some($name::$variant); } )+
                }
                None
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let text = match &value {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Number(number) => number.to_string(),
                    other => return Err(serde::de::Error::custom(format!(
                        "expected a {} name, got {other}", stringify!($name)))),
                };
                $name::parse_name(&text).ok_or_else(|| serde::de::Error::custom(format!(
                    "unknown {} value {text:?}", stringify!($name))))
            }
        }
    };
}

proto_enum! {
    /// Overall or per-command risk (`RiskLevel`). Ordered: a higher variant is riskier.
    RiskLevel, prefix = "RISK_LEVEL_", {
        /// Not assessed.
        #[default]
        Unspecified = 0 => "UNSPECIFIED",
        Low = 1 => "LOW",
        Medium = 2 => "MEDIUM",
        High = 3 => "HIGH",
        Critical = 4 => "CRITICAL",
    }
}

proto_enum! {
    /// Where the summary stands (`SummaryState`).
    SummaryState, prefix = "SUMMARY_STATE_", {
        #[default]
        Unspecified = 0 => "UNSPECIFIED",
        Pending = 1 => "PENDING",
        /// A verdict was produced (by rules alone or with a model).
        Success = 2 => "SUCCESS",
        /// The model failed or refused; the verdict carries the rules-only result.
        Error = 3 => "ERROR",
        NoInferencePolicy = 4 => "NO_INFERENCE_POLICY",
        Waiting = 5 => "WAITING",
        InProgress = 6 => "IN_PROGRESS",
        Synthesizing = 7 => "SYNTHESIZING",
    }
}

proto_enum! {
    /// What a command does (`CommandCategory`).
    CommandCategory, prefix = "COMMAND_CATEGORY_", {
        #[default]
        Unspecified = 0 => "UNSPECIFIED",
        FileOperation = 1 => "FILE_OPERATION",
        Network = 2 => "NETWORK",
        Process = 3 => "PROCESS",
        SystemConfig = 4 => "SYSTEM_CONFIG",
        DataAccess = 5 => "DATA_ACCESS",
        Authentication = 6 => "AUTHENTICATION",
        Other = 7 => "OTHER",
        PackageManagement = 8 => "PACKAGE_MANAGEMENT",
        Container = 9 => "CONTAINER",
        SourceControl = 10 => "SOURCE_CONTROL",
        Scheduling = 11 => "SCHEDULING",
        Monitoring = 12 => "MONITORING",
        UserManagement = 13 => "USER_MANAGEMENT",
        Transfer = 14 => "TRANSFER",
        Development = 15 => "DEVELOPMENT",
    }
}

proto_enum! {
    /// The ATT&CK tactic a finding belongs to (`ThreatCategory`). Teleport has no value for
    /// Initial Access, Resource Development or Command and Control.
    ThreatCategory, prefix = "THREAT_CATEGORY_", {
        #[default]
        Unspecified = 0 => "UNSPECIFIED",
        Reconnaissance = 1 => "RECONNAISSANCE",
        Execution = 2 => "EXECUTION",
        Persistence = 3 => "PERSISTENCE",
        PrivilegeEscalation = 4 => "PRIVILEGE_ESCALATION",
        DefenseEvasion = 5 => "DEFENSE_EVASION",
        CredentialAccess = 6 => "CREDENTIAL_ACCESS",
        Discovery = 7 => "DISCOVERY",
        LateralMovement = 8 => "LATERAL_MOVEMENT",
        Collection = 9 => "COLLECTION",
        Exfiltration = 10 => "EXFILTRATION",
        Impact = 11 => "IMPACT",
        None = 12 => "NONE",
    }
}

proto_enum! {
    /// Why a session needs a human look (`NeedsReviewReason`).
    NeedsReviewReason, prefix = "NEEDS_REVIEW_REASON_", {
        #[default]
        Unspecified = 0 => "UNSPECIFIED",
        /// The session was larger than the analysis limit and was judged on what fit.
        TooLarge = 1 => "TOO_LARGE",
        CommandAnalysisFailed = 2 => "COMMAND_ANALYSIS_FAILED",
        FailedToFetchAccessRequest = 3 => "FAILED_TO_FETCH_ACCESS_REQUEST",
        AccessRequestResourceMismatch = 4 => "ACCESS_REQUEST_RESOURCE_MISMATCH",
        /// Output was missing (lost chunks, no end event) or truncated.
        OutputNotFullyCaptured = 5 => "OUTPUT_NOT_FULLY_CAPTURED",
        ClassifierMatched = 6 => "CLASSIFIER_MATCHED",
        /// Sightline: the model's risk was more than one level from the rules' floor.
        ModelDisagreement = 100 => "MODEL_DISAGREEMENT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_bare_upper_case_names() {
        assert_eq!(serde_json::to_string(&RiskLevel::High).unwrap(), "\"HIGH\"");
        assert_eq!(serde_json::to_string(&SummaryState::Success).unwrap(), "\"SUCCESS\"");
        assert_eq!(serde_json::to_string(&CommandCategory::FileOperation).unwrap(), "\"FILE_OPERATION\"");
    }

    #[test]
    fn reads_bare_prefixed_and_numeric_names() {
        for text in ["\"HIGH\"", "\"RISK_LEVEL_HIGH\"", "3", "\"high\""] {
            assert_eq!(serde_json::from_str::<RiskLevel>(text).unwrap(), RiskLevel::High);
        }
        assert!(serde_json::from_str::<RiskLevel>("\"SEVERE\"").is_err());
    }

    #[test]
    fn risk_levels_are_ordered_by_severity() {
        assert!(RiskLevel::Critical > RiskLevel::High);
        assert!(RiskLevel::Low > RiskLevel::Unspecified);
        assert_eq!(RiskLevel::ALL.len(), 5);
    }
}
