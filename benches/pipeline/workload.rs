//! The benchmark's workloads (generated, deterministic) and a fixed-latency model server.

use base64::Engine;
use sightline::model::Session;
use sightline::source::files;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const PROMPT: &str = "\x1b[?2004h\x1b]0;alice@web-01: ~\x07\x1b[01;32malice@web-01\x1b[00m:\x1b[01;34m~\x1b[00m$ ";
const COMMANDS: [&str; 10] = [
    "ls -la /var/log",
    "df -h",
    "systemctl status nginx",
    "journalctl -u app -n 20",
    "git pull",
    "uptime",
    "free -m",
    "ps aux | grep java",
    "tail -n 50 /var/log/syslog",
    "cat /etc/os-release",
];

/// Appends a `print` event written `pause` ms after the previous one.
fn print(out: &mut String, sid: &str, ei: &mut u64, ms: &mut u64, pause: u64, data: &[u8]) {
    *ms += pause;
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    out.push_str(&format!(
        "{{\"event\":\"print\",\"sid\":\"{sid}\",\"ei\":{ei},\"ms\":{ms},\"bytes\":{},\"data\":\"{encoded}\"}}\n",
        data.len()
    ));
    *ei += 1;
}

/// An SSH session: `commands` commands pasted at the prompt, each printing `lines` log lines.
fn ssh_jsonl(sid: &str, commands: usize, lines: usize, end: bool) -> String {
    let mut out = format!(
        "{{\"event\":\"session.start\",\"sid\":\"{sid}\",\"ei\":0,\"time\":\"2026-11-20T10:00:00Z\",\"user\":\"alice\",\"login\":\"alice\",\"server_hostname\":\"web-01\",\"size\":\"120:40\"}}\n"
    );
    let (mut ei, mut ms) = (1u64, 0u64);
    print(&mut out, sid, &mut ei, &mut ms, 3, PROMPT.as_bytes());
    for index in 0..commands {
        // A person pastes the command (the shell echoes it as one write) a moment after the
        // prompt, then presses Enter; output follows at once.
        let command = COMMANDS[index % COMMANDS.len()];
        print(&mut out, sid, &mut ei, &mut ms, 800, command.as_bytes());
        print(&mut out, sid, &mut ei, &mut ms, 200, b"\r\n\x1b[?2004l\r");
        let mut output = String::new();
        for line in 0..lines {
            output.push_str(&format!(
                "{line}:2026-11-20T10:{:02}:{:02}Z INFO request served id={line:08x} upstream=10.0.3.{} status=200\r\n",
                line % 60,
                (line * 7) % 60,
                line % 250
            ));
            if output.len() > 32 * 1024 {
                print(&mut out, sid, &mut ei, &mut ms, 3, output.as_bytes());
                output.clear();
            }
        }
        output.push_str(PROMPT);
        print(&mut out, sid, &mut ei, &mut ms, 3, output.as_bytes());
    }
    if end {
        out.push_str(&format!(
            "{{\"event\":\"session.end\",\"sid\":\"{sid}\",\"ei\":{ei},\"time\":\"2026-11-20T10:30:00Z\"}}\n"
        ));
    }
    out
}

fn parse(text: &str) -> Vec<Session> {
    files::read_bytes(Path::new("bench.jsonl"), text.as_bytes()).sessions
}

fn sample(name: &str) -> Session {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions").join(name);
    files::read_file(&path).sessions.remove(0)
}

/// `count` sessions of a workload: `small` (~20 commands, ~20 KB), `large` (`mb` MB of output
/// over 20 commands), `db` (four database sessions from the samples to one small SSH session).
pub fn sessions(kind: &str, count: usize, mb: f64) -> Vec<Session> {
    let lines = ((mb * 1_000_000.0 / 20.0 / 89.0) as usize).max(1);
    let samples =
        if kind == "db" { vec![sample("db-postgres-billing.jsonl"), sample("db-mysql-shop.json")] } else { vec![] };
    let ssh = |sid: &str, lines: usize| parse(&ssh_jsonl(sid, 20, lines, true)).remove(0);
    let generated: Vec<Session> = (0..count)
        .map(|index| {
            let sid = format!("{kind}-{index:06}");
            match kind {
                "small" => ssh(&sid, 6),
                "large" => ssh(&sid, lines),
                "db" if index % 5 != 4 => {
                    let mut session = samples[index % 2].clone();
                    session.sid = sid;
                    session
                }
                "db" => ssh(&sid, 6),
                other => panic!("unknown workload {other}"),
            }
        })
        .collect();
    // The workload must read as what it claims: the generated SSH sessions' 20 commands found
    // (and so judged by the rules), not taken for part of a prompt. They differ only in `sid`.
    if let Some(session) = generated.get(if kind == "db" { 4 } else { 0 }) {
        let found = sightline::analyze::timeline::build_timeline(session).len();
        assert_eq!(found, 20, "the generated session {} reads as {found} commands, not 20", session.sid);
    }
    generated
}

/// Bytes of PTY output and database queries in `sessions`.
pub fn output_bytes(sessions: &[Session]) -> u64 {
    sessions.iter().map(|session| session.output_bytes() as u64).sum()
}

/// `count` sessions' first chunk record (a start and one command, no end): (key, payload).
pub fn open_chunks(count: usize) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|index| {
            let sid = format!("open-{index:07}");
            let session = parse(&ssh_jsonl(&sid, 1, 2, false)).remove(0);
            let records = sightline::replay::session_records(&session, 65_536, false);
            (records.sid.clone(), serde_json::to_vec(&records.chunks[0]).unwrap())
        })
        .collect()
}

/// An OpenAI-compatible model that answers every request after a fixed delay.
pub struct FixedLatencyModel {
    pub url: String,
    requests: Arc<AtomicU64>,
    most: Arc<AtomicU64>,
}

const ANSWER: &str = r#"{"short_title":"Routine work","short_description":"The user checked services.","detailed_description":"Nothing stood out.","risk_level":"LOW","suspicious_activities":[],"compromise_indicators":false,"session_events":[]}"#;

impl FixedLatencyModel {
    /// Plain HTTP/1.1 over std sockets, one thread per connection, keep-alive: nothing in the
    /// server queues requests, so the only wait a request sees is `latency`.
    pub fn start(latency: Duration) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let (requests, most) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let in_flight = Arc::new(AtomicU64::new(0));
        let (counted, peak) = (requests.clone(), most.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (counted, peak, in_flight) = (counted.clone(), peak.clone(), in_flight.clone());
                std::thread::spawn(move || serve(stream, latency, &counted, &peak, &in_flight));
            }
        });
        FixedLatencyModel { url, requests, most }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn most_in_flight(&self) -> u64 {
        self.most.load(Ordering::SeqCst)
    }
}

fn serve(stream: std::net::TcpStream, latency: Duration, counted: &AtomicU64, peak: &AtomicU64, in_flight: &AtomicU64) {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return; // the client closed the connection
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        counted.fetch_add(1, Ordering::SeqCst);
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(latency);
        in_flight.fetch_sub(1, Ordering::SeqCst);
        let reply = serde_json::json!({
            "choices": [{"message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1500, "completion_tokens": 80},
        })
        .to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
