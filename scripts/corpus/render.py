"""Renders corpus scenarios into Teleport audit events (one JSON object per line).

ssh sessions are rendered as bash 5.2 draws them: bracketed-paste mode around every prompt,
one ``print`` per typed character, ``\\b\\x1b[K`` for a backspace, readline's `` \\r`` at the
right margin, ``\\r\\n\\x1b[?2004l\\r`` for Enter, PS2 (``> ``) for continuation lines, pasted text
highlighted then redrawn, the alternate screen for full-screen programs.  Interactive
``kubectl exec`` shells are busybox ash / dash (no bracketed paste, tty echo of backspace as
``\\b \\b``) or bash.  Database and Kubernetes API sessions are sequences of query / request
events.  Everything is deterministic: random timings come from a generator seeded with the file
name.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import posixpath
import random
import re
import shlex
import uuid

from dsl import Cmd, KExec, KReq, Scenario, Sql, Wait, B

CLUSTER = "teleport.acme-corp.example"
NS = uuid.UUID("0c8e3f52-6a1d-4f6b-9d47-2b1e5a7c9d30")
WIDTH, HEIGHT = 120, 40
ANSI = re.compile(r"\x1b\[[0-9;?>=]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>()][0-9A-Za-z]?")

# Where people connect from (corporate VPN egress and a few home / cloud addresses).
USER_ADDR = {}


def sid_for(file: str) -> str:
    return str(uuid.uuid5(NS, file))


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def rfc3339(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def remote_addr(user: str, cls: str, override: str | None = None) -> str:
    if override:
        return override
    h = _seed("addr", user)
    if cls == "malicious" and h % 3 == 0:
        ip = f"203.0.113.{h % 200 + 20}"
    else:
        ip = f"198.51.100.{h % 180 + 10}"
    return f"{ip}:{49152 + h % 16000}"


def server_addr(host: str) -> str:
    h = _seed("srv", host)
    return f"10.{20 + h % 20}.{(h >> 8) % 16}.{(h >> 16) % 240 + 10}:3022"


def start_time(scn: Scenario, rng: random.Random) -> dt.datetime:
    if scn.when:
        base = dt.datetime.strptime(scn.when, "%Y-%m-%dT%H:%M").replace(tzinfo=dt.timezone.utc)
        return base + dt.timedelta(seconds=rng.randint(0, 59), milliseconds=rng.randint(0, 999))
    day = dt.datetime(2025, 2, 3, tzinfo=dt.timezone.utc) + dt.timedelta(days=rng.randint(0, 80))
    if scn.cls == "benign" or rng.random() < 0.35:
        while day.weekday() >= 5 and rng.random() < 0.85:
            day += dt.timedelta(days=1)
        hour = rng.randint(7, 18)
    else:
        hour = rng.choice([0, 1, 2, 3, 4, 5, 20, 21, 22, 23, 13, 16])
    return day + dt.timedelta(hours=hour, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59),
                              milliseconds=rng.randint(0, 999))


# --------------------------------------------------------------------------
# Terminal rendering (ssh and interactive kubectl exec)
# --------------------------------------------------------------------------


def home_of(user: str) -> str:
    return {"root": "/root", "postgres": "/var/lib/postgresql", "www-data": "/var/www", "mysql": "/var/lib/mysql",
            "nobody": "/nonexistent"}.get(user, f"/home/{user}")


class Frame:
    def __init__(self, user, host, cwd, home, style, exit_out="logout"):
        self.user, self.host, self.cwd, self.home, self.style, self.exit_out = user, host, cwd, home, style, exit_out
        self.oldpwd = cwd
        self.prefix = ""  # e.g. "(.venv) " while a virtualenv is active

    @property
    def bracketed(self) -> bool:
        return self.style not in ("ash", "dash")

    def disp(self) -> str:
        if self.cwd == self.home:
            return "~"
        if self.cwd.startswith(self.home.rstrip("/") + "/") and self.home != "/":
            return "~" + self.cwd[len(self.home.rstrip("/")):]
        return self.cwd

    def prompt(self) -> str:
        return self.prefix + self._ps1()

    def _ps1(self) -> str:
        sym = "#" if self.user == "root" else "$"
        d = self.disp()
        u, h = self.user, self.host
        if self.style == "debian":
            return f"\x1b]0;{u}@{h}: {d}\x07\x1b[01;32m{u}@{h}\x1b[00m:\x1b[01;34m{d}\x1b[00m{sym} "
        if self.style == "rhel":
            base = "~" if d == "~" else (posixpath.basename(self.cwd) or "/")
            return f"[{u}@{h} {base}]{sym} "
        if self.style == "ash":
            return f"{d} {sym} "
        if self.style == "dash":
            return f"{sym} "
        if self.style == "sh52":  # bash started as sh (e.g. an SSM session)
            return f"sh-5.2{sym} "
        return f"{u}@{h}:{d}{sym} "


def visible_len(s: str) -> int:
    return len(ANSI.sub("", s))


def apply_cd(frame: Frame, line: str, out: str) -> None:
    if "No such file" in out or "Permission denied" in out or "Not a directory" in out:
        return
    for segment in re.split(r"&&|;|\|\|", line):
        try:
            words = shlex.split(segment)
        except ValueError:
            continue
        if not words or words[0] != "cd" or len(words) > 2:
            continue
        arg = words[1] if len(words) == 2 else None
        if arg in (None, "~"):
            new = frame.home
        elif arg == "-":
            new = frame.oldpwd
        elif arg.startswith("~/"):
            new = posixpath.join(frame.home, arg[2:])
        else:
            new = posixpath.join(frame.cwd, arg)
        new = posixpath.normpath(new)
        if new.startswith("//"):
            new = new[1:]
        if arg and arg.endswith(" ") and not new.endswith(" "):
            new += " " if new.endswith(".") else ""
        frame.oldpwd, frame.cwd = frame.cwd, new


def detect_push(frame: Frame, cmd: Cmd) -> dict | None:
    if cmd.push is False or cmd.cancel:
        return None
    if isinstance(cmd.push, dict):
        return cmd.push
    if "Authentication failure" in cmd.out or "incorrect password" in cmd.out or "not in the sudoers" in cmd.out \
            or "Sorry, try again" in cmd.out.split("\n")[-1:][0]:
        return None
    t = cmd.line.split()
    if not t:
        return None
    if t[0] == "sudo":
        rest = t[1:]
        if rest in (["-i"], ["su", "-"], ["su", "-l"], ["-i", "-u", "root"]):
            return dict(user="root", login=True)
        if rest in (["-s"], ["bash"], ["su"], ["-s", "/bin/bash"]):
            return dict(user="root", login=False)
        if len(rest) == 3 and rest[:2] in (["su", "-"], ["su", "-l"]):
            return dict(user=rest[2], login=True)
        if len(rest) == 1 and rest[0].startswith("-iu"):
            return dict(user=rest[0][3:], login=True)
        if len(rest) == 2 and rest[0] == "-iu":
            return dict(user=rest[1], login=True)
        if len(rest) == 3 and rest[0] == "-u" and rest[2] == "-i":
            return dict(user=rest[1], login=True)
        return None
    if t[0] == "su":
        rest = t[1:]
        login = bool(rest) and rest[0] in ("-", "-l")
        if login:
            rest = rest[1:]
        if len(rest) > 1:
            return None
        return dict(user=rest[0] if rest else "root", login=login)
    return None


class Term:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ms = 0
        self.writes: list[tuple[int, str]] = []
        self.col = 0

    def write(self, data: str, after_ms: int = 0) -> None:
        self.ms += max(0, int(after_ms))
        if data:
            self.writes.append((self.ms, data))

    def wrap_text(self, text: str) -> tuple[str, int]:
        """Text as readline writes it from the current column (`` \\r`` at the margin); rows added."""
        out, rows = [], 0
        for ch in text:
            out.append(ch)
            self.col += 1
            if self.col == WIDTH:
                out.append(" \r")
                self.col = 0
                rows += 1
        return "".join(out), rows

    def type_text(self, text: str, frame: Frame) -> None:
        for ch in text:
            gap = self.rng.randint(60, 150)
            if ch == " " and self.rng.random() < 0.3:
                gap += self.rng.randint(40, 250)
            if ch == B:
                gap = self.rng.randint(150, 320)
                assert self.col > 0, "backspace across a wrapped line"
                self.col -= 1
                self.write("\b \b" if not frame.bracketed else "\b\x1b[K", gap)
            else:
                s, _ = self.wrap_text(ch)
                self.write(s, gap)


def out_bytes(cmd: Cmd) -> str:
    if cmd.raw_out is not None:
        return cmd.raw_out
    if not cmd.out:
        return ""
    s = cmd.out.replace("\r\n", "\n").replace("\n", "\r\n")
    return s if cmd.noout_newline else s + "\r\n"


def split_output(data: str, rng: random.Random, limit: int = 1400) -> list[str]:
    if len(data) <= limit:
        return [data]
    parts, cur = [], ""
    for line in data.split("\r\n"):
        piece = line + "\r\n"
        if cur and len(cur) + len(piece) > limit:
            parts.append(cur)
            cur = ""
        cur += piece
    if cur:
        parts.append(cur)
    # the split added a trailing \r\n to the last piece: restore the original ending
    joined = "".join(parts)
    if joined != data:
        assert joined == data + "\r\n"
        parts[-1] = parts[-1][:-2]
        if not parts[-1]:
            parts.pop()
    return parts


def render_screen(term: Term, cmd: Cmd, rng: random.Random) -> None:
    sc = cmd.screen
    kind = sc["kind"]
    rows = HEIGHT
    if kind == "vim":
        path = cmd.line.split()[-1]
        lines = sc["lines"]
        nbytes = sum(len(x) + 1 for x in lines)
        status = f'"{path}" {len(lines)}L, {nbytes}B' if lines else f'"{path}" [New]'
        scr = ("\x1b[?1049h\x1b[22;0;0t\x1b[>4;2m\x1b[?1h\x1b=\x1b[?2004h\x1b[1;%dr\x1b[?12h\x1b[?12l\x1b[22;2t\x1b[22;1t"
               "\x1b[27m\x1b[23m\x1b[29m\x1b[m\x1b[H\x1b[2J\x1b[?25l" % rows)
        body = []
        for i, line in enumerate(lines[: rows - 1]):
            body.append(f"\x1b[{i + 1};1H{line[:WIDTH]}")
        for i in range(len(lines), rows - 1):
            body.append(f"\x1b[{i + 1};1H\x1b[94m~\x1b[0m")
        term.write(scr + "".join(body) + f"\x1b[{rows};1H{status}\x1b[1;1H\x1b[?25h", rng.randint(40, 160))
        for line_no, new_text in sc["edits"]:
            row = min(line_no, rows - 1)
            term.write(f"\x1b[?25l\x1b[{row};1H\x1b[?25h", rng.randint(900, 4000))
            term.write(f"\x1b[{rows};1H\x1b[1m-- INSERT --\x1b[m\x1b[{row};1H\x1b[K", rng.randint(300, 900))
            if len(new_text) > 40:
                # a long line is pasted in insert mode: it arrives in one piece
                term.write(new_text, rng.randint(300, 900))
            else:
                for ch in new_text:
                    term.write(ch, rng.randint(60, 150))
            term.write(f"\x1b[{rows};1H\x1b[K\x1b[{row};{max(1, len(new_text))}H", rng.randint(300, 800))
        keys = sc["keys"]
        term.write(f"\x1b[?25l\x1b[{rows};1H\x1b[K\x1b[{rows};1H:\x1b[?25h", rng.randint(1500, 6000))
        for ch in keys[1:]:
            term.write(ch, rng.randint(80, 160))
        done = ""
        if keys.startswith(":w"):
            final = list(lines)
            for n, t in sc["edits"]:
                if n <= len(final):
                    final[n - 1] = t
                else:
                    final.append(t)
            done = f'\r\x1b[?25l"{path}" {len(final)}L, {sum(len(x) + 1 for x in final)}B written'
        term.write(done + "\r\x1b[23;2t\x1b[23;1t\r\r\n\x1b[?2004l\x1b[?1l\x1b>\x1b[?1049l\x1b[23;0;0t\x1b[?25h\x1b[>4;m",
                   rng.randint(200, 500))
    elif kind == "less":
        lines = sc["lines"]
        shown = lines[: rows - 1]
        end = "\x1b[7m(END)\x1b[27m\x1b[K" if len(lines) <= rows - 1 else ":\x1b[K"
        term.write("\x1b[?1049h\x1b[22;0;0t\x1b[?1h\x1b=\r" + "\r\n".join(x[:WIDTH] for x in shown) + "\r\n" + end,
                   rng.randint(20, 120))
        if len(lines) > rows - 1:
            more = lines[rows - 1:]
            term.write("\r\x1b[K" + "\r\n".join(x[:WIDTH] for x in more[: rows - 1]) + "\r\n:\x1b[K", rng.randint(2000, 7000))
        term.write("\r\x1b[K\x1b[?1l\x1b>\x1b[?1049l\x1b[23;0;0t", rng.randint(2500, 9000))
    elif kind == "top":
        lines = sc["lines"]
        head = "\x1b[?1049h\x1b[22;0;0t\x1b[1;%dr\x1b(B\x1b[m\x1b[4l\x1b[?7h\x1b[?1h\x1b=\x1b[?25l\x1b[H\x1b[2J" % rows
        term.write(head + "\x1b[K\r\n".join(x[:WIDTH] for x in lines[:rows]) + "\x1b[K", rng.randint(30, 200))
        for _ in range(rng.randint(1, 3)):
            term.write("\x1b[H" + "\x1b[K\r\n".join(x[:WIDTH] for x in lines[:rows]) + "\x1b[K", 3000)
        term.write(f"\x1b[?1l\x1b>\x1b[{rows};1H\r\n\x1b[?12l\x1b[?25h\x1b[K\x1b[?1049l\x1b[23;0;0t", rng.randint(500, 3000))
    else:
        raise ValueError(kind)


def render_terminal(scn: Scenario, rng: random.Random) -> list[tuple[int, str]]:
    term = Term(rng)
    home = home_of(scn.login)
    if scn.kind == "k8s":
        home = "/root" if scn.login == "root" else scn.extra.get("home", "/")
    cwd = scn.cwd or home
    if cwd == "~":
        cwd = home
    stack = [Frame(scn.login, scn.host if scn.kind == "ssh" else scn.extra["pod"], cwd, home, scn.style)]
    first = True
    steps = list(scn.steps)
    ended = False

    def prompt(after):
        f = stack[-1]
        s = ("\x1b[?2004h" if f.bracketed else "") + f.prompt()
        term.write(s, after)
        term.col = visible_len(f.prompt()) % WIDTH

    prompt(rng.randint(40, 400))
    for step in steps:
        if isinstance(step, Wait):
            term.ms += int(step.seconds * 1000)
            continue
        assert isinstance(step, Cmd), f"{scn.name}: {step!r} in a terminal session"
        frame = stack[-1]
        think = step.think if step.think is not None else (rng.uniform(1.5, 5.0) if first else rng.uniform(0.7, 4.0))
        first = False
        term.ms += int(think * 1000)
        lines = step.text.split("\n")
        start_col = term.col
        if step.pasted and not frame.bracketed:
            # no readline: the tty echoes the pasted bytes as they come
            term.write("\r\n".join(lines), rng.randint(30, 120))
            term.col = (term.col + len(lines[-1])) % WIDTH
        elif step.pasted:
            assert B not in step.text, "a pasted command has no typing mistakes"
            chunks, rows = [], 0
            for i, line in enumerate(lines):
                if i:
                    chunks.append("\r\n\r")
                    term.col = 0
                    rows += 1
                wrapped, r = term.wrap_text(line)
                rows += r
                chunks.append("\x1b[7m" + wrapped + "\x1b[27m")
            term.write("".join(chunks), rng.randint(30, 120))
        else:
            for i, line in enumerate(lines):
                term.type_text(line, frame)
                if i < len(lines) - 1:
                    term.write("\r\n\x1b[?2004l\r" if frame.bracketed else "\r\n", rng.randint(250, 700))
                    term.write("\x1b[?2004h> " if frame.bracketed else "> ", rng.randint(1, 6))
                    term.col = 2
        if step.cancel:
            if frame.bracketed:
                term.write("^C\x1b[?2004l\r\x1b[?2004h\x1b[?2004l\r\r\n", rng.randint(400, 1500))
            else:
                term.write("^C\r\n", rng.randint(400, 1500))
            prompt(rng.randint(1, 8))
            continue
        enter = "\r\n\x1b[?2004l\r" if frame.bracketed else "\r\n"
        if step.pasted and frame.bracketed:
            if term.col >= start_col and not rows:
                move = "\r" + "\x1b[C" * start_col
            else:
                move = (f"\x1b[{rows}A" if rows > 1 else "\x1b[A" if rows else "")
                move += "\x1b[C" * (start_col - term.col) if term.col <= start_col else "\r" + "\x1b[C" * start_col
            term.col = start_col
            again = []
            for i, line in enumerate(lines):
                if i:
                    again.append("\r\n\r")
                    term.col = 0
                again.append(term.wrap_text(line)[0])
            enter = move + "".join(again) + enter
        term.write(enter, rng.randint(300, 900))
        line = step.line
        # session end
        if line.strip() in ("exit", "logout") and not step.out:
            if len(stack) == 1:
                if frame.bracketed:
                    term.write("logout\r\n", rng.randint(1, 10))
                ended = True
                break
            done = stack.pop()
            if done.exit_out:
                term.write(done.exit_out.replace("\n", "\r\n") + "\r\n", rng.randint(2, 40))
            prompt(rng.randint(1, 12))
            continue
        if step.screen:
            render_screen(term, step, rng)
        else:
            data = out_bytes(step)
            if data:
                run = step.run
                # a password prompt is answered (unechoed) before the rest of the output
                m = re.match(r"(\[sudo\] password for [^:]+: |Password: |[^\r\n]*'s password: |Enter password: )", data)
                if m:
                    term.write(m.group(1), rng.randint(5, 60))
                    data = data[m.end():]
                    term.ms += rng.randint(1200, 3500)
                    if data.startswith("\r\n"):
                        term.write("\r\n", 0)
                        data = data[2:]
                parts = split_output(data, rng) if data else []
                if run and len(parts) == 1 and len(data) > 300:
                    parts = split_output(data, rng, limit=max(200, len(data) // 4))
                total = int((run or 0) * 1000)
                for i, part in enumerate(parts):
                    if i == 0:
                        after = total // max(1, len(parts)) if run else rng.randint(5, 200)
                    else:
                        after = total // len(parts) if run else rng.randint(2, 60)
                    term.write(part, after)
            elif step.run:
                term.ms += int(step.run * 1000)
            if step.ctrl_c:
                term.write("^C\r\n", rng.randint(2500, 9000))
        if step.final:
            ended = True
            break
        apply_cd(frame, step.cd_from or line, step.out)
        venv = re.match(r"^(?:source|\.) (?:\S*/)?(\.?[\w.-]+)/bin/activate$", line.strip())
        if venv:
            frame.prefix = f"({venv.group(1)}) "
        elif line.strip() == "deactivate":
            frame.prefix = ""
        push = detect_push(frame, step)
        if push:
            user = push.get("user", "root")
            is_login = push.get("login", True)
            h = push.get("home") or home_of(user)
            if scn.kind == "k8s":
                h = "/root" if user == "root" else frame.home
            new_cwd = push.get("cwd") or (h if is_login else frame.cwd)
            if new_cwd == "~":
                new_cwd = h
            exit_out = push.get("exit_out", "logout" if is_login else "exit")
            stack.append(Frame(user, push.get("host", frame.host), new_cwd, h, push.get("style", frame.style), exit_out))
        prompt(rng.randint(1, 15))
    if not ended and not scn.extra.get("no_exit"):
        # close nested shells, then the session
        while True:
            frame = stack[-1]
            term.ms += int(rng.uniform(0.8, 3.0) * 1000)
            term.type_text("exit", frame)
            term.write("\r\n\x1b[?2004l\r" if frame.bracketed else "\r\n", rng.randint(300, 800))
            if len(stack) == 1:
                if frame.bracketed:
                    term.write("logout\r\n", rng.randint(1, 10))
                break
            done = stack.pop()
            if done.exit_out:
                term.write(done.exit_out.replace("\n", "\r\n") + "\r\n", rng.randint(2, 40))
            prompt(rng.randint(1, 12))
    return term.writes


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------


def parse_kube_path(path: str) -> dict:
    parts = [x for x in path.split("?")[0].split("/") if x]
    if parts[0] == "api":
        group = "core/" + parts[1]
        rest = parts[2:]
    else:
        group = parts[1] + "/" + parts[2]
        rest = parts[3:]
    ns = ""
    if len(rest) >= 2 and rest[0] == "namespaces":
        if len(rest) == 2:
            return dict(resource_api_group=group, resource_namespace="", resource_kind="namespaces", resource_name=rest[1])
        ns = rest[1]
        rest = rest[2:]
    kind = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    if len(rest) > 2:
        kind = f"{kind}/{rest[2]}"
    return dict(resource_api_group=group, resource_namespace=ns, resource_kind=kind, resource_name=name)


def go_json(obj) -> str:
    s = json.dumps(obj, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(scn: Scenario) -> list[dict]:
    file = scn.file
    rng = random.Random(_seed("corpus", file))
    sid = sid_for(file)
    t0 = start_time(scn, rng)
    events: list[dict] = []
    uid_n = [0]

    def ev(event, code, t, **fields):
        d = {"ei": len(events), "event": event, "uid": str(uuid.uuid5(NS, f"{sid}:{len(events)}"))}
        if code:
            d["code"] = code
        d["time"] = rfc3339(t)
        d["cluster_name"] = CLUSTER
        d["sid"] = sid
        d.update(fields)
        events.append(d)
        return d

    remote = remote_addr(scn.user, scn.cls, scn.extra.get("remote"))
    if scn.kind in ("ssh", "k8s"):
        meta = {"user": scn.user, "login": scn.login, "namespace": "default"}
        if scn.kind == "ssh":
            meta.update({"server_id": str(uuid.uuid5(NS, "server:" + scn.host)), "server_hostname": scn.host,
                         "server_addr": server_addr(scn.host), "server_labels": scn.extra.get("labels", {}),
                         "addr.remote": remote, "addr.local": server_addr(scn.host), "proto": "ssh"})
        else:
            x = scn.extra
            meta.update({"server_id": str(uuid.uuid5(NS, "server:" + scn.host)), "server_hostname": scn.host,
                         "addr.remote": remote, "addr.local": "10.42.0.15:3027", "proto": "kube",
                         "kubernetes_cluster": x["cluster"], "kubernetes_users": [x.get("kube_user", scn.user)],
                         "kubernetes_groups": x.get("kube_groups", ["developers", "system:authenticated"]),
                         "kubernetes_pod_name": x["pod"], "kubernetes_pod_namespace": x["namespace"],
                         "kubernetes_container_name": x["container"],
                         "kubernetes_container_image": x.get("image", f"registry.acme-corp.example/{x['namespace']}/{x['container']}:latest"),
                         "kubernetes_node_name": x.get("node", "ip-10-42-7-118.eu-west-1.compute.internal")})
        ev("session.start", "T2000I", t0, **meta, size=f"{WIDTH}:{HEIGHT}", initial_command=[], session_recording="node",
           interactive=True)
        writes = render_terminal(scn, rng)
        offset = 0
        for ci, (ms, data) in enumerate(writes):
            raw = data.encode("utf-8")
            events.append({"ei": len(events), "event": "print", "time": rfc3339(t0 + dt.timedelta(milliseconds=ms)), "sid": sid,
                           "ci": ci, "bytes": len(raw), "ms": ms, "offset": offset,
                           "data": base64.b64encode(raw).decode()})
            offset += len(raw)
        t_end = t0 + dt.timedelta(milliseconds=writes[-1][0] + rng.randint(5, 40))
        end_meta = {k: v for k, v in meta.items() if k not in ("server_labels",)}
        ev("session.end", "T2004I", t_end, **end_meta, enhanced_recording=False, interactive=True,
           participants=[scn.user], session_start=rfc3339(t0), session_stop=rfc3339(t_end), initial_command=[],
           session_recording="node")
    elif scn.kind == "db":
        x = scn.extra
        proto = x["protocol"]
        port = 5432 if proto == "postgres" else 3306
        dbmeta = {"user": scn.user, "db_service": x["service"], "db_protocol": proto,
                  "db_uri": x.get("uri", f"{x['service']}.internal.acme-corp.example:{port}"), "db_name": x["db_name"],
                  "db_user": x["db_user"], "db_type": "self-hosted", "db_origin": "config-file",
                  "db_labels": x.get("labels", {"env": "prod"})}
        ev("db.session.start", "TDB00I", t0, **dbmeta, server_id=str(uuid.uuid5(NS, "db:" + x["service"])),
           **{"addr.remote": remote}, success=True)
        t = t0
        cur_db = x["db_name"]
        first = True
        for step in scn.steps:
            if isinstance(step, Wait):
                t += dt.timedelta(seconds=step.seconds)
                continue
            assert isinstance(step, Sql), f"{scn.name}: {step!r} in a db session"
            gap = step.think if step.think is not None else (rng.uniform(0.8, 4) if first else rng.uniform(2, 35))
            first = False
            t += dt.timedelta(milliseconds=int(gap * 1000))
            if step.db:
                cur_db = step.db
            fields = dict(dbmeta, db_name=cur_db, db_query=step.query, db_query_parameters=[], success=step.ok)
            if not step.ok:
                fields["error"] = step.error or "ERROR: permission denied"
            ev("db.session.query", "TDB02I", t, **fields)
        t += dt.timedelta(milliseconds=rng.randint(800, 6000))
        ev("db.session.end", "TDB01I", t, **dbmeta)
    elif scn.kind == "kapi":
        x = scn.extra
        meta = {"user": scn.user, "login": scn.user, "kubernetes_cluster": x["cluster"],
                "kubernetes_users": [x.get("kube_user", scn.user)],
                "kubernetes_groups": x.get("kube_groups", ["developers", "system:authenticated"]),
                "server_id": str(uuid.uuid5(NS, "server:" + scn.host)), "server_hostname": scn.host,
                "addr.remote": remote, "addr.local": "10.42.0.15:3027", "proto": "kube"}
        t = t0
        first = True
        for step in scn.steps:
            if isinstance(step, Wait):
                t += dt.timedelta(seconds=step.seconds)
                continue
            gap = step.think if step.think is not None else (0 if first else rng.uniform(0.4, 12))
            first = False
            t += dt.timedelta(milliseconds=int(gap * 1000))
            if isinstance(step, KReq):
                ev("kube.request", "T3009I", t, **meta, verb=step.verb, request_path=step.path, **parse_kube_path(step.path),
                   response_code=step.code)
            elif isinstance(step, KExec):
                ns, pod, container = (step.pod or x["default_pod"]).split("/")
                ev("exec", "T3002I", t, **meta, kubernetes_pod_name=pod, kubernetes_pod_namespace=ns,
                   kubernetes_container_name=container,
                   kubernetes_container_image=x.get("images", {}).get(container,
                                                                      f"registry.acme-corp.example/{ns}/{container}:latest"),
                   kubernetes_node_name=x.get("node", "ip-10-42-7-118.eu-west-1.compute.internal"),
                   command=step.command, exitCode=step.code)
            else:
                raise AssertionError(f"{scn.name}: {step!r} in a kube API session")
    else:
        raise ValueError(scn.kind)
    return events


def to_jsonl(events: list[dict]) -> str:
    return "".join(go_json(e) + "\n" for e in events)
