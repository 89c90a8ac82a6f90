//! Output: the records of judged sessions and the DLQ copies of records that cannot be
//! decoded go to the producer; their delivery reports are settled here.
//!
//! Guarantees: a session is forgotten (finished in the store, its held records' offsets done)
//! only once every one of its output records is acknowledged; a failed delivery is retried with
//! backoff, and a permanent rejection stops the partition rather than skip the session. A DLQ
//! copy's offset is done only once the DLQ acknowledged it.

use super::core::{Core, backoff_ms};
use crate::assemble::store::now_ms;
use crate::sink::kafka::{Delivery, DeliveryTag, OutgoingRecord, SendError};
use crate::telemetry::metrics;
use rdkafka::Message;
use rdkafka::message::{Headers, OwnedMessage};
use std::time::Duration;
use tracing::{error, info, warn};

/// A session's output records waiting for their delivery reports.
#[derive(Debug)]
pub(super) struct Outstanding {
    pub(super) partition: i32,
    remaining: usize,
    failure: Option<SendError>,
    judged: Option<super::worker::JudgedSession>,
}

impl Core {
    /// Copies a record to the DLQ byte for byte, with headers naming the error and its origin.
    pub(super) fn send_to_dlq(&mut self, message: &OwnedMessage, error: &str, kind: &str) {
        self.counters.dlq += 1;
        metrics().decode_failures.with_label_values(&[message.topic(), kind]).inc();
        metrics().dlq_records.with_label_values(&[message.topic()]).inc();
        if let Some(suppressed) = self.dlq_log.allow(std::time::Instant::now()) {
            warn!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                error_kind = kind,
                error,
                suppressed_since_last = suppressed,
                "record sent to dlq"
            );
        }
        let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
        if let Some(original) = message.headers() {
            for header in original.iter() {
                headers.push((header.key.to_string(), header.value.map(<[u8]>::to_vec).unwrap_or_default()));
            }
        }
        headers.extend([
            ("sightline.dlq.error".to_string(), error.as_bytes().to_vec()),
            ("sightline.dlq.error_kind".to_string(), kind.as_bytes().to_vec()),
            ("sightline.dlq.topic".to_string(), message.topic().as_bytes().to_vec()),
            ("sightline.dlq.partition".to_string(), message.partition().to_string().into_bytes()),
            ("sightline.dlq.offset".to_string(), message.offset().to_string().into_bytes()),
        ]);
        let record = OutgoingRecord {
            topic: self.config.kafka.dlq_topic.clone(),
            key: message.key().map(<[u8]>::to_vec).unwrap_or_default(),
            payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            headers,
        };
        let key = (message.topic().to_string(), message.partition(), message.offset());
        self.send_dlq_record(key.clone(), &record);
        self.dlq_pending.insert(key, record);
    }

    fn send_dlq_record(&mut self, key: (String, i32, i64), record: &OutgoingRecord) {
        let tag = DeliveryTag::Dlq { topic: key.0.clone(), partition: key.1, offset: key.2 };
        if let Err(error) = self.producer.send(record, tag) {
            self.dlq_failed(key, error);
        }
    }

    fn dlq_failed(&mut self, key: (String, i32, i64), error: SendError) {
        if error.permanent {
            error!(topic = key.0, partition = key.1, offset = key.2, error = %error, "dlq rejects the record permanently; partition stopped, its commit point will not pass this record");
            self.stopped.insert(key.1);
        } else {
            warn!(topic = key.0, partition = key.1, offset = key.2, error = %error, "dlq delivery failed; retrying");
        }
        self.dlq_retry.push((now_ms() + backoff_ms(self.config.timeouts.retry_backoff_ms, 3), key));
    }

    /// Settles delivery reports (waiting up to `wait` for the first one).
    pub fn settle_deliveries(&mut self, wait: Duration) {
        let first =
            if wait.is_zero() { self.deliveries.try_recv().ok() } else { self.deliveries.recv_timeout(wait).ok() };
        let mut next = first;
        while let Some(delivery) = next {
            self.settle(delivery);
            next = self.deliveries.try_recv().ok();
        }
        self.finish_delivered();
        let now = now_ms();
        let due: Vec<(String, i32, i64)> =
            self.dlq_retry.iter().filter(|(at, _)| *at <= now).map(|(_, key)| key.clone()).collect();
        self.dlq_retry.retain(|(at, _)| *at > now);
        for key in due {
            if let Some(record) = self.dlq_pending.get(&key).cloned() {
                self.send_dlq_record(key, &record);
            }
        }
    }

    /// Forgets the sessions whose records were all delivered, in one store transaction; if the
    /// store hands partitions to another instance meanwhile, the rest wait for the next round.
    fn finish_delivered(&mut self) {
        if self.finishing.is_empty() {
            return;
        }
        let finishing = std::mem::take(&mut self.finishing);
        let keys: Vec<(i32, &str)> = finishing.iter().map(|(partition, sid, _)| (*partition, sid.as_str())).collect();
        if self.retry_store("finish", |store| store.finish_all(&keys)).is_none() {
            let assigned = &self.assigned;
            self.finishing = finishing.into_iter().filter(|(partition, _, _)| assigned.contains(partition)).collect();
            return;
        }
        for (_, sid, judged) in finishing {
            for key in self.held.finished(&sid) {
                self.mark_done(key);
            }
            self.assembler.finished(&sid);
            self.attempts.remove(&sid);
            self.counters.verdicts += 1;
            if let Some(judged) = judged {
                record_verdict_metrics(&judged);
            }
        }
    }

    fn settle(&mut self, delivery: Delivery) {
        match delivery.tag {
            DeliveryTag::Dlq { topic, partition, offset } => {
                let key = (topic.clone(), partition, offset);
                match delivery.result {
                    Ok(()) => {
                        metrics().sink_deliveries.with_label_values(&["kafka"]).inc();
                        self.dlq_pending.remove(&key);
                        self.mark_done(key);
                    }
                    Err(error) if self.dlq_pending.contains_key(&key) => {
                        metrics().sink_failures.with_label_values(&["kafka"]).inc();
                        self.dlq_failed(key, error)
                    }
                    Err(_) => {}
                }
            }
            DeliveryTag::Output { sid, partition } => {
                let Some(outstanding) = self.outstanding.get_mut(&sid) else { return };
                outstanding.remaining = outstanding.remaining.saturating_sub(1);
                match delivery.result {
                    Ok(()) => metrics().sink_deliveries.with_label_values(&["kafka"]).inc(),
                    Err(error) => {
                        metrics().sink_failures.with_label_values(&["kafka"]).inc();
                        outstanding.failure.get_or_insert(error);
                    }
                }
                if outstanding.remaining == 0
                    && let Some(outstanding) = self.outstanding.remove(&sid)
                {
                    self.session_delivered(&sid, partition, outstanding.failure, outstanding.judged);
                }
            }
        }
    }

    /// All of a session's records were reported: forget it, or try again later.
    fn session_delivered(
        &mut self,
        sid: &str,
        partition: i32,
        failure: Option<SendError>,
        judged: Option<super::worker::JudgedSession>,
    ) {
        if !self.assigned.contains(&partition) {
            return; // revoked meanwhile: the new owner judges it again (same ids)
        }
        match failure {
            // Finished in one store transaction with the others settled now (`finish_delivered`).
            None => self.finishing.push((partition, sid.to_string(), judged)),
            Some(error) => {
                let attempt = self.attempts.entry(sid.to_string()).or_insert(0);
                *attempt += 1;
                let delay = backoff_ms(self.config.timeouts.retry_backoff_ms, *attempt);
                metrics().verdict_retries.inc();
                if error.permanent {
                    error!(sid, partition, error = %error, "verdict rejected permanently; partition stopped, session kept in the store");
                    self.stopped.insert(partition);
                } else {
                    warn!(sid, partition, error = %error, retry_in_ms = delay, "verdict delivery failed; retrying");
                }
                self.assembler.retry_later(sid, now_ms() + delay);
            }
        }
    }

    /// Produces the records of judged sessions.
    pub fn collect_results(&mut self) {
        while let Ok(result) = self.results.try_recv() {
            if !self.assigned.contains(&result.partition) {
                continue;
            }
            match result.outcome {
                Ok(records) => {
                    let risk = result.judged.as_ref().map(|judged| judged.risk);
                    info!(sid = result.sid, partition = result.partition, risk = ?risk, records = records.len(), "session judged");
                    self.outstanding.insert(
                        result.sid.clone(),
                        Outstanding {
                            partition: result.partition,
                            remaining: records.len(),
                            failure: None,
                            judged: result.judged,
                        },
                    );
                    for record in &records {
                        let tag = DeliveryTag::Output { sid: result.sid.clone(), partition: result.partition };
                        if let Err(error) = self.producer.send(record, tag) {
                            // No report will come for this record: count it as reported.
                            self.settle(Delivery {
                                tag: DeliveryTag::Output { sid: result.sid.clone(), partition: result.partition },
                                result: Err(error),
                            });
                        }
                    }
                }
                Err(error) => {
                    error!(
                        sid = result.sid,
                        partition = result.partition,
                        error,
                        "stored session cannot be built; retrying later"
                    );
                    let attempt = self.attempts.entry(result.sid.clone()).or_insert(0);
                    *attempt += 1;
                    let delay = backoff_ms(self.config.timeouts.retry_backoff_ms, *attempt);
                    self.assembler.retry_later(&result.sid, now_ms() + delay);
                }
            }
        }
    }
}

/// Metrics of a delivered verdict.
fn record_verdict_metrics(judged: &super::worker::JudgedSession) {
    let metrics = metrics();
    metrics.verdicts.with_label_values(&[judged.risk.as_str(), judged.kind.as_str()]).inc();
    for tactic in &judged.tactics {
        metrics.findings.with_label_values(&[tactic.as_str()]).inc();
    }
    metrics.session_bytes.observe(judged.bytes as f64);
    metrics.session_duration.observe(judged.duration_secs);
    metrics.assembly_to_verdict.observe(judged.released_at.elapsed().as_secs_f64());
    if let Some(end_seen_ms) = judged.end_seen_ms {
        metrics.end_to_verdict.observe(now_ms().saturating_sub(end_seen_ms) as f64 / 1000.0);
    }
}
