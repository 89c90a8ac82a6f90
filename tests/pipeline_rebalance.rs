//! Rebalances: a second and a third instance join and leave during a run (Redis store, so any
//! instance can take over any partition). Nothing is lost, with eager and cooperative
//! assignment alike; leaving instances shut down cleanly.

mod common;

use common::*;
use std::time::Duration;

fn instances_join_and_leave(assignment: &str) {
    let topics = Topics::create(&brokers(), 4);
    let directory = tempfile::tempdir().unwrap();
    let settings =
        Settings { redis_prefix: Some(unique("sightline-test")), extra: String::new(), ..Settings::default() };
    let config = write_config(directory.path(), &topics, &settings);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("session_timeout_ms = 3000\n", &format!("session_timeout_ms = 3000\nassignment = \"{assignment}\"\n"));
    std::fs::write(&config, text).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publisher = stream_sessions_until(&topics, assignment, 5_000, 4, 15, stop.clone());

    let first = Processor::start(&config, &directory.path().join("first.log"));
    wait_for_log(&first, "partitions assigned", 1, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(2));
    // A second instance joins and gets partitions; then a third.
    let mut second = Processor::start(&config, &directory.path().join("second.log"));
    wait_for_log(&second, "session judged", 1, Duration::from_secs(60));
    let mut third = Processor::start(&config, &directory.path().join("third.log"));
    wait_for_log(&third, "session judged", 1, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(1));
    // They leave while sessions still stream in: gracefully, then abruptly.
    let status = second.terminate(Duration::from_secs(30)).expect("second exits");
    assert!(status.success(), "{}", second.log_text());
    std::thread::sleep(Duration::from_secs(2));
    third.kill9();
    // Sessions keep streaming in after they left, then stop.
    std::thread::sleep(Duration::from_secs(3));
    assert!(!publisher.is_finished(), "the instances left while sessions were still streaming in");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let sids = publisher.join().unwrap();
    assert!(sids.len() > 100, "{} sessions published", sids.len());

    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(240));
    let duplicates = check_verdicts(&verdicts, &sids);
    eprintln!("{assignment}: {} sessions, {duplicates} duplicates", sids.len());
    let log = first.log_text();
    assert!(log.matches("partitions revoked").count() >= 1, "{log}");
}

#[test]
fn instances_join_and_leave_cooperative_sticky() {
    instances_join_and_leave("cooperative-sticky");
}

#[test]
fn instances_join_and_leave_eager() {
    instances_join_and_leave("range");
}

/// Two instances with their own embedded stores in one group cannot share sessions: the one
/// that receives partitions the other committed says so loudly (and counts it).
#[test]
fn embedded_stores_in_one_group_are_reported() {
    let topics = Topics::create(&brokers(), 2);
    let first_directory = tempfile::tempdir().unwrap();
    let second_directory = tempfile::tempdir().unwrap();
    let first_config = write_config(first_directory.path(), &topics, &Settings::default());
    let second_config = write_config(second_directory.path(), &topics, &Settings::default());
    let (sids, publisher) = stream_sessions(&topics, "two-stores", 20, 2, 100);
    publisher.join().unwrap();
    let first = Processor::start(&first_config, &first_directory.path().join("run.log"));
    let verdicts = wait_for_verdicts(&topics, &sids, Duration::from_secs(60));
    check_verdicts(&verdicts, &sids);
    std::thread::sleep(Duration::from_secs(1)); // let the first commit
    let second = Processor::start(&second_config, &second_directory.path().join("run.log"));
    let warning = "beyond what this instance's embedded store has read";
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !second.log_text().contains(warning) && !first.log_text().contains(warning) {
        assert!(
            std::time::Instant::now() < deadline,
            "no instance reported the foreign commits:\n{}",
            second.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
