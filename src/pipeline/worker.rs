//! Analysis workers: threads that turn an assembled session into its output records (the
//! verdict and its audit events). Pure computation — no I/O; the pipeline produces the records.

use crate::analyze::Detector;
use crate::assemble::{CloseReason, SessionState, build_session};
use crate::sink::avro::AvroEncoder;
use crate::sink::encode::{Encoding, EnvelopeConfig, Record, encode, json_bytes};
use crate::sink::kafka::{OutgoingRecord, RECORD_ID_HEADER, RECORD_KIND_HEADER};
use crate::sink::size_guard::{Trimmed, fit};
use crate::verdict::audit::audit_events;
use crate::verdict::judge_session;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// A session to judge, with its stored chunk records.
#[derive(Debug)]
pub struct Job {
    /// The session's assembly state.
    pub state: SessionState,
    /// Why it is being judged now.
    pub reason: CloseReason,
    /// Its stored chunk records, by index.
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// When it was released for judging.
    pub released_at: std::time::Instant,
}

/// What the metrics need to know about a judged session.
#[derive(Debug, Clone)]
pub struct JudgedSession {
    /// The verdict's risk level.
    pub risk: crate::model::RiskLevel,
    /// The session kind.
    pub kind: crate::model::SessionKind,
    /// ATT&CK tactics of the verdict's findings, one per finding.
    pub tactics: Vec<String>,
    /// Bytes of chunk records the session had.
    pub bytes: u64,
    /// The session's recorded duration.
    pub duration_secs: f64,
    /// When its end record arrived (Unix ms), if it did.
    pub end_seen_ms: Option<u64>,
    /// When it was released for judging.
    pub released_at: std::time::Instant,
}

/// What a worker made of a job.
#[derive(Debug)]
pub struct JobResult {
    /// The session.
    pub sid: String,
    /// Its input partition.
    pub partition: i32,
    /// The records to produce, or why the session could not be built.
    pub outcome: Result<Vec<OutgoingRecord>, String>,
    /// About the verdict, when one was made.
    pub judged: Option<JudgedSession>,
}

/// Where output records go, and how they are encoded.
#[derive(Debug, Clone)]
pub struct OutputTopics {
    /// The verdict topic.
    pub verdict: String,
    /// The audit topic.
    pub audit: String,
    /// Avro encoders (verdict, audit) when `output.encoding = "avro"`; JSON otherwise.
    pub avro: Option<(AvroEncoder, AvroEncoder)>,
    /// Shapes of JSON records (verdict topic, audit topic) and their envelope values.
    pub formats: (Encoding, Encoding, EnvelopeConfig),
    /// Records are trimmed to this size (`output.max_record_bytes`).
    pub max_record_bytes: usize,
    /// HTML pages for risky sessions (`[report]`), when configured.
    pub reports: Option<crate::report::ReportConfig>,
    /// The LLM classifier, when a policy exists.
    pub classifier: Option<Arc<crate::classify::Classifier>>,
}

impl OutputTopics {
    /// Encodes a record, trimmed to `max_record_bytes` (see `sink/size_guard.rs`); returns the
    /// payload, its content type, and what was trimmed, if anything.
    fn encode(&self, record: Record<'_>) -> Result<(Vec<u8>, &'static str, Option<Trimmed>), String> {
        let verdict = matches!(record, Record::Verdict(_));
        let (verdict_format, audit_format, envelope) = &self.formats;
        let format = match (&self.avro, verdict) {
            (Some(_), _) => Encoding::Json,
            (None, true) => *verdict_format,
            (None, false) => *audit_format,
        };
        if self.avro.is_none() && format == Encoding::Json {
            // The common case: serialize once, and only build a `Value` to trim when too big.
            if let Ok(payload) = json_bytes(&record)
                && payload.len() <= self.max_record_bytes
            {
                return Ok((payload, "application/json", None));
            }
        }
        let mut value = encode(&record, format, envelope);
        let trimmed = fit(&mut value, self.max_record_bytes);
        let trimmed = trimmed.any().then_some(trimmed);
        match &self.avro {
            None => serde_json::to_vec(&value)
                .map(|payload| (payload, "application/json", trimmed))
                .map_err(|error| error.to_string()),
            Some((verdict_encoder, audit_encoder)) => {
                let encoder = if verdict { verdict_encoder } else { audit_encoder };
                encoder
                    .encode(&value)
                    .map(|payload| (payload, "application/vnd.confluent.avro", trimmed))
                    .map_err(|error| error.to_string())
            }
        }
    }
}

/// Starts `count` workers; they stop when the job channel closes.
pub fn start_workers(
    count: usize,
    jobs: Receiver<Job>,
    results: SyncSender<JobResult>,
    detector: Arc<dyn Detector>,
    topics: OutputTopics,
) -> Vec<std::thread::JoinHandle<()>> {
    let jobs = Arc::new(Mutex::new(jobs));
    (0..count)
        .map(|index| {
            let jobs = jobs.clone();
            let results = results.clone();
            let detector = detector.clone();
            let topics = topics.clone();
            std::thread::Builder::new()
                .name(format!("sightline-analysis-{index}"))
                .spawn(move || {
                    loop {
                        let job = match jobs.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        if results.send(judge(job, detector.as_ref(), &topics)).is_err() {
                            return;
                        }
                    }
                })
                .unwrap_or_else(|error| panic!("cannot start an analysis thread: {error}"))
        })
        .collect()
}

/// Judges one session and encodes its output records.
pub fn judge(job: Job, detector: &dyn Detector, topics: &OutputTopics) -> JobResult {
    let sid = job.state.sid.clone();
    let partition = job.state.partition;
    let span = tracing::info_span!("session", sid = %sid, partition, kind = tracing::field::Empty);
    let _entered = span.enter();
    let bytes = job.state.bytes;
    let end_seen_ms = job.state.end.as_ref().map(|end| end.seen_at_ms);
    let session = match build_session(&job.state, job.chunks, job.reason) {
        Ok(session) => session,
        Err(error) => return JobResult { sid, partition, outcome: Err(error.to_string()), judged: None },
    };
    span.record("kind", session.kind.as_str());
    let mut verdict = judge_session(&session, detector);
    if let Some(classifier) = &topics.classifier {
        classifier.classify(Some(&session), &mut verdict);
    }
    if let Some(reports) = &topics.reports {
        match reports.write_for(&session, &verdict) {
            Ok(location) => verdict.report_location = location,
            // The verdict matters more than its page: go on without a location.
            Err(error) => tracing::error!(sid = %sid, %error, "review page not written"),
        }
    }
    let tactics = verdict
        .enhanced_summary
        .session_events
        .iter()
        .flat_map(|entry| entry.findings.iter())
        .map(|finding| {
            finding
                .mitre_attack_ids
                .first()
                .and_then(|id| crate::analyze::attack::table().primary_tactic(id))
                .unwrap_or("none")
                .to_string()
        })
        .collect();
    let judged = Some(JudgedSession {
        risk: verdict.enhanced_summary.risk_level,
        kind: verdict.kind,
        tactics,
        bytes,
        duration_secs: verdict.total_duration.0.as_secs_f64(),
        end_seen_ms,
        released_at: job.released_at,
    });
    let mut records = Vec::new();
    match topics.encode(Record::Verdict(&verdict)) {
        Ok((payload, content_type, trimmed)) => {
            if let Some(trimmed) = &trimmed {
                tracing::warn!(sid = %sid, trimmed = %trimmed.header(), "verdict trimmed to the record size limit");
            }
            records.push(record(&topics.verdict, &sid, payload, &verdict.id, "verdict", content_type, trimmed))
        }
        Err(error) => return JobResult { sid, partition, outcome: Err(error), judged },
    }
    for event in audit_events(&verdict) {
        match topics.encode(Record::Audit(&event)) {
            Ok((payload, content_type, trimmed)) => {
                records.push(record(&topics.audit, &sid, payload, &event.uid, event.event, content_type, trimmed))
            }
            Err(error) => return JobResult { sid, partition, outcome: Err(error), judged },
        }
    }
    JobResult { sid, partition, outcome: Ok(records), judged }
}

fn record(
    topic: &str,
    sid: &str,
    payload: Vec<u8>,
    id: &str,
    kind: &str,
    content_type: &str,
    trimmed: Option<Trimmed>,
) -> OutgoingRecord {
    let mut headers = vec![
        (RECORD_ID_HEADER.to_string(), id.as_bytes().to_vec()),
        (RECORD_KIND_HEADER.to_string(), kind.as_bytes().to_vec()),
        ("content-type".to_string(), content_type.as_bytes().to_vec()),
    ];
    if let Some(trimmed) = trimmed {
        headers.push(("sightline.trimmed".to_string(), trimmed.header().into_bytes()));
    }
    OutgoingRecord { topic: topic.to_string(), key: sid.as_bytes().to_vec(), payload, headers }
}
