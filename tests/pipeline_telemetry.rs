//! Operations: a real Prometheus scrapes a running `sightline run` and its counters move;
//! `/readyz` turns ready on assignment; `/state` follows a rebalance; no secret from the config
//! or the transcripts ever reaches the logs.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[test]
fn readyz_turns_ready_on_assignment_and_state_follows_a_rebalance() {
    let topics = Topics::create(&brokers(), 4);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings { redis_prefix: Some(unique("sightline-test")), ..Settings::default() };
    let config = write_config(directory.path(), &topics, &settings);
    let first = Processor::start(&config, &directory.path().join("first.log"));
    let address = telemetry_address(&first);
    // The server starts before the consumer joins its group: not ready yet.
    let (status, body) = http_get(&address, "/readyz");
    assert_eq!(status, 503, "{body}");
    assert_eq!(json(&body)["ready"], false);
    assert_eq!(http_get(&address, "/healthz").0, 200);

    wait_for_log(&first, "partitions assigned", 1, Duration::from_secs(60));
    let deadline = Instant::now() + Duration::from_secs(10);
    while http_get(&address, "/readyz").0 != 200 {
        assert!(Instant::now() < deadline, "not ready after assignment: {}", http_get(&address, "/readyz").1);
        std::thread::sleep(Duration::from_millis(200));
    }
    let state = json(&http_get(&address, "/state").1);
    assert_eq!(state["assigned_partitions"], serde_json::json!([0, 1, 2, 3]));
    let rebalances_before = state["rebalances"].as_u64().unwrap();

    // A second instance joins: the first gives some partitions up, and /state says so.
    let second = Processor::start(&config, &directory.path().join("second.log"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = json(&http_get(&address, "/state").1);
        let assigned = state["assigned_partitions"].as_array().map(Vec::len).unwrap_or(0);
        // How many partitions each member keeps is the assignor's (and the broker's) choice.
        if assigned < 4 && state["rebalances"].as_u64().unwrap() > rebalances_before {
            break;
        }
        assert!(Instant::now() < deadline, "/state never showed the rebalance: {state}\n{}", second.log_text());
        std::thread::sleep(Duration::from_millis(300));
    }
    // Between them the two instances own every partition, each reported by its own /state.
    let second_address = telemetry_address(&second);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut owned: Vec<i64> = Vec::new();
        for address in [&address, &second_address] {
            let state = json(&http_get(address, "/state").1);
            owned.extend(state["assigned_partitions"].as_array().into_iter().flatten().filter_map(|p| p.as_i64()));
        }
        owned.sort_unstable();
        if owned == vec![0, 1, 2, 3] {
            break;
        }
        assert!(Instant::now() < deadline, "partitions owned between the two: {owned:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

struct OwnPrometheus {
    child: Child,
    address: String,
    _directory: tempfile::TempDir,
}

impl OwnPrometheus {
    fn start(target: &str) -> OwnPrometheus {
        brokers(); // scripts/services.sh installs prometheus with the other services
        let binary = std::env::var("SIGHTLINE_TEST_PROMETHEUS").unwrap_or_else(|_| "prometheus".to_string());
        let directory = tempfile::tempdir().unwrap();
        let config = directory.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: sightline\n    static_configs:\n      - targets: ['{target}']\n"),
        )
        .unwrap();
        let port = 21_000 + (rand::random::<u16>() % 4_000);
        let address = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={address}"))
            .arg(format!("--storage.tsdb.path={}", directory.path().join("data").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus (scripts/services.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(&address, "/-/ready").0 != 200 {
            assert!(Instant::now() < deadline, "prometheus not ready on {address}");
            std::thread::sleep(Duration::from_millis(200));
        }
        OwnPrometheus { child, address, _directory: directory }
    }

    /// The value of an instant query's first sample summed over series.
    fn query_sum(&self, query: &str) -> Option<f64> {
        let url = format!("/api/v1/query?query={}", query.replace(' ', "%20").replace('(', "%28").replace(')', "%29"));
        let (status, body) = http_get(&self.address, &url);
        if status != 200 {
            return None;
        }
        let answer = json(&body);
        let results = answer["data"]["result"].as_array()?;
        if results.is_empty() {
            return None;
        }
        Some(results.iter().filter_map(|series| series["value"][1].as_str()?.parse::<f64>().ok()).sum())
    }
}

impl Drop for OwnPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn prometheus_scrapes_counters_that_move() {
    let topics = Topics::create(&brokers(), 2);
    let directory = tempfile::tempdir().unwrap();
    let config = write_config(directory.path(), &topics, &Settings::default());
    let processor = Processor::start(&config, &directory.path().join("run.log"));
    let address = telemetry_address(&processor);
    let prometheus = OwnPrometheus::start(&address);

    let producer = producer();
    let sessions: Vec<_> = (0..30).map(|index| synthetic_session(&format!("scraped-{index}"), 3)).collect();
    for session in &sessions {
        publish_session(&producer, &topics, session);
    }
    flush(&producer);
    let sids: BTreeSet<String> = sessions.iter().map(|session| session.sid.clone()).collect();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(distinct_keys(&verdicts), sids);

    // Read back through Prometheus's HTTP API (the first samples take a few seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let verdicts = prometheus.query_sum("sum(sightline_verdicts_total)");
        let records = prometheus.query_sum("sum(sightline_records_consumed_total)");
        let up = prometheus.query_sum("up");
        if verdicts.is_some_and(|count| count >= 30.0) && records.is_some_and(|count| count >= 120.0) {
            assert_eq!(up, Some(1.0));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus saw verdicts {verdicts:?}, records {records:?}, up {up:?}; metrics:\n{}",
            http_get(&address, "/metrics").1
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let metrics = http_get(&address, "/metrics").1;
    for name in ["sightline_end_to_verdict_seconds_bucket", "sightline_open_sessions", "process_resident_memory_bytes"]
    {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }
}

#[test]
fn no_secret_reaches_the_logs() {
    // A Redis user with a password, so the store URL carries a real secret.
    let redis_password = format!("redis-secret-{}", unique("pw"));
    let user = unique("sightline-user");
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    redis::cmd("ACL")
        .arg(&["SETUSER", &user, "on", &format!(">{redis_password}"), "~*", "&*", "+@all"][..])
        .exec(&mut connection)
        .unwrap();
    let redis_with_password = redis_url().replace("redis://", &format!("redis://{user}:{redis_password}@"));
    let sasl_password = format!("sasl-secret-{}", unique("pw"));
    let registry_password = format!("registry-secret-{}", unique("pw"));
    let transcript_secret = "AKIAZZZZSECRETLEAK77";

    let topics = Topics::create(&brokers(), 1);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings {
        extra: format!(
            "[schema_registry]\nurl = \"http://127.0.0.1:9\"\nusername = \"reader\"\npassword = \"{registry_password}\"\n"
        ),
        ..Settings::default()
    };
    let config = write_config(directory.path(), &topics, &settings);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(
            "commit_interval_ms = 200\n",
            &format!("commit_interval_ms = 200\n\n[kafka.security]\nsasl_username = \"svc\"\nsasl_password = \"{sasl_password}\"\n"),
        )
        .replace(
            "backend = \"embedded\"\n",
            &format!("backend = \"redis\"\nredis_url = \"{redis_with_password}\"\nkey_prefix = \"{}\"\n", unique("sightline-test")),
        );
    let path_line = text.lines().find(|line| line.starts_with("path = ")).unwrap_or_default().to_string();
    let text = text.replace(&format!("{path_line}\n"), "");
    std::fs::write(&config, text).unwrap();

    // A session whose output carries a secret.
    let mut session = synthetic_session("secret-session-1", 2);
    use base64::Engine;
    let leak =
        base64::engine::general_purpose::STANDARD.encode(format!("$ env\r\nAWS_ACCESS_KEY_ID={transcript_secret}\r\n"));
    session.chunks[1]["events"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"event": "print", "data": leak, "ms": 500}));
    let producer = producer();
    publish_session(&producer, &topics, &session);
    flush(&producer);

    let log = directory.path().join("run.log");
    let child = Command::new(env!("CARGO_BIN_EXE_sightline"))
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut processor = Processor { child, log: log.clone() };
    let sids: BTreeSet<String> = [session.sid.clone()].into();
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    assert_eq!(verdicts.len(), 1, "{}", processor.log_text());
    processor.terminate(Duration::from_secs(30));
    let mut output = processor.log_text();
    // check-config output too.
    let checked = Command::new(env!("CARGO_BIN_EXE_sightline")).arg("check-config").arg(&config).output().unwrap();
    output.push_str(&String::from_utf8_lossy(&checked.stdout));
    output.push_str(&String::from_utf8_lossy(&checked.stderr));
    assert!(output.len() > 1_000, "the trace log has content");
    for secret in [redis_password.as_str(), sasl_password.as_str(), registry_password.as_str(), transcript_secret] {
        assert!(!output.contains(secret), "secret {secret} in the logs");
    }
    let _ = redis::cmd("ACL").arg(&["DELUSER", &user][..]).exec(&mut connection);
}
