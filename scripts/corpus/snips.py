"""Shared realistic outputs and fake secrets for the corpus scenarios.

Every secret here is fake: derived from a SHA-256 of a fixed seed string.
"""

from __future__ import annotations

import base64
import hashlib
import json

CRYPT = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _bytes(seed: str, n: int) -> bytes:
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return out[:n]


def chars(seed: str, n: int, alphabet: str = ALNUM) -> str:
    return "".join(alphabet[b % len(alphabet)] for b in _bytes(seed, n))


def hexs(seed: str, n: int) -> str:
    return _bytes(seed, (n + 1) // 2).hex()[:n]


def yescrypt(seed: str) -> str:
    return f"$y$j9T${chars(seed + 's', 22, CRYPT)}${chars(seed + 'h', 43, CRYPT)}"


def sha512crypt(seed: str) -> str:
    return f"$6${chars(seed + 's', 16, CRYPT)}${chars(seed + 'h', 86, CRYPT)}"


def md5crypt(seed: str, salt: str) -> str:
    return f"$1${salt}${chars(seed, 22, CRYPT)}"


def bcrypt(seed: str) -> str:
    return f"$2b$12${chars(seed, 53, CRYPT)}"


def aws_key(seed: str) -> tuple[str, str]:
    return "AKIA" + chars(seed + "id", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), chars(seed + "secret", 40, ALNUM + "+/")


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt(payload: dict, seed: str, kid: str | None = None) -> str:
    header = {"alg": "RS256", "kid": kid or chars(seed + "kid", 43, ALNUM + "-_")}
    return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                     b64url(json.dumps(payload, separators=(",", ":")).encode()), b64url(_bytes(seed + "sig", 256))])


def sa_token(ns: str, sa: str, seed: str) -> str:
    return jwt({"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1774031234, "iat": 1742495234,
                "iss": "https://kubernetes.default.svc.cluster.local",
                "kubernetes.io": {"namespace": ns, "pod": {"name": f"{sa}-7d9f8b6c4-x2k9p", "uid": hexs(seed, 8)},
                                  "serviceaccount": {"name": sa, "uid": hexs(seed + "u", 8)}},
                "nbf": 1742495234, "sub": f"system:serviceaccount:{ns}:{sa}"}, seed)


def openssh_key(seed: str, lines: int = 7) -> str:
    blob = b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x003" \
           b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 " + _bytes(seed, 48 * lines)
    text = b64(blob)
    rows = [text[i:i + 70] for i in range(0, 70 * lines, 70)]
    return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----", *rows, "-----END OPENSSH PRIVATE KEY-----"])


def rsa_key(seed: str, lines: int = 8) -> str:
    text = b64(b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + _bytes(seed, 48 * lines))
    rows = [text[i:i + 64] for i in range(0, 64 * lines, 64)]
    return "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *rows, "-----END RSA PRIVATE KEY-----"])


def ed25519_pub(seed: str, comment: str) -> str:
    return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + chars(seed, 43, ALNUM + "+/") + " " + comment


def rsa_pub(seed: str, comment: str) -> str:
    return "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + chars(seed, 200, ALNUM + "+/") + " " + comment


PASSWD_UBUNTU = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
_apt:x:100:65534::/nonexistent:/usr/sbin/nologin
systemd-network:x:101:102:systemd Network Management,,,:/run/systemd:/usr/sbin/nologin
systemd-resolve:x:102:103:systemd Resolver,,,:/run/systemd:/usr/sbin/nologin
messagebus:x:103:104::/nonexistent:/usr/sbin/nologin
systemd-timesync:x:104:105:systemd Time Synchronization,,,:/run/systemd:/usr/sbin/nologin
syslog:x:106:113::/home/syslog:/usr/sbin/nologin
uuidd:x:107:114::/run/uuidd:/usr/sbin/nologin
tcpdump:x:108:115::/nonexistent:/usr/sbin/nologin
sshd:x:109:65534::/run/sshd:/usr/sbin/nologin
landscape:x:110:117::/var/lib/landscape:/usr/sbin/nologin
pollinate:x:111:1::/var/cache/pollinate:/bin/false
fwupd-refresh:x:112:118:fwupd-refresh user,,,:/run/systemd:/usr/sbin/nologin
ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash"""

SYSTEM_USERS = [line.split(":")[0] for line in PASSWD_UBUNTU.splitlines()]


def passwd(*extra: str) -> str:
    """``extra``: ``"name:uid:gecos:home:shell"`` entries (gid = uid)."""
    rows = [PASSWD_UBUNTU]
    for e in extra:
        name, uid, gecos, home, shell = e.split(":")
        rows.append(f"{name}:x:{uid}:{uid}:{gecos}:{home}:{shell}")
    return "\n".join(rows)


def shadow(users: list[str], host: str) -> str:
    out = []
    for u in SYSTEM_USERS:
        if u == "root":
            out.append(f"root:{yescrypt(host + 'root')}:19874:0:99999:7:::")
        elif u == "ubuntu":
            out.append(f"ubuntu:!:19874:0:99999:7:::")
        else:
            out.append(f"{u}:*:19579:0:99999:7:::")
    for u in users:
        out.append(f"{u}:{yescrypt(host + u)}:{19900 + len(u) * 7}:0:99999:7:::")
    return "\n".join(out)


def uname(host: str, kernel: str = "5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024") -> str:
    return f"Linux {host} {kernel.split(' ', 1)[0]} {kernel.split(' ', 1)[1]} x86_64 x86_64 x86_64 GNU/Linux"


UNAME_JAMMY = "5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024"
UNAME_NOBLE = "6.8.0-51-generic #52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024"
UNAME_RHEL9 = "5.14.0-427.42.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Fri Oct 18 14:35:40 EDT 2024"
UNAME_DEB12 = "6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"
UNAME_AL2023 = "6.1.119-129.201.amzn2023.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Dec  3 21:07:35 UTC 2024"


def uname_a(host: str, which: str = "jammy") -> str:
    k = {"jammy": UNAME_JAMMY, "noble": UNAME_NOBLE, "rhel9": UNAME_RHEL9, "deb12": UNAME_DEB12,
         "al2023": UNAME_AL2023}[which]
    if which == "rhel9":
        return f"Linux {host} 5.14.0-427.42.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Fri Oct 18 14:35:40 EDT 2024 x86_64 x86_64 x86_64 GNU/Linux"
    if which == "al2023":
        return f"Linux {host} 6.1.119-129.201.amzn2023.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Dec  3 21:07:35 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux"
    if which == "deb12":
        return f"Linux {host} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux"
    return uname(host, k)


def ident(user: str, uid: int, groups: list[tuple[int, str]] | None = None) -> str:
    groups = groups or [(uid, user)]
    g = ",".join(f"{n}({name})" for n, name in groups)
    return f"uid={uid}({user}) gid={groups[0][0]}({groups[0][1]}) groups={g}"


ID_UBUNTU = ident("ubuntu", 1000, [(1000, "ubuntu"), (4, "adm"), (24, "cdrom"), (27, "sudo"), (30, "dip"), (105, "lxd")])
ID_ROOT = "uid=0(root) gid=0(root) groups=0(root)"
ID_WWW = "uid=33(www-data) gid=33(www-data) groups=33(www-data)"

OS_RELEASE_JAMMY = """PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy"""


def ps_rows(rows: list[str]) -> str:
    """``rows``: ``"user pid cpu mem vsz rss tty stat start time command"`` whitespace separated
    (the command may contain spaces)."""
    out = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    for r in rows:
        p = r.split(None, 10)
        out.append(f"{p[0]:<10} {p[1]:>6} {p[2]:>4} {p[3]:>4} {p[4]:>6} {p[5]:>5} {p[6]:<8} {p[7]:<4} {p[8]:>5} {p[9]:>6} {p[10]}")
    return "\n".join(out)


def ss_tlnp(rows: list[tuple[str, str]]) -> str:
    """``rows``: (local address:port, process) pairs."""
    out = ["State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess"]
    for local, proc in rows:
        out.append(f"LISTEN 0      4096   {local:<18} 0.0.0.0:*    {proc}")
    return "\n".join(out)


def ip_addr(ip: str, prefix: int = 24, iface: str = "ens5", mac: str = "0a:1f:3c:5e:7b:21") -> str:
    return f"""1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: {iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether {mac} brd ff:ff:ff:ff:ff:ff
    altname enp0s5
    inet {ip}/{prefix} metric 100 brd {ip.rsplit('.', 1)[0]}.255 scope global dynamic {iface}
       valid_lft 2771sec preferred_lft 2771sec"""


def df_h(root_used="18G", root_size="48G", root_pct="38%", extra: str = "") -> str:
    return f"""Filesystem      Size  Used Avail Use% Mounted on
tmpfs           1.6G  1.2M  1.6G   1% /run
/dev/nvme0n1p1   {root_size}   {root_used}   {int(root_size[:-1]) - int(root_used[:-1])}G  {root_pct} /
tmpfs           7.8G     0  7.8G   0% /dev/shm
tmpfs           5.0M     0  5.0M   0% /run/lock
/dev/nvme0n1p15 105M  6.1M   99M   6% /boot/efi{extra}
tmpfs           1.6G  4.0K  1.6G   1% /run/user/1000"""


def systemctl_status(unit: str, desc: str, pid: int, since: str, ago: str, mem: str, cmdline: str,
                     state: str = "active (running)", tasks: int = 5, extra_lines: str = "") -> str:
    dot = "\u25cf"
    out = f"""{dot} {unit} - {desc}
     Loaded: loaded (/lib/systemd/system/{unit}; enabled; vendor preset: enabled)
     Active: {state} since {since}; {ago} ago
       Docs: man:{unit.split('.')[0]}(8)
   Main PID: {pid} ({cmdline.split()[0].rsplit('/', 1)[-1]})
      Tasks: {tasks} (limit: 9387)
     Memory: {mem}
        CPU: 1.204s
     CGroup: /system.slice/{unit}
             \u2514\u2500{pid} {cmdline}"""
    return out + ("\n" + extra_lines if extra_lines else "")
