"""Obfuscated and prompt-injected variants of malicious sessions.

``OBF`` and ``INJ`` (in variant_specs.py) name a plain session and how to vary it; ``build``
derives the variant scenarios.  Obfuscation rewrites the plain session's *key* steps (``k``,
``kp``, ``ksql``, ``key=True``) with the given method(s); the outputs stay what the hidden
commands print.  Injection inserts steps or appends text to a step's output.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field

import obfuscate
from dsl import Cmd, KExec, Scenario, Sql, block
from render import _seed


@dataclass
class Obf:
    base: str
    methods: list  # cycled over the key steps
    label: str
    overrides: dict = field(default_factory=dict)  # command line -> hand-written obfuscated text
    url: str = ""  # for dlexec
    note: str = ""


def obf(base, methods, label=None, overrides=None, url="", note=""):
    methods = [methods] if isinstance(methods, str) else list(methods)
    return Obf(base, methods, label or methods[0], overrides or {}, url, note)


@dataclass
class Inj:
    base: str
    label: str
    inserts: list  # [(position, step)]: position is an index into the plain steps or a command prefix
    outputs: dict  # command prefix -> text appended to that step's output
    desc: str


def inj(base, desc, inserts=(), outputs=None, label="injected"):
    return Inj(base, label, list(inserts), dict(outputs or {}), desc)


# Methods whose command runs in the interactive shell itself (not a child shell).
CURRENT_SHELL = {"base64-eval", "octal", "quotes", "ifs", "vars", "glob"}

DESCRIBE = {
    "base64": "echo <base64> | base64 -d | bash", "base64-sh": "base64 --decode piped to sh",
    "base64-eval": 'eval "$(echo <base64> | base64 -d)"', "herestring": "bash here-strings of base64",
    "python": "python3 -c os.system(base64)", "hex-echo": "echo -e '\\x..' | bash", "xxd": "hex through xxd -r -p",
    "sh-c-xxd": 'sh -c "$(xxd -r -p)"', "printf": "printf '\\x..' inside bash -c", "ansi-c": "bash -c $'\\x..'",
    "octal": "octal printf with eval", "gzip-b64": "gzip+base64 piped to gunzip | sh", "rev": "reversed strings | rev",
    "rot13": "rot13 through tr", "base32": "base32 -d | bash", "perl-hex": "perl system(pack('H*'))",
    "quotes": "quote/backslash splitting", "ifs": "${IFS} instead of spaces", "vars": "command assembled from variables",
    "glob": "glob patterns for paths and programs", "dlexec": "a downloaded script run with curl | bash",
    "pg-b64": "DO/EXECUTE of base64-decoded SQL", "pg-chr": "DO/EXECUTE of chr() chains",
    "mysql-hex": "PREPARE from a hex literal", "mysql-b64": "PREPARE from FROM_BASE64", "kexec-b64": "sh -c base64 in exec",
}


def _find(steps, where) -> int:
    if isinstance(where, int):
        return where
    for i, s in enumerate(steps):
        text = getattr(s, "line", None) or getattr(s, "query", None) or getattr(s, "command", None) or getattr(s, "path", "")
        if text.startswith(where):
            return i + 1
    raise KeyError(where)


def build_obf(spec: Obf, plain: Scenario) -> Scenario:
    rng = random.Random(_seed("obf", spec.base, spec.label))
    scn = copy.deepcopy(plain)
    used = set()
    steps = []
    key_steps = [s for s in scn.steps if getattr(s, "key", False)]
    assert key_steps, f"{spec.base}: no key steps to obfuscate"
    i = 0
    if spec.methods == ["dlexec"]:
        outs = [s.out for s in key_steps if isinstance(s, Cmd) and s.out]
        first = True
        for s in scn.steps:
            if getattr(s, "key", False):
                if first:
                    steps.append(Cmd(f"curl -fsSL {spec.url} | bash", "\n".join(outs), key=True, paste=len(spec.url) > 40,
                                     run=2.5))
                    first = False
                continue
            steps.append(s)
        used.add("dlexec")
    else:
        for s in scn.steps:
            if not getattr(s, "key", False):
                steps.append(s)
                continue
            method = spec.methods[i % len(spec.methods)]
            i += 1
            if isinstance(s, Cmd):
                if s.line in spec.overrides:
                    text = spec.overrides[s.line]
                    used.add(spec.label)
                else:
                    text = obfuscate.encode(method, s.line, rng)
                    obfuscate.check(method, s.line, text)
                    used.add(method)
                n = copy.deepcopy(s)
                n.text, n.paste = text, None if len(text) > 56 else False
                if method in CURRENT_SHELL or s.line in spec.overrides:
                    n.cd_from = s.line  # eval & co. run in the login shell: a cd still happens
                else:
                    # a child shell runs it: no job-control messages, and a cd would not stick
                    assert not re.search(r"(^|[;&|(]\s*)cd\s", s.line), f"{spec.base}: {method} would lose a cd"
                    assert not re.match(r"^[A-Za-z_]+=", s.line), f"{spec.base}: {method} would lose a variable"
                    n.out = "\n".join(x for x in s.out.split("\n") if not re.fullmatch(r"\[\d+\] \d+", x))
                if n.screen:
                    raise AssertionError(f"{spec.base}: cannot obfuscate a full-screen step")
                steps.append(n)
            elif isinstance(s, Sql):
                proto = scn.extra["protocol"]
                stmts = obfuscate.encode_sql(method, s.query, proto)
                assert obfuscate.decode_sql(method, stmts) == s.query
                used.add(method)
                for j, q in enumerate(stmts):
                    steps.append(Sql(q, s.ok, s.error, key=True, think=s.think if j == 0 else 0.05))
            elif isinstance(s, KExec):
                n = copy.deepcopy(s)
                n.command = obfuscate.encode("kexec-b64", s.command, rng)
                obfuscate.check("kexec-b64", s.command, n.command)
                used.add("kexec-b64")
                steps.append(n)
            else:
                steps.append(s)
    scn.steps = steps
    techs = list(plain.techniques)

    def add(t):
        if t not in techs:
            techs.append(t)

    add("T1027")
    if used & obfuscate.TECH_DECODE:
        add("T1140")
    if "python" in used:
        add("T1059.006")
    if "dlexec" in used:
        add("T1105")
        add("T1059.004")
    scn.techniques = techs
    scn.name = f"{plain.name}.obf-{spec.label}"
    scn.variant_of, scn.variant = plain.file, "obfuscated"
    how = "; ".join(DESCRIBE.get(m, m) for m in sorted(used))
    scn.desc = f"{plain.desc.rstrip('.')}; key commands hidden with {how}" + (f" ({spec.note})" if spec.note else "")
    return scn


def build_inj(spec: Inj, plain: Scenario) -> Scenario:
    scn = copy.deepcopy(plain)
    steps = list(scn.steps)
    for where, text in spec.outputs.items():
        idx = where if isinstance(where, int) else _find(steps, where) - 1
        s = copy.deepcopy(steps[idx])
        s.out = (s.out + "\n" if s.out else "") + block(text)
        steps[idx] = s
    # insert from the last position so earlier indexes stay valid
    resolved = [(_find(plain.steps, where), step) for where, step in spec.inserts]
    for pos, step in sorted(resolved, key=lambda x: -x[0]):
        steps.insert(pos, step)
    scn.steps = steps
    scn.name = f"{plain.name}.{spec.label}"
    scn.variant_of, scn.variant = plain.file, "injected"
    scn.desc = f"{plain.desc.rstrip('.')}; plus prompt injection: {spec.desc}"
    return scn


def build(by_file: dict) -> list[Scenario]:
    from variant_specs import INJ, OBF

    out = []
    for spec in OBF:
        plain = by_file[f"malicious/{spec.base}.jsonl"]
        v = build_obf(spec, plain)
        v.cls = "malicious"
        out.append(v)
    for spec in INJ:
        plain = by_file[f"malicious/{spec.base}.jsonl"]
        v = build_inj(spec, plain)
        v.cls = "malicious"
        out.append(v)
    return out
