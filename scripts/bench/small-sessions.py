#!/usr/bin/env python3
"""Writes N small synthetic SSH sessions (Teleport events, JSON lines) for throughput runs.

Each session: a bash 5.2-style prompt with bracketed paste, 20 commands each pasted as one write
0.8 s after the prompt, 8 lines of output each (~22 KB of JSON per session). Deterministic (seeded).

    python3 scripts/bench/small-sessions.py 10000 /tmp/small20k.jsonl
    /usr/bin/time -f "%e s %M KB" target/release/sightline analyze --format json /tmp/small20k.jsonl > /dev/null
"""
import base64
import json
import random
import sys

PROMPT = "\x1b[?2004h\x1b]0;alice@web-01: ~\x07\x1b[01;32malice@web-01\x1b[00m:\x1b[01;34m~\x1b[00m$ "
COMMANDS = ["ls -la /var/log", "df -h", "systemctl status nginx", "journalctl -u app -n 20", "git pull",
            "uptime", "free -m", "ps aux | grep java", "tail -n 50 /var/log/syslog", "cat /etc/os-release"]


def main(count, path):
    random.seed(7)
    with open(path, "w") as out:
        for index in range(count):
            sid = f"s-{index:05}"
            state = {"ei": 0, "ms": 0}
            lines = []

            def emit(event):
                event["sid"] = sid
                event["ei"] = state["ei"]
                state["ei"] += 1
                lines.append(json.dumps(event))

            def write(data, pause=3):
                state["ms"] += pause
                emit({"event": "print", "ms": state["ms"], "data": base64.b64encode(data.encode()).decode()})

            emit({"event": "session.start", "time": "2026-11-20T10:00:00Z", "user": "alice",
                  "server_hostname": "web-01", "size": "120:40"})
            write(PROMPT)
            for _ in range(20):
                # A person pastes the command a moment after the prompt and presses Enter.
                write(random.choice(COMMANDS), pause=800)
                write("\r\n\x1b[?2004l\r", pause=200)
                body = "".join(f"line {n}: some output text here, a little longer to look like real output\r\n"
                               for n in range(8))
                write(body + PROMPT)
            emit({"event": "session.end", "time": "2026-11-20T10:30:00Z"})
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
