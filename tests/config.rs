//! The configuration as users meet it: the example `config/sightline.toml` loads (so it never
//! rots), and `sightline check-config` rejects bad files with a message naming the key.

use std::path::Path;
use std::process::Command;

fn repository(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_example_config_loads() {
    let config = sightline::config::load_file(&repository("config/sightline.toml")).unwrap();
    assert_eq!(config.kafka.chunk_topic, "sightline.chunks");
    assert_eq!(config.store.backend, sightline::config::StoreBackend::Embedded);
    let status = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .args(["check-config"])
        .arg(repository("config/sightline.toml"))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs check-config on `text`; returns (success, stderr).
fn check(text: &str) -> (bool, String) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sightline")).arg("check-config").arg(&path).output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn example() -> String {
    std::fs::read_to_string(repository("config/sightline.toml")).unwrap()
}

#[test]
fn check_config_names_the_key_that_is_wrong() {
    let cases = [
        (example().replace("batch_records = 500", "batch_record = 500"), "batch_record"),
        (example().replace("dlq_topic = \"sightline.dlq\"", ""), "dlq_topic"),
        (example().replace("max_open_sessions = 200000", "max_open_sessions = \"many\""), "max_open_sessions"),
        (example().replace("backend = \"embedded\"", "backend = \"redis\""), "store.redis_url"),
        (example().replace("drain_timeout_ms = 10000", "drain_timeout_ms = 90000"), "timeouts.drain_timeout_ms"),
        (example().replace("encoding = \"auto\"", "encoding = \"avro\""), "schema_registry.url"),
        (example().replace("end_topic = \"sightline.ends\"", "end_topic = \"sightline.chunks\""), "kafka.end_topic"),
        (example().replace("# \"fetch.max.bytes\"", "\"enable.auto.commit\" = \"true\"\n#"), "enable.auto.commit"),
        ("this is not toml".to_string(), "TOML"),
    ];
    for (text, key) in cases {
        let (ok, stderr) = check(&text);
        assert!(!ok, "accepted a config that should fail on {key}");
        assert!(stderr.contains(key), "message should name {key}: {stderr}");
    }
}

#[test]
fn sink_mistakes_are_named_and_secrets_come_from_the_environment() {
    let sinks = std::fs::read_to_string(repository("config/sightline.sinks.toml")).unwrap();
    let cases = [
        (
            sinks.replace("routing_key = \"R0123456789ABCDEF0123456789ABCDE\"", "routing_key = \"short\""),
            "sinks.pagerduty.routing_key",
        ),
        (sinks.replace("type = \"datadog\"", "type = \"datadawg\""), "datadawg"),
        (sinks.replace("ack_timeout_ms = 60000", "ack_timeout = 60000"), "ack_timeout"),
        (
            sinks.replace("url = \"https://hooks.example.com/sightline\"", "url = \"hooks.example.com\""),
            "sinks.webhook.url",
        ),
        (sinks.replace("min_risk = \"medium\"", "min_risk = \"severe\""), "severe"),
        (
            sinks
                .replace("audit_format = \"ocsf\"", "audit_format = \"ocsf\"\n")
                .replace("verdict_format = \"json\"", "verdict_format = \"ocsf\""),
            "output.verdict_format",
        ),
    ];
    for (text, key) in cases {
        let (ok, stderr) = check(&text);
        assert!(!ok, "accepted a config that should name {key}");
        assert!(stderr.contains(key), "error does not name {key}: {stderr}");
    }
    let environment = vec![("SIGHTLINE__SINKS__SPLUNK__TOKEN".to_string(), "from-the-environment".to_string())];
    let config = sightline::config::load_str(&sinks, "sinks", environment).unwrap();
    let sightline::sink::config::SinkConfig::SplunkHec(splunk) = &config.sinks["splunk"] else { panic!("splunk") };
    assert_eq!(splunk.token.expose(), "from-the-environment");
    assert!(!format!("{config:?}").contains("from-the-environment"), "secrets never print");
}
