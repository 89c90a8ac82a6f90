"""Obfuscation of command lines and SQL for the corpus's obfuscated variants.

Every encoder returns the obfuscated text; ``check`` decodes it again with Python's own
codecs (an independent path: it parses the produced text, never reuses the encoder's
intermediate values) and fails loudly when the hidden command would not come out exactly.
"""

from __future__ import annotations

import base64
import codecs
import gzip
import random
import re

TECH_DECODE = {"base64", "base64-sh", "base64-eval", "herestring", "python", "hex-echo", "xxd", "printf", "ansi-c",
               "octal", "gzip-b64", "rev", "rot13", "base32", "perl-hex", "sh-c-xxd", "pg-b64", "pg-chr", "mysql-hex",
               "mysql-b64", "kexec-b64"}
# Methods that only reshape the command (no decoding step in the session).
TECH_NOPDECODE = {"quotes", "ifs", "vars", "glob", "dlexec"}


def sq(s: str) -> str:
    """Shell single-quoting."""
    return "'" + s.replace("'", "'\\''") + "'"


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _hexesc(s: str) -> str:
    return "".join(f"\\x{b:02x}" for b in s.encode())


def _octesc(s: str) -> str:
    return "".join(f"\\{b:03o}" for b in s.encode())


def encode(method: str, cmd: str, rng: random.Random) -> str:
    if method == "base64":
        return f"echo {_b64(cmd)} | base64 -d | bash"
    if method == "base64-sh":
        return f"echo '{_b64(cmd)}'|base64 --decode|sh"
    if method == "base64-eval":
        return f'eval "$(echo {_b64(cmd)} | base64 -d)"'
    if method == "herestring":
        return f'bash <<< "$(base64 -d <<< {_b64(cmd)})"'
    if method == "python":
        return f"python3 -c 'import os,base64;os.system(base64.b64decode(\"{_b64(cmd)}\").decode())'"
    if method == "hex-echo":
        return f"echo -e '{_hexesc(cmd)}' | bash"
    if method == "xxd":
        return f"echo {cmd.encode().hex()} | xxd -r -p | sh"
    if method == "sh-c-xxd":
        return f'sh -c "$(echo {cmd.encode().hex()} | xxd -r -p)"'
    if method == "printf":
        return f"bash -c \"$(printf '{_hexesc(cmd)}')\""
    if method == "ansi-c":
        return f"bash -c $'{_hexesc(cmd)}'"
    if method == "octal":
        return f"eval \"$(printf '{_octesc(cmd)}')\""
    if method == "gzip-b64":
        blob = base64.b64encode(gzip.compress(cmd.encode(), compresslevel=9, mtime=0)).decode()
        return f"echo {blob} | base64 -d | gunzip | sh"
    if method == "rev":
        return f"echo {sq(cmd[::-1])} | rev | bash"
    if method == "rot13":
        return f"echo {sq(codecs.encode(cmd, 'rot13'))} | tr 'A-Za-z' 'N-ZA-Mn-za-m' | sh"
    if method == "base32":
        return f"echo {base64.b32encode(cmd.encode()).decode()} | base32 -d | bash"
    if method == "perl-hex":
        return f"perl -e 'system(pack(qq(H*),qq({cmd.encode().hex()})))'"
    if method == "quotes":
        return quote_split(cmd, rng)
    if method == "ifs":
        return ifs(cmd)
    if method == "vars":
        return var_assemble(cmd, rng)
    if method == "kexec-b64":
        return f"sh -c \"echo {_b64(cmd)} | base64 -d | sh\""
    raise ValueError(method)


def encode_sql(method: str, query: str, protocol: str) -> list[str]:
    """An obfuscated query as the statements the client sends."""
    if method == "pg-b64":
        assert protocol == "postgres"
        return [f"DO $$ BEGIN EXECUTE convert_from(decode('{_b64(query)}', 'base64'), 'UTF8'); END $$;"]
    if method == "pg-chr":
        assert protocol == "postgres"
        return ["DO $$ BEGIN EXECUTE " + "||".join(f"chr({ord(ch)})" for ch in query) + "; END $$;"]
    if method == "mysql-hex":
        assert protocol == "mysql"
        return [f"SET @q = 0x{query.encode().hex()}", "PREPARE s FROM @q", "EXECUTE s", "DEALLOCATE PREPARE s"]
    if method == "mysql-b64":
        assert protocol == "mysql"
        return [f"SET @q = FROM_BASE64('{_b64(query)}')", "PREPARE s FROM @q", "EXECUTE s", "DEALLOCATE PREPARE s"]
    raise ValueError(method)


# --------------------------------------------------------------------------
# Reshaping (no decoding)
# --------------------------------------------------------------------------

WORD = re.compile(r"[A-Za-z0-9/._-]{3,}")


def _segments(cmd: str) -> list[tuple[bool, str]]:
    """Splits into (quoted?, text) runs; quoted runs include their quotes."""
    out, i, cur = [], 0, ""
    while i < len(cmd):
        ch = cmd[i]
        if ch in "'\"":
            if cur:
                out.append((False, cur))
                cur = ""
            j = cmd.index(ch, i + 1)
            while ch == '"' and cmd[j - 1] == "\\":
                j = cmd.index(ch, j + 1)
            out.append((True, cmd[i:j + 1]))
            i = j + 1
        elif ch == "\\" and i + 1 < len(cmd):
            cur += cmd[i:i + 2]
            i += 2
        else:
            cur += ch
            i += 1
    if cur:
        out.append((False, cur))
    return out


def _cut(w: str, rng: random.Random) -> str:
    letters = [i for i in range(1, len(w)) if w[i].isalpha()]
    if not letters:
        return w
    i = rng.choice(letters)
    kind = rng.choice(["''", '""', "\\"])
    if kind == "\\" and w[i] in "abefnrtvxuUcE":
        kind = "''"
    return w[:i] + kind + w[i:]


def quote_split(cmd: str, rng: random.Random) -> str:
    assert "\n" not in cmd
    res = []
    for quoted, text in _segments(cmd):
        if quoted:
            res.append(text)
            continue
        pieces, last = [], 0
        for m in WORD.finditer(text):
            w = m.group(0)
            before = text[m.start() - 1] if m.start() > 0 else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if before in "$={\\" or after == "=" or w.startswith("-") or w.isdigit() or "//" in w:
                continue
            if "/" in w:
                comps = w.split("/")
                idx = [j for j, comp in enumerate(comps) if len(comp) >= 3]
                if not idx:
                    continue
                pick = [j for j in idx if rng.random() < 0.6] or [rng.choice(idx)]
                nw = "/".join(_cut(comp, rng) if j in pick else comp for j, comp in enumerate(comps))
            elif before in " |;&(`":
                nw = _cut(w, rng)
            else:
                continue
            pieces.append(text[last:m.start()] + nw)
            last = m.end()
        pieces.append(text[last:])
        res.append("".join(pieces))
    return "".join(res)


def unquote_split(text: str) -> str:
    """Removes what quote_split inserts (outside quotes: '' "" and \\ before a letter)."""
    res = []
    for quoted, seg in _segments(text):
        if quoted:
            if seg in ("''", '""'):
                continue
            res.append(seg)
        else:
            res.append(re.sub(r"\\([A-Za-z])", r"\1", seg))
    return "".join(res)


OPS = re.compile(r"\s*(\|\||&&|[|;<>]|2>&1|2>|>>)\s*")


def _tight(cmd: str) -> str:
    return "".join(text if quoted else OPS.sub(lambda m: m.group(1), text) for quoted, text in _segments(cmd))


def ifs(cmd: str) -> str:
    assert "\n" not in cmd
    return "".join(text if quoted else text.replace(" ", "${IFS}") for quoted, text in _segments(_tight(cmd)))


VARNAMES = list("abcdefghjkmnpqrstuvwxyz")


def var_assemble(cmd: str, rng: random.Random) -> str:
    assert "\n" not in cmd
    names = VARNAMES[:]
    rng.shuffle(names)
    assigns, res = [], []
    used = 0
    for quoted, text in _segments(cmd):
        if quoted:
            res.append(text)
            continue
        pieces, last = [], 0
        for m in re.finditer(r"(?<![\S])[A-Za-z0-9/._:-]{4,}(?![\S])", text):
            w = m.group(0)
            if w.startswith("-") or used >= 6 or w.isdigit():
                continue
            cut = rng.randint(1, len(w) - 1)
            a, b = names.pop(), names.pop()
            assigns.append(f"{a}={w[:cut]}")
            assigns.append(f"{b}={w[cut:]}")
            pieces.append(text[last:m.start()] + f"${a}${b}")
            last = m.end()
            used += 1
        pieces.append(text[last:])
        res.append("".join(pieces))
    assert assigns, f"nothing to assemble from variables in {cmd!r}"
    return ";".join(assigns) + ";" + "".join(res)


# --------------------------------------------------------------------------
# Independent decoding, to check every variant
# --------------------------------------------------------------------------


def _unesc(s: str) -> str:
    def rep(m):
        t = m.group(0)
        return chr(int(t[2:], 16)) if t[1] == "x" else chr(int(t[1:], 8))
    return re.sub(r"\\x[0-9a-f]{2}|\\[0-7]{3}", rep, s).encode("latin-1").decode("utf-8")


def decode(method: str, text: str) -> str:
    if method in ("base64", "base64-sh", "base64-eval", "python", "herestring", "kexec-b64"):
        blob = re.search(r"[A-Za-z0-9+/]{4,}={0,2}", text.split("<<<")[-1] if method == "herestring" else
                         text.split("echo ", 1)[-1] if method != "python" else text.split('b64decode("')[1])
        return base64.b64decode(blob.group(0)).decode()
    if method in ("hex-echo", "printf", "ansi-c"):
        return _unesc(re.search(r"'((?:\\x[0-9a-f]{2})+)'", text).group(1))
    if method == "octal":
        return _unesc(re.search(r"'((?:\\[0-7]{3})+)'", text).group(1))
    if method in ("xxd", "sh-c-xxd"):
        return bytes.fromhex(re.search(r"echo ([0-9a-f]+) \|", text).group(1)).decode()
    if method == "perl-hex":
        return bytes.fromhex(re.search(r"qq\(([0-9a-f]+)\)", text).group(1)).decode()
    if method == "gzip-b64":
        return gzip.decompress(base64.b64decode(text.split()[1])).decode()
    if method == "base32":
        return base64.b32decode(text.split()[1]).decode()
    if method in ("rev", "rot13"):
        m = re.match(r"echo ('(?:[^']|'\\'')*')", text)
        inner = m.group(1)[1:-1].replace("'\\''", "'")
        return inner[::-1] if method == "rev" else codecs.decode(inner, "rot13")
    if method == "quotes":
        return unquote_split(text)
    if method == "ifs":
        return text.replace("${IFS}", " ")
    if method == "vars":
        m = re.match(r"((?:[a-z]=[A-Za-z0-9/._:*-]*;)+)", text)
        head, body = m.group(1), text[m.end():]
        env = dict(a.split("=", 1) for a in head.rstrip(";").split(";"))
        return re.sub(r"\$([a-z])\$([a-z])", lambda m: env[m.group(1)] + env[m.group(2)], body)
    raise ValueError(method)


def decode_sql(method: str, stmts: list[str]) -> str:
    if method == "pg-b64":
        return base64.b64decode(re.search(r"decode\('([^']+)'", stmts[0]).group(1)).decode()
    if method == "pg-chr":
        return "".join(chr(int(n)) for n in re.findall(r"chr\((\d+)\)", stmts[0]))
    if method == "mysql-hex":
        return bytes.fromhex(stmts[0].split("0x", 1)[1]).decode()
    if method == "mysql-b64":
        return base64.b64decode(re.search(r"FROM_BASE64\('([^']+)'\)", stmts[0]).group(1)).decode()
    raise ValueError(method)


def check(method: str, original: str, text: str) -> None:
    got = decode(method, text)
    want = _tight(original) if method == "ifs" else original
    if got != want:
        raise AssertionError(f"{method}: decodes to {got!r}, not {want!r}")
