//! Session kinds, with the names Teleport uses in inference policies and summaries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of interactive session a recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// An SSH terminal session (also used for unknown terminal sessions).
    Ssh,
    /// A Kubernetes session: `kubectl exec` into a pod, or kube API requests.
    K8s,
    /// A database session (`db.session.*` events).
    Db,
}

impl SessionKind {
    /// The lowercase name Teleport uses (`ssh`, `k8s`, `db`).
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Ssh => "ssh",
            SessionKind::K8s => "k8s",
            SessionKind::Db => "db",
        }
    }
}

impl fmt::Display for SessionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a session kind name that is not `ssh`, `k8s` or `db`.
#[derive(Debug, thiserror::Error)]
#[error("unknown session kind {0:?}: expected ssh, k8s or db")]
pub struct UnknownSessionKind(pub String);

impl FromStr for SessionKind {
    type Err = UnknownSessionKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "ssh" => Ok(SessionKind::Ssh),
            "k8s" | "kube" | "kubernetes" => Ok(SessionKind::K8s),
            "db" | "database" => Ok(SessionKind::Db),
            other => Err(UnknownSessionKind(other.to_string())),
        }
    }
}
