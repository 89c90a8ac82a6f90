"""The scenario DSL of the labelled evaluation corpus.

A scenario is a list of steps plus its label.  Steps:

    c(text, out)        a command typed one character at a time (``B`` in ``text`` is a
                        backspace key, so ``f"cat /etc/hots{B}{B}sts"`` types a typo and fixes
                        it, as does ``typo("cat /etc/hosts", 11, "ts")``); ``out`` is the
                        command's output (a triple-quoted block is dedented); commands longer
                        than 56 characters are pasted unless ``paste=False``
    k(text, out)        the same, marked as a *key* step: obfuscated variants hide key steps
    p(text, out)        a command pasted in one go (bracketed paste, highlighted, as bash 5.2)
    vim(cmd, lines)     a full-screen editor session (alternate screen); ``less``/``top`` alike
    sql(query)          one database query (db sessions)
    kreq(verb, path)    one Kubernetes API request (kube.request)
    kexec(command)      one Kubernetes exec (exec event)
    wait(seconds)       the user pauses

Options of ``c``/``k``/``p``: ``ctrl_c`` (the running command is interrupted after its output),
``cancel`` (the line is abandoned with ^C before Enter), ``run`` (seconds the command takes,
output is spread over it), ``think`` (seconds before typing starts), ``push`` (the command
opens a nested shell: ``dict(user=, host=, cwd=, style=, exit_out=)``; ``sudo -i``, ``su -``
and friends are recognised by themselves), ``noout_newline`` (output has no final newline).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

B = "\x7f"  # a backspace key press inside typed text

RISKS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]


def block(text: str) -> str:
    """Dedents a triple-quoted output block and strips the surrounding blank lines."""
    if not text:
        return ""
    if text.startswith("\n"):
        text = text[1:]
    return textwrap.dedent(text).rstrip("\n")


def typo(text: str, at: int, wrong: str) -> str:
    """``text`` typed with ``wrong`` slipped in at position ``at`` and erased with backspace."""
    return text[:at] + wrong + B * len(wrong) + text[at:]


def effective(typed: str) -> str:
    """The command line after applying the backspace keys typed in it."""
    out: list[str] = []
    for ch in typed:
        if ch == B:
            if out and out[-1] != "\n":
                out.pop()
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Cmd:
    text: str
    out: str = ""
    key: bool = False
    paste: bool | None = None  # None: pasted when longer than 56 characters
    ctrl_c: bool = False
    cancel: bool = False
    run: float | None = None
    think: float | None = None
    push: object = None  # None = auto-detect, False = never, dict = nested shell
    noout_newline: bool = False
    screen: dict | None = None  # full-screen program
    raw_out: str | None = None  # output bytes already terminal-formatted
    final: bool = False  # the connection drops after this command's output (reboot, kill)
    cd_from: str | None = None  # the plain command whose directory change this (obfuscated) one makes

    @property
    def line(self) -> str:
        return effective(self.text)

    @property
    def pasted(self) -> bool:
        if self.paste is not None:
            return self.paste
        if B in self.text or self.screen:
            return False
        return len(self.text) > 56 if "\n" not in self.text else len(self.text) > 120


@dataclass
class Sql:
    query: str
    ok: bool = True
    error: str = ""
    key: bool = False
    think: float | None = None
    db: str | None = None  # switch database (\c other)


@dataclass
class KReq:
    verb: str
    path: str
    code: int = 200
    key: bool = False
    think: float | None = None


@dataclass
class KExec:
    command: str
    code: str = "0"
    key: bool = False
    think: float | None = None
    pod: str | None = None  # namespace/pod/container override
    out: str = ""  # not recorded by Teleport; kept for the reader of the script


@dataclass
class Wait:
    seconds: float


def c(text, out="", **kw) -> Cmd:
    return Cmd(text, block(out), **kw)


def k(text, out="", **kw) -> Cmd:
    return Cmd(text, block(out), key=True, **kw)


def p(text, out="", **kw) -> Cmd:
    return Cmd(text, block(out), paste=True, **kw)


def kp(text, out="", **kw) -> Cmd:
    return Cmd(text, block(out), paste=True, key=True, **kw)


def vim(text, lines, edits=(), keys=":wq", written=True, key=False, think=None) -> Cmd:
    """``vim path``: shows ``lines`` (a block), applies ``edits`` [(line_no, new_text)] typed in
    insert mode, then ``keys`` (``:wq`` / ``:q!``)."""
    return Cmd(text, "", key=key, think=think,
               screen=dict(kind="vim", lines=block(lines).split("\n") if lines else [], edits=list(edits), keys=keys,
                           written=written))


def less(text, lines, key=False) -> Cmd:
    return Cmd(text, "", key=key, screen=dict(kind="less", lines=block(lines).split("\n")))


def top(text="top", lines="", key=False) -> Cmd:
    return Cmd(text, "", key=key, screen=dict(kind="top", lines=block(lines).split("\n")))


def sql(query, ok=True, error="", **kw) -> Sql:
    return Sql(block(query) if "\n" in query else query, ok, error, **kw)


def ksql(query, ok=True, error="", **kw) -> Sql:
    return sql(query, ok, error, key=True, **kw)


def kreq(verb, path, code=200, **kw) -> KReq:
    return KReq(verb, path, code, **kw)


def kexec(command, code="0", **kw) -> KExec:
    return KExec(command, code, **kw)


def wait(seconds) -> Wait:
    return Wait(seconds)


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    cls: str  # malicious | benign
    kind: str  # ssh | k8s (interactive exec) | kapi (kube.request/exec events) | db
    steps: list
    techniques: list[str]
    min_risk: str
    max_risk: str
    desc: str
    user: str = ""
    login: str = ""
    host: str = ""
    style: str = "plain"
    cwd: str | None = None
    when: str | None = None
    extra: dict = field(default_factory=dict)
    variant_of: str | None = None
    variant: str | None = None

    @property
    def file(self) -> str:
        return f"{self.cls}/{self.name}.jsonl"


def _risk(risk: str) -> tuple[str, str]:
    lo, _, hi = risk.partition("-")
    hi = hi or lo
    assert lo in RISKS and hi in RISKS and RISKS.index(lo) <= RISKS.index(hi), risk
    return lo, hi


def _techs(T) -> list[str]:
    return T.split() if isinstance(T, str) else list(T)


def _who(who: str) -> tuple[str, str, str]:
    """``"alice:deploy@web-03"`` -> (teleport user, login, host); ``"alice@web-03"`` logs in as alice."""
    left, _, host = who.partition("@")
    user, _, login = left.partition(":")
    return user, login or user, host


def ssh(name, who, steps, T="", risk="LOW", desc="", style="plain", cwd=None, when=None, **extra) -> Scenario:
    user, login, host = _who(who)
    lo, hi = _risk(risk)
    return Scenario(name, "", "ssh", steps, _techs(T), lo, hi, desc, user, login, host, style, cwd, when, extra)


def kpod(name, who, pod, steps, T="", risk="LOW", desc="", style="ash", cwd="/", when=None, **extra) -> Scenario:
    """Interactive ``kubectl exec -it``; ``who`` = ``"user@k8s-cluster"``, ``pod`` = ``"ns/pod/container"``."""
    user, _, cluster = who.partition("@")
    ns, pod_name, container = pod.split("/")
    lo, hi = _risk(risk)
    extra.update(cluster=cluster, namespace=ns, pod=pod_name, container=container)
    return Scenario(name, "", "k8s", steps, _techs(T), lo, hi, desc, user, extra.pop("login", "root"), f"kube-agent-{cluster}",
                    style, cwd, when, extra)


def kapi(name, who, steps, T="", risk="LOW", desc="", when=None, **extra) -> Scenario:
    """Kubernetes API requests and exec events; ``who`` = ``"user@k8s-cluster"``."""
    user, _, cluster = who.partition("@")
    lo, hi = _risk(risk)
    extra.update(cluster=cluster)
    return Scenario(name, "", "kapi", steps, _techs(T), lo, hi, desc, user, user, f"kube-agent-{cluster}", "plain", None,
                    when, extra)


def db(name, who, steps, T="", risk="LOW", desc="", when=None, **extra) -> Scenario:
    """``who`` = ``"user:db_user@service/db_name"``; ``extra``: protocol=postgres|mysql, uri=..."""
    left, _, right = who.partition("@")
    user, _, db_user = left.partition(":")
    service, _, db_name = right.partition("/")
    lo, hi = _risk(risk)
    extra.update(service=service, db_user=db_user, db_name=db_name)
    extra.setdefault("protocol", "postgres")
    return Scenario(name, "", "db", steps, _techs(T), lo, hi, desc, user, db_user, service, "plain", None, when, extra)
