//! `sightline replay FILES --brokers …`: publishes recordings as chunk and end records.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use sightline::config::SchemaRegistryConfig;
use sightline::replay::session_records;
use sightline::source::files;
use sightline::source::kafka::avro;
use sightline::source::kafka::registry::SchemaRegistry;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Arguments of `sightline replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Recording files or directories (any format `analyze` reads).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    brokers: String,
    /// Topic for recording chunks.
    #[arg(long, default_value = "sightline.chunks")]
    chunk_topic: String,
    /// Topic for session ends.
    #[arg(long, default_value = "sightline.ends")]
    end_topic: String,
    /// Approximate bytes of events per chunk record.
    #[arg(long, default_value_t = 65536)]
    chunk_bytes: usize,
    /// Leave `chunk_count` out of end records (the assembler then waits for the grace period).
    #[arg(long)]
    no_chunk_count: bool,
    /// Publish every session this many times (load generation); copies get `-<n>` id suffixes.
    #[arg(long, default_value_t = 1)]
    copies: usize,
    /// Record encoding.
    #[arg(long, value_enum, default_value = "json")]
    encoding: Encoding,
    /// Schema registry URL (for `--encoding avro`).
    #[arg(long)]
    schema_registry: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Encoding {
    Json,
    Avro,
}

/// Counts failed deliveries.
#[derive(Default)]
struct Failures {
    count: AtomicU64,
    first: Mutex<Option<String>>,
}

impl ClientContext for Failures {}

impl ProducerContext for Failures {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            self.count.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = self.first.lock() {
                first.get_or_insert_with(|| error.to_string());
            }
        }
    }
}

struct AvroEncoders {
    chunk: (apache_avro::Schema, u32),
    end: (apache_avro::Schema, u32),
}

/// Publishes the sessions.
pub fn run(arguments: ReplayArgs) -> anyhow::Result<ExitCode> {
    let (found, problems) = files::collect_files(&arguments.paths);
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    let avro = match arguments.encoding {
        Encoding::Json => None,
        Encoding::Avro => {
            let Some(url) = &arguments.schema_registry else { bail!("--encoding avro needs --schema-registry URL") };
            let registry = SchemaRegistry::new(&SchemaRegistryConfig {
                url: url.clone(),
                username: None,
                password: None,
                timeout_ms: 10_000,
            })?;
            let chunk_id =
                registry.register(&format!("{}-value", arguments.chunk_topic), avro::RECORDING_CHUNK_SCHEMA)?;
            let end_id = registry.register(&format!("{}-value", arguments.end_topic), avro::SESSION_END_SCHEMA)?;
            Some(AvroEncoders {
                chunk: (apache_avro::Schema::parse_str(avro::RECORDING_CHUNK_SCHEMA)?, chunk_id),
                end: (apache_avro::Schema::parse_str(avro::SESSION_END_SCHEMA)?, end_id),
            })
        }
    };
    let producer: ThreadedProducer<Failures> = ClientConfig::new()
        .set("bootstrap.servers", &arguments.brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        // The Java client's partitioner, so records land where Kafka Connect and others put them.
        .set("partitioner", "murmur2_random")
        .create_with_context(Failures::default())
        .context("creating the kafka producer")?;

    let (mut sessions, mut records, mut bytes) = (0u64, 0u64, 0u64);
    for file in &found {
        let contents = files::read_file(&file.path);
        for problem in &contents.problems {
            eprintln!("warning: {problem}");
        }
        for session in contents.sessions {
            for copy in 0..arguments.copies {
                let mut session = session.clone();
                if arguments.copies > 1 {
                    session.sid = format!("{}-{copy}", session.sid);
                }
                let replayed = session_records(&session, arguments.chunk_bytes, !arguments.no_chunk_count);
                for chunk in &replayed.chunks {
                    let payload = match &avro {
                        Some(encoders) => avro::encode_chunk(chunk, &encoders.chunk.0, encoders.chunk.1)?,
                        None => serde_json::to_vec(chunk)?,
                    };
                    bytes += payload.len() as u64;
                    send(&producer, &arguments.chunk_topic, &replayed.sid, &payload)?;
                    records += 1;
                }
                let payload = match &avro {
                    Some(encoders) => avro::encode_end(&replayed.end, &encoders.end.0, encoders.end.1)?,
                    None => serde_json::to_vec(&replayed.end)?,
                };
                bytes += payload.len() as u64;
                send(&producer, &arguments.end_topic, &replayed.sid, &payload)?;
                records += 1;
                sessions += 1;
            }
        }
    }
    producer.flush(Duration::from_secs(60)).context("flushing the producer")?;
    let failures = producer.context().count.load(Ordering::Relaxed);
    if failures > 0 {
        let first = producer.context().first.lock().ok().and_then(|first| first.clone()).unwrap_or_default();
        bail!("{failures} of {records} records were not delivered (first error: {first})");
    }
    eprintln!("published {sessions} sessions as {records} records ({bytes} bytes)");
    Ok(ExitCode::SUCCESS)
}

fn send(producer: &ThreadedProducer<Failures>, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()> {
    loop {
        match producer.send(BaseRecord::to(topic).key(key).payload(payload)) {
            Ok(()) => return Ok(()),
            Err((rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), _)) => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err((error, _)) => bail!("cannot publish to {topic}: {error}"),
        }
    }
}
