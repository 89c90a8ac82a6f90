#!/usr/bin/env python3
"""Builds Sightline's labelled evaluation corpus (tests/corpus/) from the scenario data in
scripts/corpus/*.py, deterministically.

    python3 scripts/corpus/make-corpus.py            # write tests/corpus/
    python3 scripts/corpus/make-corpus.py --check    # validate only, write nothing

Every session was written by hand (the scenario modules) from knowledge of attacker tradecraft
and of everyday admin/developer work; this script renders them as Teleport audit events
(render.py), derives the obfuscated and prompt-injected variants (variants.py, obfuscate.py),
writes labels.json and README.md, and validates the whole: technique ids against the ATT&CK
v19.1 table, variant links, risk bounds and the minimum counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import render  # noqa: E402
import variants  # noqa: E402
from dsl import RISKS, Cmd, KExec, KReq, Sql  # noqa: E402

REPO = HERE.parents[1]
OUT = REPO / "tests" / "corpus"
ATTACK = REPO / "data" / "attack" / "enterprise-v19.1.json"  # the project's copy of the ATT&CK v19.1 table
ATTACK_FALLBACK = Path("/work/shared/data/attack-enterprise-v19.1.json")

MODULES = {
    "malicious": ["mal_cred", "mal_persist", "mal_evasion", "mal_lateral", "mal_c2_exfil", "mal_impact", "mal_k8s", "mal_db"],
    "benign": ["ben_ops", "ben_debug", "ben_admin", "ben_edgy", "ben_k8s", "ben_db"],
}

MINIMUMS = {"malicious": 150, "benign": 150, "tactics": 10, "techniques": 60, "obfuscated": 25, "injected": 20}
SOFT_SIZE = 40 * 1024


def load_attack() -> dict:
    path = ATTACK if ATTACK.exists() else ATTACK_FALLBACK
    data = json.loads(path.read_text())
    return {t["id"]: t for t in data["techniques"]}


def load_scenarios() -> list:
    scenarios = []
    for cls, mods in MODULES.items():
        for mod in mods:
            module = __import__(mod)
            for scn in module.SCENARIOS:
                scn.cls = cls
                scenarios.append(scn)
    return scenarios


def label_of(scn) -> dict:
    d = {"class": scn.cls}
    if scn.variant_of:
        d["variant_of"] = scn.variant_of
        d["variant"] = scn.variant
    d["techniques"] = scn.techniques
    d["min_risk"] = scn.min_risk
    d["max_risk"] = scn.max_risk
    d["description"] = scn.desc
    return d


def validate(scenarios, labels, attack, sizes) -> list[str]:
    errors = []
    names = collections.Counter(s.file for s in scenarios)
    errors += [f"duplicate session {n}" for n, count in names.items() if count > 1]
    for scn in scenarios:
        where = scn.file
        for t in scn.techniques:
            if t not in attack:
                errors.append(f"{where}: {t} is not an ATT&CK v19.1 technique")
        if len(set(scn.techniques)) != len(scn.techniques):
            errors.append(f"{where}: duplicate technique")
        if scn.cls == "malicious":
            if not scn.techniques:
                errors.append(f"{where}: malicious session without techniques")
            if RISKS.index(scn.min_risk) < RISKS.index("MEDIUM"):
                errors.append(f"{where}: malicious min_risk below MEDIUM")
        else:
            if scn.min_risk != "LOW" or RISKS.index(scn.max_risk) > RISKS.index("MEDIUM"):
                errors.append(f"{where}: benign risk must be LOW..LOW or LOW..MEDIUM")
            if scn.variant_of:
                errors.append(f"{where}: benign variants are not part of the corpus")
        if scn.variant_of and scn.variant_of not in labels:
            errors.append(f"{where}: variant_of {scn.variant_of} does not exist")
        if scn.variant_of and labels.get(scn.variant_of, {}).get("variant_of"):
            errors.append(f"{where}: variant of a variant")
        if scn.variant_of and scn.variant_of in labels:
            plain = labels[scn.variant_of]
            if scn.variant not in ("obfuscated", "injected"):
                errors.append(f"{where}: unknown variant {scn.variant}")
            if not set(plain["techniques"]) <= set(scn.techniques):
                errors.append(f"{where}: a variant must keep its plain session's techniques")
            if scn.variant == "obfuscated" and "T1027" not in scn.techniques:
                errors.append(f"{where}: obfuscated variant without T1027")
            if RISKS.index(scn.min_risk) < RISKS.index(plain["min_risk"]):
                errors.append(f"{where}: a variant must not lower min_risk")
        if not scn.desc or "\n" in scn.desc:
            errors.append(f"{where}: description must be one line")
        for step in scn.steps:
            if isinstance(step, Cmd) and not step.line.strip():
                errors.append(f"{where}: empty command")
        if scn.kind == "db" and not any(isinstance(s, Sql) for s in scn.steps):
            errors.append(f"{where}: db session without queries")
        if scn.kind == "kapi" and not any(isinstance(s, (KReq, KExec)) for s in scn.steps):
            errors.append(f"{where}: kube session without requests")
    return errors


def stats(scenarios, attack) -> dict:
    mal = [s for s in scenarios if s.cls == "malicious"]
    ben = [s for s in scenarios if s.cls == "benign"]
    techs = collections.Counter(t for s in mal for t in s.techniques)
    primary = collections.defaultdict(set)
    anyt = collections.defaultdict(set)
    for t in techs:
        tactics = attack[t]["tactics"]
        primary[tactics[0]].add(t)
        for tac in tactics:
            anyt[tac].add(t)
    sessions_per_tactic = collections.Counter()
    for s in mal:
        for tac in {attack[t]["tactics"][0] for t in s.techniques}:
            sessions_per_tactic[tac] += 1
    return dict(
        mal=mal, ben=ben, techs=techs, primary=primary, anyt=anyt, sessions_per_tactic=sessions_per_tactic,
        variants=collections.Counter((s.cls, s.variant or "plain") for s in scenarios),
        kinds=collections.Counter((s.cls, {"kapi": "k8s"}.get(s.kind, s.kind)) for s in scenarios),
        risks=collections.Counter((s.cls, f"{s.min_risk}..{s.max_risk}") for s in scenarios),
    )


TACTIC_ORDER = ["reconnaissance", "resource-development", "initial-access", "execution", "persistence",
                "privilege-escalation", "stealth", "defense-impairment", "credential-access", "discovery",
                "lateral-movement", "collection", "command-and-control", "exfiltration", "impact"]


def readme(st, attack, sizes) -> str:
    mal, ben = st["mal"], st["ben"]
    v = st["variants"]
    k = st["kinds"]
    lines = []
    w = lines.append
    w("# Labelled evaluation corpus")
    w("")
    w("Recorded sessions with known ground truth, for `sightline eval tests/corpus`: malicious sessions")
    w("(intrusions on Linux hosts, Kubernetes clusters and databases) and benign sessions (the everyday")
    w("admin and developer work that a risk reviewer must not be buried under), each labelled with the")
    w("MITRE ATT&CK v19.1 techniques a careful analyst would tag and the risk range a good reviewer")
    w("would assign.")
    w("")
    w("## How it was made")
    w("")
    w("Every session was **written by hand** as data in `scripts/corpus/` (`mal_*.py`, `ben_*.py`), from")
    w("knowledge of attacker tradecraft (intrusion chains with their mundane commands, typos fixed with")
    w("backspace, realistic flags, paths and outputs) and of real operations work (package updates,")
    w("deploys, log reading, debugging, git, config edits, kubectl, routine SQL, backups, certificates,")
    w("cleanup, user support, and routine work that *looks* edgy). Nothing was executed: commands and their")
    w("outputs are transcripts. All addresses are from TEST-NET (192.0.2.0/24, 198.51.100.0/24,")
    w("203.0.113.0/24) or private ranges; every key, token, hash and password is fake (derived from a hash")
    w("of a fixed string).")
    w("")
    w("`python3 scripts/corpus/make-corpus.py` renders the scenarios deterministically (same bytes on every")
    w("run) into Teleport audit events, one JSON object per line:")
    w("")
    w("- **ssh**: `session.start` (T2000I), `print` events drawn exactly as bash 5.2 with bracketed paste draws")
    w("  them (one `print` per typed character 60-150 ms apart, `\\b\\x1b[K` for a backspace, readline's")
    w("  ` \\r` at the right margin, `\\r\\n\\x1b[?2004l\\r` for Enter, PS2 `> ` for continuation lines,")
    w("  pasted one-liners highlighted then redrawn, `sudo -i`/`su -`/`ssh` nesting with the prompt")
    w("  following, the alternate screen for vim/less/top, `^C`), then `session.end` (T2004I).")
    w("- **k8s**: interactive `kubectl exec` shells (busybox ash/dash prompts without bracketed paste, or")
    w("  bash), with `proto` `kube` and the pod fields on `session.start`; and API sessions of `kube.request`")
    w("  (T3009I) and `exec` (T3002I) events.")
    w("- **db**: `db.session.start` (TDB00I), `db.session.query` (TDB02I, with `success`/`error`),")
    w("  `db.session.end` (TDB01I), postgres and mysql.")
    w("")
    w("Session ids are UUIDv5 of the file name; timings come from a generator seeded with the file name.")
    w("")
    w("**Variants.** Obfuscated variants replay a malicious session with its key commands hidden (base64,")
    w("base32, hex with `echo -e`/`xxd -r -p`/`printf`/`$'...'`/perl `pack`, octal, gzip+base64, `rev`,")
    w("rot13, quote/backslash splitting, `${IFS}`, variables assembled, glob paths, `eval`, here-strings,")
    w("`python3 -c`, `sh -c`, download-and-execute; for SQL `EXECUTE convert_from(decode(...))`, `chr()`")
    w("chains, `PREPARE` from hex/`FROM_BASE64`). The payloads are computed by the script and decoded back")
    w("independently (obfuscate.py `check`) before anything is written. Injected variants add prompt-injection")
    w("text aimed at an AI reviewer, typed (`echo`, comments) or inside command output (files, banners, HTTP")
    w("responses, fake verdict JSON, chat-template markers, SQL comments, Kubernetes annotations).")
    w("")
    w("## Labels")
    w("")
    w("`labels.json` maps each session file (relative to this directory) to its label:")
    w("")
    w("```json")
    w('"malicious/cred-dump-shadow.jsonl": {')
    w('  "class": "malicious",            // or "benign"')
    w('  "variant_of": "malicious/...",   // variants only: the plain session')
    w('  "variant": "obfuscated",          // variants only: "obfuscated" or "injected"')
    w('  "techniques": ["T1003.008"],      // ATT&CK v19.1 ids a careful analyst would tag')
    w('  "min_risk": "HIGH",               // LOW | MEDIUM | HIGH | CRITICAL')
    w('  "max_risk": "CRITICAL",')
    w('  "description": "one line"')
    w("}")
    w("```")
    w("")
    w("Obfuscated variants carry their plain session's techniques plus `T1027` (and `T1140` when the")
    w("session decodes something; `T1105`/`T1059.004` for download-and-execute). Malicious sessions have")
    w("`min_risk` of at least MEDIUM; benign sessions are LOW..LOW, or LOW..MEDIUM when they look edgy but")
    w("are routine (restarting services, reading `/etc/passwd` for one user, `kubectl get secrets` without")
    w("values, pruning old logs, adding a colleague's key). No benign session needs HIGH.")
    w("")
    w("## Counts")
    w("")
    w("| | plain | obfuscated | injected | total | ssh | k8s | db |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for cls, group in (("malicious", mal), ("benign", ben)):
        w(f"| {cls} | {v[(cls, 'plain')]} | {v[(cls, 'obfuscated')]} | {v[(cls, 'injected')]} | {len(group)} | "
          f"{k[(cls, 'ssh')]} | {k[(cls, 'k8s')]} | {k[(cls, 'db')]} |")
    w(f"| **all** | | | | **{len(mal) + len(ben)}** | | | |")
    w("")
    w("Risk ranges:")
    w("")
    w("| class | range | sessions |")
    w("|---|---|---:|")
    for (cls, rng_), n in sorted(st["risks"].items()):
        w(f"| {cls} | {rng_} | {n} |")
    w("")
    w(f"Malicious sessions use **{len(st['techs'])} distinct techniques** in "
      f"**{len(st['primary'])} tactics** (by each technique's first tactic, as `sightline eval` counts them;")
    w(f"{len(st['anyt'])} tactics counting every tactic a technique belongs to).")
    w("")
    w("| tactic | techniques (first tactic) | techniques (any tactic) | malicious sessions |")
    w("|---|---:|---:|---:|")
    for tac in TACTIC_ORDER:
        if tac in st["anyt"]:
            w(f"| {tac} | {len(st['primary'].get(tac, ()))} | {len(st['anyt'][tac])} | {st['sessions_per_tactic'][tac]} |")
    w("")
    w("Techniques (malicious sessions tagged, variants included):")
    w("")
    w("| id | name | first tactic | sessions |")
    w("|---|---|---|---:|")
    for t in sorted(st["techs"], key=lambda x: [int(p) if p.isdigit() else p for p in x[1:].split(".")]):
        w(f"| {t} | {attack[t]['name']} | {attack[t]['tactics'][0]} | {st['techs'][t]} |")
    w("")
    big = sorted(((n, f) for f, n in sizes.items()), reverse=True)
    w(f"File sizes: median {sorted(sizes.values())[len(sizes) // 2] // 1024} KB, largest {big[0][0] // 1024} KB "
      f"({big[0][1]}); {sum(1 for n, _ in big if n > SOFT_SIZE)} files exceed 40 KB.")
    w("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="validate only")
    args = ap.parse_args()
    attack = load_attack()
    base = load_scenarios()
    by_file = {s.file: s for s in base}
    derived = variants.build(by_file)
    scenarios = base + derived
    labels = {s.file: label_of(s) for s in scenarios}
    rendered = {}
    sizes = {}
    for scn in scenarios:
        text = render.to_jsonl(render.render(scn))
        rendered[scn.file] = text
        sizes[scn.file] = len(text.encode())
    errors = validate(scenarios, labels, attack, sizes)
    st = stats(scenarios, attack)
    counts = {
        "malicious": len(st["mal"]), "benign": len(st["ben"]), "tactics": len(st["primary"]),
        "techniques": len(st["techs"]), "obfuscated": st["variants"][("malicious", "obfuscated")],
        "injected": st["variants"][("malicious", "injected")],
    }
    for key, minimum in MINIMUMS.items():
        if counts[key] < minimum:
            errors.append(f"only {counts[key]} {key}, need at least {minimum}")
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    over = [f for f, n in sizes.items() if n > SOFT_SIZE]
    if over:
        print(f"note: {len(over)} sessions exceed 40 KB: " + ", ".join(f"{f} ({sizes[f] // 1024} KB)" for f in sorted(over)))
    if errors:
        print("\n".join("error: " + e for e in errors), file=sys.stderr)
        return 1
    if args.check:
        return 0
    for cls in ("malicious", "benign"):
        d = OUT / cls
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("*.jsonl"):
            if f"{cls}/{old.name}" not in rendered:
                old.unlink()
    for file, text in rendered.items():
        path = OUT / file
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    (OUT / "labels.json").write_text(json.dumps(dict(sorted(labels.items())), indent=2) + "\n")
    (OUT / "README.md").write_text(readme(st, attack, sizes))
    print(f"wrote {len(rendered)} sessions to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
