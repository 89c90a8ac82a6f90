//! The direct sinks against strict in-process receivers (`tests/common/receivers.rs`): auth,
//! path, body shape, limits, gzip, 429 with `Retry-After`, 5xx, HEC acknowledgement polling,
//! refused records dead-lettered with the receiver's reason; and verdicts read back from every
//! verdict-topic format the forwarders support.
//!
//! Delays are not slept: the deliverer's wait callback records them, so the tests check the
//! exact `Retry-After` and backoff bounds without waiting for them.

#[path = "common/receivers.rs"]
mod receivers;
#[path = "common/registry.rs"]
mod registry;

use receivers::{Api, Receiver};
use serde_json::Value;
use sightline::model::{RiskLevel, Verdict};
use sightline::sink::config::SinkConfig;
use sightline::sink::deliver::{Deliverer, Outcome};
use sightline::sink::encode::EnvelopeConfig;
use sightline::sink::forward::{build, default_min_risk};
use sightline::sink::route::{Item, route};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const TOKEN: &str = "6f0c0a8e-5d2b-4c1e-9f3a-0123456789ab";
const API_KEY: &str = "0123456789abcdef0123456789abcdef";
const ROUTING_KEY: &str = "R0123456789ABCDEF0123456789ABCDE";
const SECRET: &str = "webhook-shared-secret-0123";

fn verdicts() -> Vec<Verdict> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions");
    let (found, _) = sightline::source::files::collect_files(&[directory]);
    let detector = sightline::analyze::detect::RuleDetector::new(&[]).unwrap();
    found
        .iter()
        .flat_map(|file| sightline::source::files::read_file(&file.path).sessions)
        .map(|session| sightline::verdict::judge_session(&session, &detector))
        .collect()
}

fn sink(toml_text: &str) -> SinkConfig {
    toml::from_str(toml_text).unwrap_or_else(|error| panic!("{error}\n{toml_text}"))
}

fn items_for(config: &SinkConfig, verdicts: &[Verdict]) -> Vec<Item> {
    verdicts.iter().flat_map(|verdict| route(verdict, config.route(), default_min_risk(config))).collect()
}

/// Delivers every batch; returns the merged outcome and the delays asked for.
fn deliver_all(deliverer: &mut Deliverer, items: &[Item]) -> (Outcome, Vec<Duration>) {
    let mut total = Outcome::default();
    let mut waits = Vec::new();
    for batch in deliverer.prepare(items) {
        let outcome = deliverer.deliver(batch, &mut |delay| {
            waits.push(delay);
            true
        });
        total.delivered += outcome.delivered;
        total.attempts += outcome.attempts;
        total.rejected.extend(outcome.rejected);
        assert!(!outcome.abandoned);
    }
    (total, waits)
}

fn ids(items: &[Item]) -> BTreeSet<String> {
    items.iter().map(|item| item.id().to_string()).collect()
}

/// The record id inside an accepted HEC event or Datadog log.
fn record_id(record: &Value) -> String {
    record["id"].as_str().or_else(|| record["uid"].as_str()).unwrap_or_default().to_string()
}

fn hec(url: &str, extra: &str) -> SinkConfig {
    sink(&format!(
        "type = \"splunk_hec\"\nendpoint = \"{url}\"\ntoken = \"{TOKEN}\"\nindex = \"security\"\nack_poll_interval_ms = 20\n{extra}"
    ))
}

#[test]
fn splunk_hec_batches_gzips_and_waits_for_indexer_acknowledgement() {
    let receiver = Receiver::start(Api::SplunkHec {
        token: TOKEN.into(),
        ack_after_polls: Some(2),
        max_content_length: 1_000_000,
    });
    let config = hec(&receiver.url, "max_batch_events = 4");
    let items = items_for(&config, &verdicts());
    assert!(items.len() > 8, "enough records for several batches");
    let mut deliverer = build("splunk", &config, &EnvelopeConfig::default());
    let (outcome, _) = deliver_all(&mut deliverer, &items);
    assert_eq!((outcome.delivered, outcome.rejected.len()), (items.len(), 0));

    let accepted = receiver.accepted();
    let got: BTreeSet<String> = accepted.iter().map(|event| record_id(&event["event"])).collect();
    assert_eq!(got, ids(&items));
    assert_eq!(accepted.len(), items.len(), "each record once");
    assert!(accepted.iter().all(|event| event["index"] == "security" && event["time"].is_number()));
    let requests = receiver.requests();
    let posts: Vec<_> = requests.iter().filter(|seen| seen.path == "/services/collector/event").collect();
    assert_eq!(posts.len(), items.len().div_ceil(4));
    assert!(posts.iter().all(|seen| seen.gzip && seen.status == 200 && seen.events <= 4));
    let polls = requests.iter().filter(|seen| seen.path == "/services/collector/ack").count();
    assert_eq!(polls, posts.len() * 2, "each ackId polled until acknowledged on the second poll");
}

#[test]
fn splunk_hec_sends_again_when_the_acknowledgement_never_comes() {
    let receiver = Receiver::start(Api::SplunkHec {
        token: TOKEN.into(),
        ack_after_polls: Some(usize::MAX),
        max_content_length: 1_000_000,
    });
    let config = hec(&receiver.url, "ack_timeout_ms = 100\n[delivery]\nmax_attempts = 3");
    let items = items_for(&config, &verdicts()[..1]);
    let mut deliverer = build("splunk", &config, &EnvelopeConfig::default());
    let batch = deliverer.prepare(&items).remove(0);
    let outcome = deliverer.deliver(batch.clone(), &mut |_| true);
    assert_eq!(outcome.delivered, 0);
    assert_eq!(outcome.rejected.len(), batch.len());
    assert!(outcome.rejected[0].1.contains("no indexer acknowledgement"), "{}", outcome.rejected[0].1);
    let posts = receiver.requests().iter().filter(|seen| seen.path == "/services/collector/event").count();
    assert_eq!(posts, 3, "sent again after each ack timeout, up to max_attempts");
}

#[test]
fn splunk_hec_refusals_are_dead_lettered_with_the_collectors_reason() {
    let receiver = Receiver::start(Api::SplunkHec {
        token: "another-token".into(),
        ack_after_polls: None,
        max_content_length: 1_000_000,
    });
    let config = hec(&receiver.url, "acknowledgements = false\ngzip = false");
    let items = items_for(&config, &verdicts()[..2]);
    let mut deliverer = build("splunk", &config, &EnvelopeConfig::default());
    let (outcome, waits) = deliver_all(&mut deliverer, &items);
    assert_eq!(outcome.delivered, 0);
    assert_eq!(outcome.rejected.len(), items.len());
    assert!(waits.is_empty(), "a 403 is not retried");
    assert!(outcome.rejected.iter().all(|(_, reason)| reason.contains("HTTP 403") && reason.contains("Invalid token")));
    assert!(receiver.requests().iter().all(|seen| !seen.gzip));
}

#[test]
fn retry_after_is_honoured_and_5xx_backs_off() {
    let receiver = Receiver::start(Api::Datadog { api_key: API_KEY.into() });
    receiver.script(&[(429, Some(3)), (503, None), (500, None)]);
    let config = sink(&format!(
        "type = \"datadog\"\napi_key = \"{API_KEY}\"\nendpoint = \"{}/api/v2/logs\"\n[delivery]\ninitial_backoff_ms = 100\nmax_backoff_ms = 1000",
        receiver.url
    ));
    let items = items_for(&config, &verdicts()[..1]);
    let mut deliverer = build("datadog", &config, &EnvelopeConfig::default());
    let (outcome, waits) = deliver_all(&mut deliverer, &items);
    assert_eq!((outcome.delivered, outcome.attempts), (items.len(), 4));
    assert_eq!(waits[0], Duration::from_secs(3), "Retry-After: 3");
    // The second and third failures: half to all of 100 ms × 2 and × 4.
    assert!((100..=200).contains(&waits[1].as_millis()), "{:?}", waits[1]);
    assert!((200..=400).contains(&waits[2].as_millis()), "{:?}", waits[2]);
    let statuses: Vec<u16> = receiver.requests().iter().map(|seen| seen.status).collect();
    assert_eq!(statuses, vec![429, 503, 500, 202]);
}

#[test]
fn datadog_requests_stay_within_the_entry_count_and_size_limits() {
    let receiver = Receiver::start(Api::Datadog { api_key: API_KEY.into() });
    let config =
        sink(&format!("type = \"datadog\"\napi_key = \"{API_KEY}\"\nendpoint = \"{}/api/v2/logs\"", receiver.url));
    // 2,500 small records and 8 verdicts of ~1.5 MB each (a long command output).
    let base = verdicts();
    let mut many: Vec<Item> = Vec::new();
    for copy in 0..(2_500 / items_for(&config, &base).len() + 1) {
        for mut item in items_for(&config, &base) {
            match &mut item {
                Item::Verdict(verdict) => verdict.id = format!("{}-{copy}", verdict.id),
                Item::Audit(event) => event.uid = format!("{}-{copy}", event.uid),
            }
            many.push(item);
        }
    }
    many.truncate(2_500);
    let mut big = base.iter().find(|verdict| !verdict.enhanced_summary.session_events.is_empty()).unwrap().clone();
    big.enhanced_summary.session_events[0].output = "A".repeat(1_500_000);
    for copy in 0..8 {
        let mut verdict = big.clone();
        verdict.id = format!("big-{copy}");
        many.push(Item::Verdict(Box::new(verdict)));
    }
    let mut deliverer = build("datadog", &config, &EnvelopeConfig::default());
    let prepared: Vec<_> = deliverer.prepare(&many).into_iter().flatten().collect();
    assert_eq!(prepared.iter().filter(|record| record.trimmed.is_some()).count(), 8);
    assert!(prepared.iter().all(|record| record.body.len() <= 1_000_000));

    let (outcome, _) = deliver_all(&mut deliverer, &many);
    assert_eq!((outcome.delivered, outcome.rejected.len()), (many.len(), 0));
    let requests = receiver.requests();
    assert!(requests.iter().all(|seen| seen.status == 202 && seen.events <= 1000 && seen.gzip));
    assert!(requests.len() >= 4, "2,508 logs need at least 3 requests by count, more by size");
    assert_eq!(receiver.truncated(), 0, "nothing left for the intake to truncate");
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), many.len());
    assert!(accepted.iter().all(|log| log["ddsource"] == "sightline" && log["status"].is_string()));
    let got: BTreeSet<String> = accepted.iter().map(|log| record_id(&log["sightline"])).collect();
    assert_eq!(got, ids(&many));
}

#[test]
fn pagerduty_triggers_once_per_risky_session_and_redelivery_does_not_page_twice() {
    let receiver = Receiver::start(Api::PagerDuty { routing_key: ROUTING_KEY.into() });
    let config = sink(&format!(
        "type = \"pagerduty\"\nrouting_key = \"{ROUTING_KEY}\"\nendpoint = \"{}/v2/enqueue\"",
        receiver.url
    ));
    let all = verdicts();
    let risky: BTreeSet<String> = all
        .iter()
        .filter(|verdict| verdict.enhanced_summary.risk_level >= RiskLevel::High)
        .map(|verdict| verdict.session_id.clone())
        .collect();
    assert!(!risky.is_empty() && risky.len() < all.len(), "the samples hold both risky and benign sessions");
    let items = items_for(&config, &all);
    let mut deliverer = build("pagerduty", &config, &EnvelopeConfig::default());
    for _ in 0..2 {
        let (outcome, _) = deliver_all(&mut deliverer, &items);
        assert_eq!((outcome.delivered, outcome.rejected.len()), (risky.len(), 0));
    }
    let events = receiver.accepted();
    assert_eq!(events.len(), risky.len() * 2);
    let keys: BTreeSet<String> = events.iter().map(|event| event["dedup_key"].as_str().unwrap().to_string()).collect();
    assert_eq!(keys, risky, "one alert per session: the second delivery carries the same dedup_key");
    assert!(events.iter().all(|event| event["event_action"] == "trigger"
        && ["critical", "error"].contains(&event["payload"]["severity"].as_str().unwrap())));

    let wrong = Receiver::start(Api::PagerDuty { routing_key: "X".repeat(32) });
    let config = sink(&format!(
        "type = \"pagerduty\"\nrouting_key = \"{ROUTING_KEY}\"\nendpoint = \"{}/v2/enqueue\"",
        wrong.url
    ));
    let mut deliverer = build("pagerduty", &config, &EnvelopeConfig::default());
    let (outcome, waits) = deliver_all(&mut deliverer, &items);
    assert_eq!(outcome.rejected.len(), risky.len());
    assert!(waits.is_empty());
    assert!(outcome.rejected[0].1.contains("Invalid routing key"), "{}", outcome.rejected[0].1);
}

#[test]
fn pagerduty_events_are_trimmed_to_512_kb() {
    let receiver = Receiver::start(Api::PagerDuty { routing_key: ROUTING_KEY.into() });
    let config = sink(&format!(
        "type = \"pagerduty\"\nrouting_key = \"{ROUTING_KEY}\"\nendpoint = \"{}/v2/enqueue\"",
        receiver.url
    ));
    let mut verdict =
        verdicts().into_iter().find(|verdict| verdict.enhanced_summary.risk_level >= RiskLevel::High).unwrap();
    for entry in &mut verdict.enhanced_summary.session_events {
        entry.risk_level = RiskLevel::High;
        entry.output = "B".repeat(300_000);
    }
    let items = items_for(&config, &[verdict]);
    let mut deliverer = build("pagerduty", &config, &EnvelopeConfig::default());
    let (outcome, _) = deliver_all(&mut deliverer, &items);
    assert_eq!((outcome.delivered, outcome.rejected.len()), (1, 0));
    let event = &receiver.accepted()[0];
    assert!(serde_json::to_vec(event).unwrap().len() <= 512 * 1024);
    assert!(!event["payload"]["custom_details"]["session_events"].as_array().unwrap().is_empty());
}

#[test]
fn webhook_requests_are_signed_and_a_bad_signature_is_refused() {
    let receiver = Receiver::start(Api::Webhook { path: "/hooks/sightline".into(), secret: SECRET.into() });
    let config = sink(&format!(
        "type = \"webhook\"\nurl = \"{}/hooks/sightline\"\nsecret = \"{SECRET}\"\n[route]\nrecords = [\"audit\"]\nmin_risk = \"high\"",
        receiver.url
    ));
    let items = items_for(&config, &verdicts());
    assert!(!items.is_empty());
    assert!(items.iter().all(|item| matches!(item, Item::Audit(_)) && item.risk() >= RiskLevel::High));
    let mut deliverer = build("webhook", &config, &EnvelopeConfig::default());
    let (outcome, _) = deliver_all(&mut deliverer, &items);
    assert_eq!((outcome.delivered, outcome.rejected.len()), (items.len(), 0));
    let got: BTreeSet<String> = receiver.accepted().iter().map(record_id).collect();
    assert_eq!(got, ids(&items));

    let config = sink(&format!(
        "type = \"webhook\"\nurl = \"{}/hooks/sightline\"\nsecret = \"not-the-shared-secret\"",
        receiver.url
    ));
    let mut deliverer = build("webhook", &config, &EnvelopeConfig::default());
    let (outcome, _) = deliver_all(&mut deliverer, &items[..1]);
    assert_eq!(outcome.rejected.len(), 1);
    assert!(outcome.rejected[0].1.contains("HTTP 401") && outcome.rejected[0].1.contains("bad signature"));
}

#[test]
fn routing_narrows_by_kind_and_risk() {
    let all = verdicts();
    let config = sink(&format!(
        "type = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nsecret = \"{SECRET}\"\n[route]\nkinds = [\"db\"]\nmin_risk = \"medium\""
    ));
    let items = items_for(&config, &all);
    assert!(
        items.iter().all(|item| item.kind() == sightline::model::SessionKind::Db && item.risk() >= RiskLevel::Medium)
    );
    let unrestricted =
        items_for(&sink(&format!("type = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nsecret = \"{SECRET}\"")), &all);
    assert!(unrestricted.len() > items.len());
}

#[test]
fn verdicts_are_read_back_from_every_supported_topic_format() {
    use sightline::sink::encode::{Record, encode};
    use sightline::sink::forward::VerdictReader;
    let registry = registry::FakeRegistry::start();
    let verdict = verdicts().remove(0);
    let base = "[kafka]\nbrokers = \"127.0.0.1:9\"\nchunk_topic = \"c\"\nend_topic = \"e\"\nverdict_topic = \"v\"\naudit_topic = \"a\"\ndlq_topic = \"d\"\n";
    for format in ["json", "splunk_hec", "datadog"] {
        let text = format!("{base}[output]\nverdict_format = \"{format}\"\n");
        let config = sightline::config::load_str(&text, "test", Vec::new()).unwrap();
        let encoding = config.output.verdict_format;
        let payload =
            serde_json::to_vec(&encode(&Record::Verdict(&verdict), encoding, &EnvelopeConfig::default())).unwrap();
        let read = VerdictReader::new(&config).unwrap().read(&payload).unwrap();
        assert_eq!(read, verdict, "{format}");
        assert!(VerdictReader::new(&config).unwrap().read(b"{\"nope\":1}").is_err());
    }
    let text = format!("{base}[output]\nencoding = \"avro\"\n[schema_registry]\nurl = \"{}\"\n", registry.url);
    let config = sightline::config::load_str(&text, "test", Vec::new()).unwrap();
    let client =
        sightline::source::kafka::registry::SchemaRegistry::new(config.schema_registry.as_ref().unwrap()).unwrap();
    let id = client.register("v-value", sightline::sink::avro::VERDICT_SCHEMA).unwrap();
    let encoder = sightline::sink::avro::AvroEncoder::new(sightline::sink::avro::VERDICT_SCHEMA, id).unwrap();
    let payload = encoder.encode(&serde_json::to_value(&verdict).unwrap()).unwrap();
    let read = VerdictReader::new(&config).unwrap().read(&payload).unwrap();
    assert_eq!(read, verdict, "avro");

    let text = format!(
        "{base}[output]\nverdict_format = \"ocsf\"\n[sinks.hook]\ntype = \"webhook\"\nurl = \"http://x/y\"\nsecret = \"{SECRET}\"\n"
    );
    let error = sightline::config::load_str(&text, "test", Vec::new()).unwrap_err().to_string();
    assert!(error.contains("output.verdict_format"), "{error}");
}
