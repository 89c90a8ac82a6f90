//! Reading the configuration: TOML text, environment overrides, then cross-field checks.

use super::{Config, InputEncoding, OutputEncoding, StoreBackend};
use std::path::{Path, PathBuf};

/// Why a configuration was refused. Every message names the key and says what would fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, a missing key or a value of the wrong type.
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    /// An environment override names no key or does not fit.
    #[error("environment variable {variable}: {message}")]
    Environment { variable: String, message: String },
    /// Values that are each valid but do not fit together, or a value out of range.
    #[error("{origin}: {key}: {message}")]
    Check { origin: String, key: String, message: String },
}

/// Prefix of environment overrides (`SIGHTLINE__KAFKA__BROKERS`).
const ENV_PREFIX: &str = "SIGHTLINE__";

/// Loads and checks a config file, applying `SIGHTLINE__...` overrides from the environment.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    load_str(&text, &path.display().to_string(), std::env::vars())
}

/// Loads and checks config text; `origin` names it in errors, `environment` supplies overrides.
pub fn load_str(
    text: &str,
    origin: &str,
    environment: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut table: toml::Table = toml::from_str(text)
        .map_err(|error| ConfigError::Invalid { origin: origin.to_string(), message: clean(&error) })?;
    let mut overrides: Vec<(String, String)> =
        environment.into_iter().filter(|(name, _)| name.starts_with(ENV_PREFIX)).collect();
    overrides.sort();
    for (variable, value) in overrides {
        apply_override(&mut table, &variable, &value)?;
    }
    let config: Config = toml::Table::try_into(table).map_err(|error: toml::de::Error| ConfigError::Invalid {
        origin: origin.to_string(),
        message: format!("{} (check the key's spelling and type against config/sightline.toml)", clean(&error)),
    })?;
    config.validate(origin)?;
    Ok(config)
}

fn clean(error: &toml::de::Error) -> String {
    error.to_string().trim().replace('\n', " ").replace("  ", " ")
}

/// Applies `SIGHTLINE__SECTION__KEY=value` to the table.
fn apply_override(table: &mut toml::Table, variable: &str, value: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = variable[ENV_PREFIX.len()..].split("__").map(|part| part.to_ascii_lowercase()).collect();
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::Environment {
            variable: variable.to_string(),
            message: "expected SIGHTLINE__<SECTION>__<KEY>, e.g. SIGHTLINE__KAFKA__BROKERS".to_string(),
        });
    }
    let parsed = parse_value(value);
    let mut current = table;
    for (position, part) in path.iter().enumerate() {
        if position + 1 == path.len() {
            current.insert(part.clone(), parsed);
            return Ok(());
        }
        let entry = current.entry(part.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => {
                return Err(ConfigError::Environment {
                    variable: variable.to_string(),
                    message: format!("`{part}` is a value, not a section"),
                });
            }
        };
    }
    Ok(())
}

/// Numbers and booleans as themselves; anything else as a string.
fn parse_value(value: &str) -> toml::Value {
    if let Ok(number) = value.parse::<i64>() {
        return toml::Value::Integer(number);
    }
    match value {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(value.to_string()),
    }
}

/// librdkafka keys the pipeline sets itself because its guarantees depend on them.
const RESERVED_LIBRDKAFKA_KEYS: &[&str] =
    &["enable.auto.commit", "enable.auto.offset.store", "enable.idempotence", "acks", "group.id", "bootstrap.servers"];

impl Config {
    /// Cross-field and range checks.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let check = |ok: bool, key: &str, message: String| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::Check { origin: origin.to_string(), key: key.to_string(), message })
            }
        };
        let kafka = &self.kafka;
        check(!kafka.brokers.trim().is_empty(), "kafka.brokers", "is empty; set host:port of a broker".into())?;
        check(!kafka.group_id.trim().is_empty(), "kafka.group_id", "is empty; name the consumer group".into())?;
        for (key, topic) in [
            ("kafka.chunk_topic", &kafka.chunk_topic),
            ("kafka.end_topic", &kafka.end_topic),
            ("kafka.verdict_topic", &kafka.verdict_topic),
            ("kafka.audit_topic", &kafka.audit_topic),
            ("kafka.dlq_topic", &kafka.dlq_topic),
        ] {
            check(!topic.trim().is_empty(), key, "is empty; name the topic".into())?;
        }
        check(
            kafka.chunk_topic != kafka.end_topic,
            "kafka.end_topic",
            "must differ from kafka.chunk_topic: chunks and ends are told apart by topic".into(),
        )?;
        for output in [&kafka.verdict_topic, &kafka.audit_topic, &kafka.dlq_topic] {
            check(
                output != &kafka.chunk_topic && output != &kafka.end_topic,
                "kafka.verdict_topic",
                format!("output topic {output:?} is also an input topic; outputs would be read back as input"),
            )?;
        }
        check(
            kafka.heartbeat_interval_ms < kafka.session_timeout_ms,
            "kafka.heartbeat_interval_ms",
            format!(
                "({}) must be below kafka.session_timeout_ms ({})",
                kafka.heartbeat_interval_ms, kafka.session_timeout_ms
            ),
        )?;
        check(
            self.timeouts.drain_timeout_ms < kafka.session_timeout_ms,
            "timeouts.drain_timeout_ms",
            format!(
                "({}) must be below kafka.session_timeout_ms ({}): a member that drains longer is removed from the group",
                self.timeouts.drain_timeout_ms, kafka.session_timeout_ms
            ),
        )?;
        check(kafka.commit_interval_ms > 0, "kafka.commit_interval_ms", "must be above 0".into())?;
        for key in kafka.librdkafka_options.keys() {
            check(
                !RESERVED_LIBRDKAFKA_KEYS.contains(&key.as_str()),
                &format!("kafka.librdkafka_options.\"{key}\""),
                "is set by sightline itself (its delivery guarantee depends on it); remove it".into(),
            )?;
        }
        let needs_registry = self.input.encoding == InputEncoding::Avro || self.output.encoding == OutputEncoding::Avro;
        check(
            !needs_registry || self.schema_registry.is_some(),
            "schema_registry.url",
            "is required when input.encoding or output.encoding is \"avro\"; add a [schema_registry] section".into(),
        )?;
        let shaped = self.output.verdict_format != crate::sink::encode::Encoding::Json
            || self.output.audit_format != crate::sink::encode::Encoding::Json;
        check(
            !(shaped && self.output.encoding == OutputEncoding::Avro),
            "output.verdict_format",
            "envelopes (splunk_hec, datadog, ocsf) are JSON; they cannot be combined with output.encoding = \"avro\""
                .into(),
        )?;
        check(
            self.sinks.is_empty() || self.output.verdict_format != crate::sink::encode::Encoding::Ocsf,
            "output.verdict_format",
            "\"ocsf\" cannot be read back by the [sinks.*] forwarders, which read verdicts from kafka.verdict_topic; use json, splunk_hec or datadog there (and OCSF on the audit topic), or remove the sinks".into(),
        )?;
        if let Err((key, message)) = self.inference.validate() {
            return Err(ConfigError::Check { origin: origin.to_string(), key, message });
        }
        if let Some(report) = &self.report {
            check(
                !report.directory.as_os_str().is_empty(),
                "report.directory",
                "is empty; name the directory review pages go to, or remove [report]".into(),
            )?;
        }
        for (name, sink) in &self.sinks {
            if let Err((key, message)) = crate::sink::config::validate(name, sink) {
                return Err(ConfigError::Check { origin: origin.to_string(), key, message });
            }
        }
        if let Some(registry) = &self.schema_registry {
            check(
                registry.url.starts_with("http://") || registry.url.starts_with("https://"),
                "schema_registry.url",
                format!("{:?} is not an http(s) URL", registry.url),
            )?;
        }
        if self.store.backend == StoreBackend::Redis {
            let url = self.store.redis_url.as_ref().map(|url| url.expose()).unwrap_or("");
            check(
                url.starts_with("redis://") || url.starts_with("rediss://"),
                "store.redis_url",
                "is required with store.backend = \"redis\" and must start with redis:// or rediss://".into(),
            )?;
        }
        check(self.output.max_record_bytes >= 4096, "output.max_record_bytes", "must be at least 4096".into())?;
        check(self.limits.max_session_bytes >= 1024, "limits.max_session_bytes", "must be at least 1024".into())?;
        check(self.limits.max_open_sessions > 0, "limits.max_open_sessions", "must be above 0".into())?;
        check(self.limits.batch_records > 0, "limits.batch_records", "must be above 0".into())?;
        check(self.limits.analysis_workers != Some(0), "limits.analysis_workers", "must be above 0".into())?;
        check(self.timeouts.idle_timeout_secs > 0, "timeouts.idle_timeout_secs", "must be above 0".into())?;
        check(self.store.finalized_ttl_secs > 0, "store.finalized_ttl_secs", "must be above 0".into())?;
        Ok(())
    }

    /// The Redis key prefix: the configured one, or `sightline:<group_id>`.
    pub fn redis_key_prefix(&self) -> String {
        self.store.key_prefix.clone().unwrap_or_else(|| format!("sightline:{}", self.kafka.group_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[kafka]
brokers = "127.0.0.1:9092"
chunk_topic = "chunks"
end_topic = "ends"
verdict_topic = "verdicts"
audit_topic = "audit"
dlq_topic = "dlq"
"#;

    fn load(text: &str) -> Result<Config, ConfigError> {
        load_str(text, "test.toml", Vec::new())
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let config = load(MINIMAL).unwrap();
        assert_eq!(config.kafka.group_id, "sightline");
        assert_eq!(config.store.backend, StoreBackend::Embedded);
        assert_eq!(config.timeouts.end_grace_ms, 30_000);
    }

    #[test]
    fn unknown_key_is_named() {
        let error = load(&format!("{MINIMAL}\n[limits]\nmax_sesion_bytes = 5\n")).unwrap_err().to_string();
        assert!(error.contains("max_sesion_bytes"), "{error}");
    }

    #[test]
    fn missing_key_is_named() {
        let error = load(&MINIMAL.replace("dlq_topic = \"dlq\"", "")).unwrap_err().to_string();
        assert!(error.contains("dlq_topic"), "{error}");
    }

    #[test]
    fn cross_field_check_names_both_keys() {
        let text = format!(
            "{MINIMAL}session_timeout_ms = 3000\nheartbeat_interval_ms = 500\n[timeouts]\ndrain_timeout_ms = 5000\n"
        );
        let error = load(&text).unwrap_err().to_string();
        assert!(error.contains("timeouts.drain_timeout_ms") && error.contains("kafka.session_timeout_ms"), "{error}");
    }

    #[test]
    fn redis_backend_needs_a_url() {
        let error = load(&format!("{MINIMAL}[store]\nbackend = \"redis\"\n")).unwrap_err().to_string();
        assert!(error.contains("store.redis_url"), "{error}");
    }

    #[test]
    fn reserved_librdkafka_option_is_refused() {
        let text = MINIMAL.replace(
            "dlq_topic = \"dlq\"",
            "dlq_topic = \"dlq\"\n[kafka.librdkafka_options]\n\"enable.auto.commit\" = \"true\"",
        );
        let error = load(&text).unwrap_err().to_string();
        assert!(error.contains("enable.auto.commit"), "{error}");
    }

    #[test]
    fn environment_overrides_keys() {
        let environment = vec![
            ("SIGHTLINE__KAFKA__BROKERS".to_string(), "kafka:9093".to_string()),
            ("SIGHTLINE__LIMITS__MAX_OPEN_SESSIONS".to_string(), "17".to_string()),
            ("UNRELATED".to_string(), "x".to_string()),
        ];
        let config = load_str(MINIMAL, "test.toml", environment).unwrap();
        assert_eq!(config.kafka.brokers, "kafka:9093");
        assert_eq!(config.limits.max_open_sessions, 17);
    }

    #[test]
    fn bad_environment_override_is_named() {
        let environment = vec![("SIGHTLINE__KAFKA__NOPE".to_string(), "1".to_string())];
        let error = load_str(MINIMAL, "test.toml", environment).unwrap_err().to_string();
        assert!(error.contains("nope"), "{error}");
    }

    #[test]
    fn secrets_do_not_print() {
        let text = format!("{MINIMAL}[store]\nbackend = \"redis\"\nredis_url = \"redis://:hunter2@127.0.0.1/\"\n");
        let config = load(&text).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
