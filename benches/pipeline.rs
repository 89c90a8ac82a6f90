//! End-to-end benchmarks against the real broker (`scripts/services.sh start`): the same records
//! read by a plain rdkafka consumer doing nothing (the baseline) and by `sightline run` (rules
//! only), in one run, with their ratio; end-to-verdict latency at a steady rate; memory per
//! open session; the LLM path against a fixed-latency model. Commands and recorded figures are
//! in `BENCHMARKS.md`:
//!
//! ```text
//! eval "$(scripts/services.sh start)"
//! cargo bench --bench pipeline -- throughput small 10000
//! cargo bench --bench pipeline -- throughput large 100        # 5 MB each; a 4th argument sets MB
//! cargo bench --bench pipeline -- throughput db 10000
//! cargo bench --bench pipeline -- latency small 4000 300      # sessions, sessions/s
//! cargo bench --bench pipeline -- open 100000 embedded         # or redis
//! cargo bench --bench pipeline -- llm 200 2000 8               # sessions, model ms, concurrency
//! ```
//!
//! `sightline run` is the release binary Cargo built for this bench
//! (`CARGO_BIN_EXE_sightline`), a separate process so its RSS is its own; `SIGHTLINE_BENCH_BIN`
//! names another binary instead (to compare two builds on the same workload).

#[path = "pipeline/kafka.rs"]
mod kafka;
#[path = "pipeline/workload.rs"]
mod workload;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn usage() -> ! {
    eprintln!(
        "usage: pipeline throughput small|large|db N [MB per large session] | latency small N RATE | open N embedded|redis | llm N MS CONCURRENCY"
    );
    std::process::exit(2)
}

fn arg<T: std::str::FromStr>(args: &[String], index: usize) -> T {
    args.get(index).and_then(|value| value.parse().ok()).unwrap_or_else(|| usage())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let brokers = std::env::var("SIGHTLINE_TEST_BROKERS").unwrap_or_else(|_| {
        eprintln!("SIGHTLINE_TEST_BROKERS is not set: eval \"$(scripts/services.sh start)\" first");
        std::process::exit(2)
    });
    println!("machine: {} cores, {}", num_cpus(), machine());
    match args.first().map(String::as_str) {
        Some("throughput") => {
            throughput(&brokers, &args[1], arg(&args, 2), args.get(3).and_then(|mb| mb.parse().ok()).unwrap_or(5.0))
        }
        Some("latency") => latency(&brokers, &args[1], arg(&args, 2), arg(&args, 3)),
        Some("open") => open_sessions(&brokers, arg(&args, 1), &args[2]),
        Some("llm") => llm(&brokers, arg(&args, 1), arg(&args, 2), arg(&args, 3)),
        _ => usage(),
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(usize::from).unwrap_or(1)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| text.lines().find(|line| line.starts_with("model name")).map(str::to_string))
        .unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| text.lines().next().map(str::to_string))
        .unwrap_or_default();
    format!("{} / {}", cpu.split(':').nth(1).unwrap_or("").trim(), memory.split_whitespace().nth(1).unwrap_or("?"))
}

/// A `sightline run` process with its own topics, store and telemetry port.
struct Run {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
    /// One client for every poll: `reqwest::blocking::get` builds a client, with its own runtime
    /// thread, per call, which at one poll per 10 ms took ~1/3 of a core from the run measured.
    http: reqwest::blocking::Client,
}

impl Run {
    fn start(topics: &kafka::Topics, brokers: &str, store: &str, extra: &str) -> Run {
        let dir = std::env::temp_dir().join(format!("sightline-bench-{}", topics.prefix));
        std::fs::create_dir_all(&dir).unwrap();
        let port = 19_000 + (std::process::id() % 900) as u16;
        let store = match store {
            "redis" => format!(
                "backend = \"redis\"\nredis_url = \"{}\"\nkey_prefix = \"{}\"",
                std::env::var("SIGHTLINE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into()),
                topics.prefix
            ),
            _ => format!("path = \"{}\"", dir.join("state").display()),
        };
        let config = format!(
            "[kafka]\nbrokers = \"{brokers}\"\ngroup_id = \"{p}.group\"\nchunk_topic = \"{p}.chunks\"\nend_topic = \"{p}.ends\"\n\
             verdict_topic = \"{p}.verdicts\"\naudit_topic = \"{p}.audit\"\ndlq_topic = \"{p}.dlq\"\n\
             session_timeout_ms = 6000\nheartbeat_interval_ms = 1000\n[store]\n{store}\n[timeouts]\ndrain_timeout_ms = 2000\nidle_timeout_secs = 86400\n\
             [telemetry]\nlisten = \"127.0.0.1:{port}\"\n[log]\nlevel = \"warn\"\n{extra}\n",
            p = topics.prefix
        );
        let path = dir.join("bench.toml");
        std::fs::write(&path, config).unwrap();
        let binary = std::env::var("SIGHTLINE_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_sightline").into());
        let child = Command::new(binary)
            .args(["run", "--config"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Run { child, port, dir, http: reqwest::blocking::Client::new() }
    }

    /// A field of `/state`: a number, or a list's length.
    fn state(&self, field: &str) -> Option<u64> {
        let body = self.http.get(format!("http://127.0.0.1:{}/state", self.port)).send().ok()?.text().ok()?;
        let value = serde_json::from_str::<serde_json::Value>(&body).ok()?.get(field)?.clone();
        value.as_u64().or_else(|| value.as_array().map(|list| list.len() as u64))
    }

    /// The sum of a metric's series on `/metrics` (live, unlike `/state`'s 1 s snapshot).
    fn metric(&self, name: &str) -> f64 {
        let Ok(body) = self
            .http
            .get(format!("http://127.0.0.1:{}/metrics", self.port))
            .send()
            .and_then(|response| response.text())
        else {
            return 0.0;
        };
        body.lines()
            .filter(|line| line.starts_with(name) && line[name.len()..].starts_with(['{', ' ']))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Waits for the run's first input record (the group join done); returns when.
    fn wait_for_first_record(&self) -> Instant {
        let started = Instant::now();
        while self.metric("sightline_records_consumed_total") == 0.0 && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        Instant::now()
    }

    /// Waits until the run owns its partitions (the group join done); returns when.
    fn wait_for_assignment(&self) -> Instant {
        let started = Instant::now();
        while self.state("assigned_partitions").unwrap_or(0) == 0 && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(10));
        }
        Instant::now()
    }

    /// Resident memory in bytes, from /proc.
    fn rss(&self) -> u64 {
        rss_of(self.child.id())
    }

    /// CPU seconds used so far (user + system).
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        let ticks = |index: usize| fields.get(index).and_then(|value| value.parse::<f64>().ok()).unwrap_or(0.0);
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Waits until `/metrics` counts `count` verdicts; returns the peak RSS seen.
    fn wait_for_verdicts(&mut self, count: u64, limit: Duration) -> u64 {
        let started = Instant::now();
        let mut peak = 0;
        loop {
            peak = peak.max(self.rss());
            if self.metric("sightline_verdicts_total") >= count as f64 {
                return peak;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("sightline run exited: {status}");
            }
            assert!(started.elapsed() < limit, "only {} of {count} verdicts", self.metric("sightline_verdicts_total"));
            // Each poll renders every metric: 25 ms apart (±13 ms on runs of seconds) keeps
            // that out of the figures.
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The raw consumer and `sightline run` on the same records, one after the other.
fn throughput(brokers: &str, kind: &str, count: usize, session_mb: f64) {
    let sessions = workload::sessions(kind, count, session_mb);
    let topics = kafka::Topics::create(&format!("bench{}", std::process::id()));
    let published = kafka::publish(brokers, &topics, &sessions, None);
    println!(
        "workload {kind}: {count} sessions, {} records, {:.1} MB ({:.1} MB of PTY output / queries)",
        published.records,
        mb(published.bytes),
        mb(workload::output_bytes(&sessions))
    );
    drop(sessions);

    let raw = kafka::raw_consume(brokers, &topics, published.records);
    let (raw_secs, raw_steady) = (raw.total.as_secs_f64(), raw.after_first.as_secs_f64());
    println!(
        "raw consumer:   {raw_secs:>6.2} s total, {raw_steady:>6.2} s after the group join: {:>9.0} records/s  {:>7.1} MB/s",
        published.records as f64 / raw_steady,
        mb(published.bytes) / raw_steady
    );

    let started = Instant::now();
    let mut run = Run::start(&topics, brokers, "embedded", "");
    let joined = run.wait_for_first_record();
    let peak = run.wait_for_verdicts(count as u64, Duration::from_secs(3600));
    let (secs, steady) = (started.elapsed().as_secs_f64(), joined.elapsed().as_secs_f64());
    let cpu = run.cpu();
    println!(
        "sightline run:  {secs:>6.2} s total, {steady:>6.2} s after the group join: {:>9.0} records/s  {:>7.1} MB/s  {:.0} sessions/s  cpu {:.1} s  peak RSS {:.0} MB",
        published.records as f64 / steady,
        mb(published.bytes) / steady,
        count as f64 / steady,
        cpu,
        mb(peak)
    );
    println!(
        "ratio sightline/raw: {:.2} after the group join ({:.2} with process start and join)",
        raw_steady / steady,
        raw_secs / secs
    );
    run.stop();
}

/// Steady load at `rate` sessions/s while `run` works; latency from each end record's
/// publication to its verdict record's timestamp.
fn latency(brokers: &str, kind: &str, count: usize, rate: f64) {
    let sessions = workload::sessions(kind, count, 0.0);
    let topics = kafka::Topics::create(&format!("lat{}", std::process::id()));
    let run = Run::start(&topics, brokers, "embedded", "");
    // Let it join the group before the clock starts.
    run.wait_for_assignment();
    std::thread::sleep(Duration::from_secs(1));
    let published = kafka::publish(brokers, &topics, &sessions, Some(rate));
    let mut run = run;
    run.wait_for_verdicts(count as u64, Duration::from_secs(1800));
    let mut latencies = kafka::verdict_latencies(brokers, &topics, &published.end_times);
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "latency at {rate} sessions/s ({count} {kind} sessions, {} measured): p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        latencies.last().copied().unwrap_or(0)
    );
    run.stop();
}

/// `count` sessions left open (one chunk each, no end); memory per open session.
fn open_sessions(brokers: &str, count: usize, store: &str) {
    let topics = kafka::Topics::create(&format!("open{}", std::process::id()));
    let mut run = Run::start(&topics, brokers, store, "");
    run.wait_for_assignment();
    std::thread::sleep(Duration::from_secs(2));
    let before = run.rss();
    println!("open sessions ({store} store): RSS with none open {:.1} MB", mb(before));
    let sessions = workload::open_chunks(count);
    let chunk_bytes: usize = sessions.iter().map(|(_, chunk)| chunk.len()).sum();
    let producer_started = Instant::now();
    kafka::publish_raw(brokers, &format!("{}.chunks", topics.prefix), &sessions);
    drop(sessions);
    let mut samples = Vec::new();
    loop {
        let open = run.state("open_sessions").unwrap_or(0);
        samples.push((producer_started.elapsed().as_secs(), open, run.rss()));
        if open >= count as u64 {
            break;
        }
        assert!(run.child.try_wait().unwrap().is_none(), "sightline run exited");
        assert!(producer_started.elapsed() < Duration::from_secs(1800), "only {open} of {count} open");
        std::thread::sleep(Duration::from_secs(1));
    }
    // Sessions new to `run` are held in memory for up to `timeouts.hold_ms` (5 s) before their
    // chunks go to the store: measure once the last ones are idle and stored.
    std::thread::sleep(Duration::from_secs(7));
    let after = run.rss();
    samples.push((producer_started.elapsed().as_secs(), run.state("open_sessions").unwrap_or(0), after));
    for (second, open, rss) in samples.iter().step_by((samples.len() / 12).max(1)) {
        println!("  t={second:>4}s open={open:>7} RSS={:.1} MB", mb(*rss));
    }
    println!(
        "open sessions: {count} open, {:.1} MB of chunk records stored; RSS {:.1} MB → {:.1} MB: {:.0} bytes per open session",
        mb(chunk_bytes as u64),
        mb(before),
        mb(after),
        (after.saturating_sub(before)) as f64 / count as f64
    );
    run.stop();
}

/// The LLM path: a model answering after `millis` ms, `concurrency` requests at once.
fn llm(brokers: &str, count: usize, millis: u64, concurrency: usize) {
    let model = workload::FixedLatencyModel::start(Duration::from_millis(millis));
    let sessions = workload::sessions("small", count, 0.0);
    let topics = kafka::Topics::create(&format!("llm{}", std::process::id()));
    let extra = format!(
        "[limits]\nanalysis_workers = {workers}\n[inference.models.fixed]\nprovider = \"openai_compatible\"\nmodel = \"fixed\"\n\
         base_url = \"{url}\"\nmax_concurrency = {concurrency}\n[inference.policies.all]\nmodel = \"fixed\"\n",
        workers = concurrency.max(2),
        url = model.url
    );
    let mut run = Run::start(&topics, brokers, "embedded", &extra);
    run.wait_for_assignment();
    let started = Instant::now();
    let published = kafka::publish(brokers, &topics, &sessions, None);
    run.wait_for_verdicts(count as u64, Duration::from_secs(3600));
    let secs = started.elapsed().as_secs_f64();
    let ideal = concurrency as f64 * 1000.0 / millis as f64;
    println!(
        "llm path: {count} sessions ({} records) with a {millis} ms model at concurrency {concurrency}: {:.1} s, {:.2} sessions/s (the model's bound: {ideal:.2}/s); {} requests, most in flight {}",
        published.records,
        secs,
        count as f64 / secs,
        model.requests(),
        model.most_in_flight()
    );
    run.stop();
}
