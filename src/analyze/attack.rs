//! The MITRE ATT&CK Enterprise technique table (v19.1), shipped in `data/attack/` with MITRE's
//! licence notice and compiled into the binary: validates technique IDs, fills names and
//! tactics, and maps ATT&CK v18 IDs to their v19 successors (the table's crosswalk).
//!
//! ATT&CK® © The MITRE Corporation. Reproduced and distributed with the permission of The
//! MITRE Corporation; see `data/attack/LICENSE-ATTACK.txt`.

use crate::model::ThreatCategory;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE_JSON: &str = include_str!("../../data/attack/enterprise-v19.1.json");

/// One technique or sub-technique.
#[derive(Debug, Clone, Deserialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    /// ATT&CK tactic short names (`credential-access`, `stealth`, ...).
    pub tactics: Vec<String>,
    #[serde(default)]
    pub parent_name: Option<String>,
}

impl Technique {
    /// "Parent: Name" for sub-techniques, the name otherwise.
    pub fn full_name(&self) -> String {
        match &self.parent_name {
            Some(parent) => format!("{parent}: {}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Deserialize)]
struct Crosswalk {
    v18_id: String,
    v19_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Table {
    attack_version: String,
    techniques: Vec<Technique>,
    crosswalk_v18_to_v19: Vec<Crosswalk>,
}

/// The loaded table.
pub struct Attack {
    pub version: String,
    techniques: HashMap<String, Technique>,
    v18_to_v19: HashMap<String, Vec<String>>,
}

/// The table (parsed once).
pub fn table() -> &'static Attack {
    static TABLE: OnceLock<Attack> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is compiled in and tested; failing to parse it is a build defect.
        let table: Table = serde_json::from_str(TABLE_JSON).expect("the bundled ATT&CK table parses (tested)");
        Attack {
            version: table.attack_version.split_whitespace().next().unwrap_or("19.1").to_string(),
            techniques: table.techniques.into_iter().map(|technique| (technique.id.clone(), technique)).collect(),
            v18_to_v19: table.crosswalk_v18_to_v19.into_iter().map(|entry| (entry.v18_id, entry.v19_ids)).collect(),
        }
    })
}

impl Attack {
    /// A technique by its current ID.
    pub fn get(&self, id: &str) -> Option<&Technique> {
        self.techniques.get(id)
    }

    /// The first tactic of a technique (its short name), which findings are filed under.
    pub fn primary_tactic(&self, id: &str) -> Option<&str> {
        self.get(id).and_then(|technique| technique.tactics.first()).map(String::as_str)
    }

    /// Current IDs for an ID: itself when active, its v19 successors when it is a v18 ID that
    /// moved, nothing when unknown (or retired without a successor).
    pub fn current_ids(&self, id: &str) -> Vec<String> {
        if self.techniques.contains_key(id) {
            return vec![id.to_string()];
        }
        self.v18_to_v19.get(id).cloned().unwrap_or_default()
    }

    /// Number of techniques and sub-techniques.
    pub fn len(&self) -> usize {
        self.techniques.len()
    }

    /// True when the table is empty (never, for the bundled table).
    pub fn is_empty(&self) -> bool {
        self.techniques.is_empty()
    }
}

/// Teleport's nearest `ThreatCategory` for an ATT&CK tactic. Teleport has no value for
/// command and control, initial access or resource development: they map to the closest
/// category (remote control of a shell is execution), and the exact tactic is kept on findings.
pub fn threat_category(tactic: &str) -> ThreatCategory {
    match tactic {
        "reconnaissance" | "resource-development" => ThreatCategory::Reconnaissance,
        "execution" | "initial-access" | "command-and-control" => ThreatCategory::Execution,
        "persistence" => ThreatCategory::Persistence,
        "privilege-escalation" => ThreatCategory::PrivilegeEscalation,
        "stealth" | "defense-impairment" | "defense-evasion" => ThreatCategory::DefenseEvasion,
        "credential-access" => ThreatCategory::CredentialAccess,
        "discovery" => ThreatCategory::Discovery,
        "lateral-movement" => ThreatCategory::LateralMovement,
        "collection" => ThreatCategory::Collection,
        "exfiltration" => ThreatCategory::Exfiltration,
        "impact" => ThreatCategory::Impact,
        _ => ThreatCategory::Unspecified,
    }
}

/// Tactic short names in ATT&CK's kill-chain order.
pub const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "stealth",
    "defense-impairment",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_loads_and_maps_v18_ids() {
        let attack = table();
        assert_eq!(attack.version, "19.1");
        assert!(attack.len() > 600);
        assert_eq!(attack.get("T1003.008").unwrap().tactics, vec!["credential-access"]);
        assert_eq!(attack.current_ids("T1059.004"), vec!["T1059.004"]);
        assert_eq!(attack.current_ids("T1562.001"), vec!["T1685"]);
        assert_eq!(attack.current_ids("T1070.002"), vec!["T1685.006"]);
        assert!(attack.current_ids("T9999").is_empty());
    }

    #[test]
    fn every_tactic_has_a_threat_category() {
        for tactic in TACTICS {
            assert_ne!(threat_category(tactic), ThreatCategory::Unspecified, "{tactic}");
        }
    }
}
