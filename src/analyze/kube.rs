//! Understanding Kubernetes API requests (`kube.request` events): verb, resource, namespace,
//! name and subresource from the request path, for rules.

/// What a Kubernetes request does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeView {
    /// Lower-case verb as recorded (`get`, `list`, `create`, `delete`, `patch`, ...).
    pub verb: String,
    /// The resource, with its subresource when there is one (`secrets`, `pods/exec`).
    pub resource: String,
    pub namespace: String,
    pub name: String,
    /// The API group (`""` for the core group).
    pub group: String,
}

/// Understands `VERB /api/...` (the timeline text of a `kube.request`).
pub fn understand_request(text: &str) -> Option<KubeView> {
    let (verb, path) = text.split_once(' ')?;
    if !path.starts_with("/api") {
        return None;
    }
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match parts.first() {
        Some(&"api") => (String::new(), parts.get(2..).unwrap_or(&[])),
        Some(&"apis") => (parts.get(1).copied().unwrap_or("").to_string(), parts.get(3..).unwrap_or(&[])),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", namespace, rest @ ..] if !rest.is_empty() => (namespace.to_string(), rest),
        _ => (String::new(), rest),
    };
    let resource = rest.first().copied().unwrap_or("").to_string();
    let name = rest.get(1).copied().unwrap_or("").to_string();
    let resource = match rest.get(2) {
        Some(subresource) => format!("{resource}/{subresource}"),
        None => resource,
    };
    Some(KubeView { verb: verb.to_ascii_lowercase(), resource, namespace, name, group })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_core_and_group_paths() {
        let view = understand_request("GET /api/v1/namespaces/payments/secrets/db-credentials").unwrap();
        assert_eq!(
            (view.verb.as_str(), view.resource.as_str(), view.namespace.as_str(), view.name.as_str()),
            ("get", "secrets", "payments", "db-credentials")
        );
        let view = understand_request("CREATE /api/v1/namespaces/default/pods/web-1/exec?command=sh").unwrap();
        assert_eq!(view.resource, "pods/exec");
        let view = understand_request("LIST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings").unwrap();
        assert_eq!((view.group.as_str(), view.resource.as_str()), ("rbac.authorization.k8s.io", "clusterrolebindings"));
        assert!(understand_request("ls -la").is_none());
    }
}
