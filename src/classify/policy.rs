//! Choosing a model for a session: policies in name order, the first whose kinds include the
//! session's kind and whose CEL filter (`cel-interpreter`) is true wins; none → rules only.
//!
//! Variables the filter sees:
//! - `user`: `name`, `login`, `roles` (list; empty when the recording does not say);
//! - `resource`: `kind` (`ssh`, `k8s`, `db`), `name` (host, cluster or database service),
//!   `labels` (map), `cluster`, `namespace`, `pod`, `database`, `protocol`;
//! - `session`: `id`, `kind`, `interactive`, `duration_secs`, `bytes`.
//!
//! e.g. `resource.labels["env"] == "prod" && "contractors" in user.roles`. A filter that fails
//! to evaluate (a missing label, a type error) does not match, and says so in the log.

use super::config::InferenceConfig;
use crate::model::{Session, SessionKind, Verdict};
use cel_interpreter::{Context, Program, Value};
use serde_json::json;

/// Compiles a filter, or says why it does not parse. (The parser behind `cel-interpreter`
/// can panic on some malformed input instead of returning an error; that is caught here so a
/// bad filter is a config error, not a crash.)
pub fn compile(filter: &str) -> Result<Program, String> {
    let filter = filter.to_string();
    let quiet = QuietPanics::new();
    let result = std::panic::catch_unwind(move || Program::compile(&filter));
    drop(quiet);
    match result {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(error)) => Err(format!("not a valid CEL expression: {error}")),
        Err(_) => Err("not a valid CEL expression (the parser gave up on it)".to_string()),
    }
}

/// Silences the panic hook while a caught panic may happen, so a bad filter prints one clear
/// error instead of a backtrace.
struct QuietPanics {
    previous: Option<PanicHook>,
}

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

impl QuietPanics {
    fn new() -> Self {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        QuietPanics { previous: Some(previous) }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            std::panic::set_hook(previous);
        }
    }
}

/// The variables a filter sees, for a judged session.
pub fn variables(verdict: &Verdict, session_bytes: usize) -> serde_json::Value {
    let metadata = &verdict.session_metadata;
    let name = match verdict.kind {
        SessionKind::Ssh => &metadata.server_hostname,
        SessionKind::K8s => &metadata.kubernetes_cluster,
        SessionKind::Db => &metadata.db_service,
    };
    json!({
        "user": {"name": metadata.user, "login": metadata.login, "roles": Vec::<String>::new()},
        "resource": {
            "kind": verdict.kind.as_str(),
            "name": name,
            "labels": metadata.server_labels,
            "cluster": metadata.cluster_name,
            "namespace": metadata.kubernetes_pod_namespace,
            "pod": metadata.kubernetes_pod_name,
            "database": metadata.db_name,
            "protocol": metadata.db_protocol,
        },
        "session": {
            "id": verdict.session_id,
            "kind": verdict.kind.as_str(),
            "interactive": metadata.interactive.unwrap_or(true),
            "duration_secs": verdict.total_duration.as_secs_f64(),
            "bytes": session_bytes as u64,
        },
    })
}

/// The policies, compiled.
pub struct Policies {
    compiled: Vec<(String, Vec<SessionKind>, Option<Program>, String)>,
}

impl Policies {
    /// Compiles every policy (the config was validated, so filters parse).
    pub fn new(config: &InferenceConfig) -> Result<Self, String> {
        let mut compiled = Vec::new();
        for (name, policy) in &config.policies {
            let program =
                policy.filter.as_deref().map(compile).transpose().map_err(|error| format!("{name}: {error}"))?;
            compiled.push((name.clone(), policy.kinds.clone(), program, policy.model.clone()));
        }
        Ok(Policies { compiled })
    }

    /// Whether any policy exists (summarization is off otherwise).
    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// The (policy, model) names for a session, or `None` for rules only.
    pub fn choose(&self, verdict: &Verdict, session: Option<&Session>) -> Option<(String, String)> {
        let bytes = session.map(Session::output_bytes).unwrap_or(0);
        let variables = variables(verdict, bytes);
        for (name, kinds, program, model) in &self.compiled {
            if !kinds.contains(&verdict.kind) {
                continue;
            }
            let matched = match program {
                None => true,
                Some(program) => match evaluate(program, &variables) {
                    Ok(matched) => matched,
                    Err(error) => {
                        tracing::debug!(policy = %name, %error, "policy filter did not evaluate; no match");
                        false
                    }
                },
            };
            if matched {
                return Some((name.clone(), model.clone()));
            }
        }
        None
    }
}

fn evaluate(program: &Program, variables: &serde_json::Value) -> Result<bool, String> {
    let mut context = Context::default();
    for key in ["user", "resource", "session"] {
        context.add_variable(key, &variables[key]).map_err(|error| error.to_string())?;
    }
    let executed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.execute(&context)))
        .map_err(|_| "the filter's evaluation failed".to_string())?;
    match executed.map_err(|error| error.to_string())? {
        Value::Bool(matched) => Ok(matched),
        other => Err(format!("the filter gave {other:?}, not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(file: &str) -> Verdict {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions").join(file);
        let session = crate::source::files::read_file(&path).sessions.remove(0);
        crate::verdict::judge_session(&session, &crate::analyze::detect::RuleDetector::new(&[]).unwrap())
    }

    fn policies(text: &str) -> Policies {
        let config: InferenceConfig = toml::from_str(text).unwrap();
        config.validate().unwrap();
        Policies::new(&config).unwrap()
    }

    const MODELS: &str = "[models.big]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\n[models.small]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\n";

    #[test]
    fn first_matching_policy_in_name_order_wins() {
        let text = format!(
            "{MODELS}[policies.a-prod]\nkinds = [\"ssh\"]\nfilter = 'resource.labels[\"env\"] == \"prod\" && session.duration_secs > 1.0'\nmodel = \"big\"\n\
             [policies.b-contractors]\nfilter = '\"contractors\" in user.roles'\nmodel = \"big\"\n\
             [policies.c-databases]\nkinds = [\"db\"]\nmodel = \"small\"\n"
        );
        let policies = policies(&text);
        let mut ssh = verdict("ssh-deploy-web01.jsonl");
        assert_eq!(ssh.session_metadata.server_labels.get("env").map(String::as_str), Some("prod"));
        assert_eq!(policies.choose(&ssh, None), Some(("a-prod".into(), "big".into())));
        ssh.session_metadata.server_labels.insert("env".into(), "staging".into());
        assert_eq!(policies.choose(&ssh, None), None, "not prod, no contractor role, not a database");
        let db = verdict("db-postgres-billing.jsonl");
        assert_eq!(policies.choose(&db, None), Some(("c-databases".into(), "small".into())));
    }

    #[test]
    fn a_filter_that_does_not_parse_is_named_at_load() {
        let text = format!("{MODELS}[policies.broken]\nfilter = 'resource.labels[\"env\" =='\nmodel = \"big\"\n");
        let config: InferenceConfig = toml::from_str(&text).unwrap();
        let (key, message) = config.validate().unwrap_err();
        assert_eq!(key, "inference.policies.broken.filter");
        assert!(message.contains("CEL"), "{message}");
    }

    #[test]
    fn no_policy_means_no_summaries() {
        assert!(policies(MODELS).is_empty());
    }
}
