//! The Kafka source: a consumer group on the recording-chunk and session-end topics, with
//! manual offset management, input decoding and the commit rule.
//!
//! - [`consumer_config`]: auto-commit and auto offset store are off — offsets are committed only
//!   from [`commit_point::CommitPoint`], through the contiguous prefix of records whose effects
//!   are durable. A new group starts at the earliest offset, so nothing published before the
//!   first start is skipped.
//! - [`check_topics`]: refuses to start when an input topic is missing or the two are not
//!   co-partitioned (one consumer must own all of a session's records).
//! - [`decode`] / [`avro`] / [`registry`]: JSON and Confluent-wire-format Avro.

pub mod avro;
pub mod commit_point;
pub mod decode;
pub mod registry;

use crate::config::Config;
use crate::sink::kafka::{apply_librdkafka_options, base_client_config};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use std::time::Duration;

/// The input topics are unusable.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// Metadata could not be fetched.
    #[error("cannot read metadata of topic {topic} from {brokers}: {message}")]
    Metadata { topic: String, brokers: String, message: String },
    /// The topic does not exist.
    #[error(
        "input topic {topic} does not exist (set kafka.{key}, or create the topic with as many partitions as the other input topic)"
    )]
    Missing { topic: String, key: &'static str },
    /// The two input topics have different partition counts.
    #[error(
        "input topics are not co-partitioned: {chunk_topic} has {chunk_partitions} partitions, {end_topic} has {end_partitions}; a session's chunks and end must land on the same partition number, so give both topics the same partition count"
    )]
    NotCoPartitioned { chunk_topic: String, chunk_partitions: usize, end_topic: String, end_partitions: usize },
}

/// The consumer's configuration: group, no auto-commit, no auto offset store.
pub fn consumer_config(config: &Config) -> ClientConfig {
    let kafka = &config.kafka;
    let mut client = base_client_config(config);
    client
        .set("group.id", &kafka.group_id)
        // Offsets are ours to commit, only through the done prefix (commit_point.rs).
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // A new group reads everything already published.
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "false")
        .set("session.timeout.ms", kafka.session_timeout_ms.to_string())
        .set("heartbeat.interval.ms", kafka.heartbeat_interval_ms.to_string())
        .set("max.poll.interval.ms", kafka.max_poll_interval_ms.to_string())
        .set("partition.assignment.strategy", kafka.assignment.librdkafka_name())
        // Bound librdkafka's prefetch so a large lag does not fill memory (vector#20939).
        .set("queued.max.messages.kbytes", "65536")
        // Statistics carry the per-partition consumer lag the metrics export.
        .set("statistics.interval.ms", config.telemetry.statistics_interval_ms.to_string());
    apply_librdkafka_options(&mut client, config);
    client
}

/// Checks that both input topics exist and have the same number of partitions; returns it.
pub fn check_topics<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    config: &Config,
    timeout: Duration,
) -> Result<usize, TopicError> {
    let kafka = &config.kafka;
    let count = |topic: &str, key: &'static str| -> Result<usize, TopicError> {
        let metadata = consumer.fetch_metadata(Some(topic), timeout).map_err(|error| TopicError::Metadata {
            topic: topic.to_string(),
            brokers: kafka.brokers.clone(),
            message: error.to_string(),
        })?;
        let found = metadata.topics().iter().find(|found| found.name() == topic);
        match found {
            Some(found) if found.error().is_none() && !found.partitions().is_empty() => Ok(found.partitions().len()),
            _ => Err(TopicError::Missing { topic: topic.to_string(), key }),
        }
    };
    let chunk_partitions = count(&kafka.chunk_topic, "chunk_topic")?;
    let end_partitions = count(&kafka.end_topic, "end_topic")?;
    if chunk_partitions != end_partitions {
        return Err(TopicError::NotCoPartitioned {
            chunk_topic: kafka.chunk_topic.clone(),
            chunk_partitions,
            end_topic: kafka.end_topic.clone(),
            end_partitions,
        });
    }
    Ok(chunk_partitions)
}
