//! The operator-facing files: the docker-compose stack validates against the Compose
//! Specification's JSON schema with every image pinned; the Grafana dashboard queries only
//! metrics Sightline declares; every config file in `config/` loads.

use std::collections::BTreeSet;
use std::path::Path;

fn repository(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn yaml(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(repository(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_norway::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn compose_file_follows_the_compose_specification() {
    let compose = yaml("docker-compose.yml");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repository("tests/fixtures/compose/compose-spec.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&compose).map(|error| format!("{error} at {}", error.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let services = compose["services"].as_object().expect("services");
    for expected in
        ["kafka", "schema-registry", "sightline", "prometheus", "grafana", "litellm", "kafka-connect", "demo-producer"]
    {
        assert!(services.contains_key(expected), "service {expected} missing");
    }
    for (name, service) in services {
        if let Some(image) = service["image"].as_str() {
            let tag = image.rsplit_once(':').map(|(_, tag)| tag).unwrap_or("");
            let built_here = service.get("build").is_some();
            assert!(
                built_here || (!tag.is_empty() && tag != "latest" && !tag.contains('/')),
                "{name}: image {image} is not pinned"
            );
        }
    }
}

#[test]
fn dashboard_queries_only_declared_metrics() {
    let dashboard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repository("config/grafana/dashboards/sightline.json")).unwrap())
            .unwrap();
    let mut expressions = Vec::new();
    collect_expressions(&dashboard, &mut expressions);
    assert!(expressions.len() >= 10, "panels with queries: {}", expressions.len());
    let pattern = regex::Regex::new(r"\b(sightline_[a-z_]+|process_[a-z_]+)").unwrap();
    let declared: BTreeSet<String> = sightline::telemetry::metrics().names().into_iter().collect();
    let mut queried = BTreeSet::new();
    for expression in &expressions {
        for found in pattern.find_iter(expression) {
            let name = found.as_str();
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .fold(name, |name, suffix| name.strip_suffix(suffix).unwrap_or(name));
            queried.insert(base.to_string());
        }
    }
    let missing: Vec<&String> = queried.iter().filter(|name| !declared.contains(*name)).collect();
    assert!(missing.is_empty(), "the dashboard queries metrics nobody exports: {missing:?}; declared: {declared:?}");
    for needed in [
        "sightline_records_consumed_total",
        "sightline_consumer_lag",
        "sightline_open_sessions",
        "sightline_verdicts_total",
    ] {
        assert!(queried.contains(needed), "the dashboard should show {needed}");
    }
}

fn collect_expressions(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("expr", serde_json::Value::String(expression)) => found.push(expression.clone()),
                    _ => collect_expressions(value, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_expressions(item, found)),
        _ => {}
    }
}

#[test]
fn every_config_file_loads() {
    let mut loaded = 0;
    for entry in std::fs::read_dir(repository("config")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "toml") {
            sightline::config::load_file(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            loaded += 1;
        }
    }
    assert!(loaded >= 3, "sightline.toml, sightline.compose.toml and sightline.sinks.toml");
}

#[test]
fn prometheus_config_scrapes_sightline() {
    let config = yaml("config/prometheus/prometheus.yml");
    let text = config.to_string();
    assert!(text.contains("sightline:9898"), "{text}");
}
