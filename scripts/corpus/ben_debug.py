"""Benign sessions: reading logs and debugging services, network and performance."""

from dsl import B, c, less, p, ssh, top, vim, wait, typo
from snips import df_h, hexs, ps_rows, ss_tlnp, systemctl_status

NGINX_ERR = """2025/03/17 09:58:12 [error] 1187#1187: *88211 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 198.51.100.201, server: shop.acme-corp.example, request: "GET /api/cart HTTP/2.0", upstream: "http://127.0.0.1:8000/api/cart", host: "shop.acme-corp.example"
2025/03/17 09:58:40 [error] 1187#1187: *88302 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 198.51.100.77, server: shop.acme-corp.example, request: "POST /api/checkout HTTP/2.0", upstream: "http://127.0.0.1:8000/api/checkout", host: "shop.acme-corp.example"
2025/03/17 10:01:03 [error] 1188#1188: *88911 connect() failed (111: Connection refused) while connecting to upstream, client: 198.51.100.12, server: shop.acme-corp.example, request: "GET / HTTP/2.0", upstream: "http://127.0.0.1:8000/", host: "shop.acme-corp.example\""""

TOP = """top - 14:21:07 up 23 days,  4:11,  1 user,  load average: 3.91, 3.48, 2.10
Tasks: 187 total,   2 running, 185 sleeping,   0 stopped,   0 zombie
%Cpu(s): 94.1 us,  3.2 sy,  0.0 ni,  2.4 id,  0.0 wa,  0.0 hi,  0.3 si,  0.0 st
MiB Mem :  15842.1 total,   1204.7 free,  11021.3 used,   3616.1 buff/cache
MiB Swap:      0.0 total,      0.0 free,      0.0 used.   4411.0 avail Mem

    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
  21877 app       20   0 4821144   2.1g  31220 R 371.4  13.6 812:14.02 java
   1101 postgres  20   0  412204  98120  91300 S   6.3   0.6  42:11.90 postgres
    944 root      20   0 1812440  61204  38212 S   1.0   0.4  21:03.44 containerd
   1187 www-data  20   0   59204  12004   7120 S   0.7   0.1   4:12.09 nginx
      1 root      20   0  167820  13112   8412 S   0.0   0.1   0:41.22 systemd"""

SCENARIOS = [
    ssh("nginx-502-investigation", "alice.chen:ubuntu@web-01", style="debian",
        desc="Investigates 502/504 errors: nginx error log, upstream service status and journal, then restarts the stuck upstream",
        steps=[
            c("sudo tail -n 3 /var/log/nginx/error.log", NGINX_ERR),
            c("systemctl status shop-api --no-pager | head -4", "\u25cf shop-api.service - Shop API (gunicorn)\n     Loaded: loaded (/etc/systemd/system/shop-api.service; enabled; vendor preset: enabled)\n     Active: active (running) since Mon 2025-03-17 10:01:09 UTC; 21min ago\n   Main PID: 20411 (gunicorn)"),
            c("journalctl -u shop-api --since '1 hour ago' --no-pager | grep -iE 'error|timeout|killed' | tail -4", "Mar 17 09:58:09 web-01 gunicorn[19002]: [2025-03-17 09:58:09 +0000] [19002] [CRITICAL] WORKER TIMEOUT (pid:19044)\nMar 17 09:58:37 web-01 gunicorn[19002]: [2025-03-17 09:58:37 +0000] [19002] [CRITICAL] WORKER TIMEOUT (pid:19051)\nMar 17 10:00:58 web-01 systemd[1]: shop-api.service: Main process exited, code=killed, status=9/KILL\nMar 17 10:00:58 web-01 systemd[1]: shop-api.service: Failed with result 'signal'."),
            c(typo("grep -c ' 502 ' /var/log/nginx/access.log", 25, "ngix"), "318"),
            c("sudo systemctl restart shop-api && curl -s -o /dev/null -w '%{http_code}\\n' localhost:8000/healthz", "200"),
        ]),

    ssh("tail-follow-app-log", "maria.lopez:deploy@app-02", style="debian",
        desc="Follows the application log while a colleague retries a failed import, then stops with Ctrl-C",
        steps=[
            c("tail -f /var/log/app/import.log", """
                2025-03-18 10:12:01,118 INFO  importer: job 5521 started (file=partners-2025-03-18.csv, rows=4812)
                2025-03-18 10:12:03,441 WARN  importer: row 1204: unknown country code 'UK', mapped to 'GB'
                2025-03-18 10:12:09,902 INFO  importer: job 5521 finished: 4812 rows, 0 errors, 7.8s""", ctrl_c=True, run=9),
            c("grep -c WARN /var/log/app/import.log", "14"),
        ]),

    ssh("zgrep-request-id", "kevin.obrien:ubuntu@api-02", style="debian",
        desc="Traces one customer request id through current and rotated logs",
        steps=[
            c("ls /var/log/api/", "api.log  api.log.1  api.log.2.gz  api.log.3.gz  api.log.4.gz"),
            c("zgrep -h 'req=7f3a2c91' /var/log/api/api.log*", "2025-03-16T22:14:09.118Z INFO req=7f3a2c91 POST /v2/orders user=88121 status=201 dur=212ms\n2025-03-16T22:14:09.402Z WARN req=7f3a2c91 payment provider slow response (1.9s)\n2025-03-16T22:14:11.310Z INFO req=7f3a2c91 webhook delivered order=553108"),
        ]),

    ssh("less-syslog", "frank.nguyen:ubuntu@cache-01", style="debian",
        desc="Pages through syslog with less around a Redis restart",
        steps=[
            less("less +G /var/log/syslog", """
                Mar 18 03:10:01 cache-01 CRON[88121]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)
                Mar 18 03:12:44 cache-01 redis-server[1021]: 1021:M 18 Mar 2025 03:12:44.118 * Background saving started by pid 88201
                Mar 18 03:12:47 cache-01 redis-server[1021]: 88201:C 18 Mar 2025 03:12:47.402 * DB saved on disk
                Mar 18 03:12:47 cache-01 redis-server[1021]: 1021:M 18 Mar 2025 03:12:47.490 * Background saving terminated with success
                Mar 18 03:17:01 cache-01 CRON[88311]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
                Mar 18 03:25:19 cache-01 kernel: [2011882.118200] redis-server invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
                Mar 18 03:25:19 cache-01 kernel: [2011882.118901] Out of memory: Killed process 1021 (redis-server) total-vm:7812044kB, anon-rss:7402112kB
                Mar 18 03:25:20 cache-01 systemd[1]: redis-server.service: Main process exited, code=killed, status=9/KILL
                Mar 18 03:25:20 cache-01 systemd[1]: redis-server.service: Scheduled restart job, restart counter is at 1.
                Mar 18 03:25:21 cache-01 redis-server[88421]: 88421:M 18 Mar 2025 03:25:21.004 * Ready to accept connections tcp"""),
            c("grep maxmemory /etc/redis/redis.conf | grep -v '^#'", "maxmemory 0"),
        ]),

    ssh("dmesg-oom-check", "julia.santos:ubuntu@batch-01", style="debian",
        desc="Checks dmesg and memory after a batch job was OOM-killed",
        steps=[
            c("sudo dmesg -T | grep -i -A1 'killed process' | tail -4", "[Mon Mar 17 02:14:09 2025] Out of memory: Killed process 41021 (python3) total-vm:13912044kB, anon-rss:12871204kB, file-rss:0kB, shmem-rss:0kB, UID:1002 pgtables:25412kB oom_score_adj:0\n[Mon Mar 17 02:14:09 2025] oom_reaper: reaped process 41021 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"),
            c("free -h", "               total        used        free      shared  buff/cache   available\nMem:            15Gi       1.9Gi        11Gi        12Mi       2.1Gi        13Gi\nSwap:             0B          0B          0B"),
            c("grep -n chunk_size /opt/batch/etl.yaml", "7:  chunk_size: 2000000"),
        ]),

    ssh("auth-log-failed-logins", "nina.kowalski:ubuntu@bastion-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Reviews failed SSH logins on the bastion and counts them per source address",
        steps=[
            p("sudo grep 'Failed password' /var/log/auth.log | awk '{print $(NF-3)}' | sort | uniq -c | sort -rn | head -5", "[sudo] password for ubuntu: \n    412 203.0.113.201\n     88 192.0.2.14\n     12 198.51.100.33\n      3 198.51.100.140\n      1 10.20.1.9"),
            c("sudo fail2ban-client status sshd", "Status for the jail: sshd\n|- Filter\n|  |- Currently failed:\t3\n|  |- Total failed:\t516\n|  `- File list:\t/var/log/auth.log\n`- Actions\n   |- Currently banned:\t2\n   |- Total banned:\t41\n   `- Banned IP list:\t203.0.113.201 192.0.2.14"),
        ]),

    ssh("logrotate-debug", "bob.martin:ubuntu@web-02", style="debian",
        desc="Dry-runs the nginx logrotate configuration to see why logs were not rotated",
        steps=[
            c("sudo logrotate -d /etc/logrotate.d/nginx 2>&1 | head -12", """
                warning: logrotate in debug mode does nothing except printing debug messages!  Consider using verbose mode (-v) instead if this is not what you want.

                reading config file /etc/logrotate.d/nginx
                Reading state from file: /var/lib/logrotate/status
                Allocating hash table for state file, size 64 entries

                Handling 1 logs

                rotating pattern: /var/log/nginx/*.log  after 1 days (14 rotations)
                empty log files are not rotated, old logs are removed
                considering log /var/log/nginx/access.log
                  Now: 2025-03-18 11:20
                  Last rotated at 2025-03-18 00:00"""),
            c("systemctl list-timers logrotate.timer --no-pager | head -2", "NEXT                        LEFT     LAST                        PASSED  UNIT            ACTIVATES\nWed 2025-03-19 00:00:00 UTC 12h left Tue 2025-03-18 00:00:01 UTC 11h ago logrotate.timer logrotate.service"),
        ]),

    ssh("high-cpu-java-triage", "dev.patel:ubuntu@api-03", style="debian",
        desc="High CPU alert: looks at top, the busiest threads and a thread dump of the JVM",
        steps=[
            top("top", TOP),
            c("ps -eLo pid,tid,pcpu,comm --sort=-pcpu | head -5", "    PID     TID %CPU COMMAND\n  21877   21990 97.1 java\n  21877   21991 96.8 java\n  21877   21992 95.2 java\n  21877   21993 81.4 java"),
            c("printf '%x\\n' 21990", "55e6"),
            c("sudo -u app jcmd 21877 Thread.print | grep -A4 'nid=0x55e6'", "\"scheduler-1\" #41 prio=5 os_prio=0 cpu=2812044.12ms elapsed=1998211.20s tid=0x00007f3c18a1b800 nid=0x55e6 runnable  [0x00007f3bd12f9000]\n   java.lang.Thread.State: RUNNABLE\n\tat java.util.regex.Pattern$Loop.match(java.base@17.0.13/Pattern.java:4844)\n\tat com.acme.search.QueryParser.normalize(QueryParser.java:212)"),
        ]),

    ssh("port-and-listener-check", "carol.diaz:ubuntu@app-04", style="debian",
        desc="Checks which process listens on the app port and whether it answers locally",
        steps=[
            c("sudo ss -tlnp", ss_tlnp([("127.0.0.53%lo:53", 'users:(("systemd-resolve",pid=612,fd=14))'), ("0.0.0.0:22", 'users:(("sshd",pid=1044,fd=3))'),
                                       ("127.0.0.1:8080", 'users:(("java",pid=21877,fd=212))'), ("0.0.0.0:80", 'users:(("nginx",pid=1187,fd=6),("nginx",pid=1186,fd=6))')])),
            c("sudo lsof -i :8080 | head -3", "COMMAND   PID USER   FD   TYPE   DEVICE SIZE/OFF NODE NAME\njava    21877  app  212u  IPv4 11820931      0t0  TCP localhost:http-alt (LISTEN)\njava    21877  app  240u  IPv4 11844102      0t0  TCP localhost:http-alt->localhost:41822 (ESTABLISHED)"),
            c("curl -sv localhost:8080/actuator/health 2>&1 | grep -E '^< HTTP|status'", "< HTTP/1.1 200 \n{\"status\":\"UP\",\"groups\":[\"liveness\",\"readiness\"]}"),
        ]),

    ssh("dns-resolution-debug", "erin.walsh:ubuntu@app-05", style="debian",
        desc="Debugs an internal name that fails to resolve: resolv.conf, resolvectl, dig against both resolvers",
        steps=[
            c(typo("dig +short pg-shop-01.internal.acme-corp.example", 14, "sho"), ""),
            c("resolvectl status ens5 | head -6", "Link 2 (ens5)\n    Current Scopes: DNS\n         Protocols: +DefaultRoute +LLMNR -mDNS -DNSOverTLS DNSSEC=no/unsupported\nCurrent DNS Server: 10.20.0.2\n       DNS Servers: 10.20.0.2\n        DNS Domain: eu-west-1.compute.internal"),
            c("dig @10.20.0.53 pg-shop-01.internal.acme-corp.example +short", "10.20.4.10"),
            c("dig @10.20.0.2 pg-shop-01.internal.acme-corp.example | grep -A1 'status'", ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 41877\n;; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1"),
        ]),

    ssh("tls-handshake-debug", "omar.haddad@ops-util-02", style="debian",
        desc="Debugs a TLS error towards a partner API with openssl s_client and checks the chain",
        steps=[
            p("openssl s_client -connect api.partner.example:443 -servername api.partner.example -showcerts </dev/null 2>/dev/null | grep -E 'depth|verify|subject=|issuer='", "depth=1 C = US, O = Let's Encrypt, CN = R11\nverify error:num=20:unable to get local issuer certificate\nsubject=CN = api.partner.example\nissuer=C = US, O = Let's Encrypt, CN = R11\nVerify return code: 20 (unable to get local issuer certificate)"),
            c("curl -sI https://api.partner.example/v1/ping | head -1", "HTTP/2 200 "),
            c("ls -l /etc/ssl/certs/ca-certificates.crt", "-rw-r--r-- 1 root root 219342 Feb 20 06:31 /etc/ssl/certs/ca-certificates.crt"),
        ]),

    ssh("disk-full-cleanup", "tom.becker:ubuntu@log-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Disk usage alert: finds the largest directories and old compressed application logs and removes those older than 30 days",
        steps=[
            c("df -h /", df_h("45G", "48G", "94%")),
            c("sudo du -xh --max-depth=1 /var | sort -h | tail -4", "1.2G\t/var/cache\n2.9G\t/var/lib\n37G\t/var/log\n41G\t/var"),
            c("sudo du -sh /var/log/* | sort -h | tail -3", "412M\t/var/log/journal\n1.1G\t/var/log/syslog.1\n35G\t/var/log/app"),
            c("sudo find /var/log/app -name '*.gz' -mtime +30 | wc -l", "211"),
            c("sudo find /var/log/app -name '*.gz' -mtime +30 -delete"),
            c("df -h / | tail -1", "/dev/nvme0n1p1   48G   13G   35G  28% /"),
        ]),

    ssh("ping-mtr-latency", "hiro.tanaka@ops-util-01", style="debian",
        desc="Measures latency to a replica with ping and mtr",
        steps=[
            c("ping -c 4 10.30.4.10", "PING 10.30.4.10 (10.30.4.10) 56(84) bytes of data.\n64 bytes from 10.30.4.10: icmp_seq=1 ttl=62 time=23.4 ms\n64 bytes from 10.30.4.10: icmp_seq=2 ttl=62 time=23.1 ms\n64 bytes from 10.30.4.10: icmp_seq=3 ttl=62 time=61.8 ms\n64 bytes from 10.30.4.10: icmp_seq=4 ttl=62 time=23.2 ms\n\n--- 10.30.4.10 ping statistics ---\n4 packets transmitted, 4 received, 0% packet loss, time 3004ms\nrtt min/avg/max/mdev = 23.104/32.875/61.812/16.711 ms", run=3),
            c("mtr -rw -c 20 10.30.4.10", "Start: 2025-03-19T09:41:02+0000\nHOST: ops-util-01                 Loss%   Snt   Last   Avg  Best  Wrst StDev\n  1.|-- 10.20.0.1                    0.0%    20    0.4   0.4   0.3   0.6   0.1\n  2.|-- 10.255.0.9                   0.0%    20   22.9  24.8  22.7  58.2   7.9\n  3.|-- 10.30.4.10                   0.0%    20   23.2  25.1  23.0  61.8   8.3", run=20),
        ]),

    ssh("strace-slow-process", "grace.kim:ubuntu@batch-02", style="debian",
        desc="Attaches strace -c to a slow report job to see which syscalls dominate",
        steps=[
            c("pgrep -af report", "51220 /usr/bin/python3 /opt/report/build_report.py --month 2025-02"),
            c("sudo timeout 10 strace -c -f -p 51220", "strace: Process 51220 attached\nstrace: Process 51220 detached\n% time     seconds  usecs/call     calls    errors syscall\n------ ----------- ----------- --------- --------- ----------------\n 91.22    0.812044          41     19712           fsync\n  6.10    0.054311           2     19714           write\n  1.41    0.012550           1      9870           lseek\n------ ----------- ----------- --------- --------- ----------------\n100.00    0.890211          18     49296           total", run=10),
            c("grep -n fsync /opt/report/build_report.py", "88:            os.fsync(out.fileno())"),
        ]),

    ssh("lsof-deleted-files", "victor.ruiz:ubuntu@app-06", style="debian",
        desc="Finds space held by deleted but still open log files and restarts the owning service",
        steps=[
            c("df -h /var", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1   48G   44G  4.0G  92% /"),
            c("sudo lsof +L1 | head -3", "COMMAND   PID USER   FD   TYPE DEVICE    SIZE/OFF NLINK    NODE NAME\njava    21877  app    9w   REG  259,1 31820431104     0 1312011 /var/log/app/server.log.1 (deleted)"),
            c("sudo systemctl restart app"),
            c("df -h /var | tail -1", "/dev/nvme0n1p1   48G   14G   34G  29% /"),
        ]),

    ssh("jvm-heap-info", "priya.raman:ubuntu@search-01", style="debian",
        desc="Inspects JVM heap and GC of the search service with jcmd",
        steps=[
            c("pgrep -u elasticsearch java", "4021"),
            c("sudo -u elasticsearch jcmd 4021 GC.heap_info", "4021:\n garbage-first heap   total 8388608K, used 5921044K [0x0000000600000000, 0x0000000800000000)\n  region size 4096K, 412 young (1687552K), 21 survivors (86016K)\n Metaspace       used 141220K, committed 142336K, reserved 1179648K"),
            c("curl -s localhost:9200/_cat/health?v", "epoch      timestamp cluster  status node.total node.data shards  pri relo init unassign\n1742388011 12:40:11  search-1 green           3         3    142   71    0    0        0"),
        ]),

    ssh("coredump-inspection", "ivan.petrov:ubuntu@worker-02", style="debian",
        desc="Lists recent core dumps after a worker crash and reads the crash info",
        steps=[
            c("coredumpctl list --since today", "TIME                          PID  UID  GID SIG     COREFILE EXE                          SIZE\nWed 2025-03-19 04:12:09 UTC 40213 1002 1002 SIGSEGV present  /opt/worker/bin/imgproc     18.2M"),
            c("coredumpctl info 40213 | grep -A4 'Stack trace'", "                Stack trace of thread 40213:\n                #0  0x00007f1c2a41b2e1 n/a (libvips.so.42 + 0x11b2e1)\n                #1  0x00007f1c2a3f0c44 vips_image_write (libvips.so.42 + 0xf0c44)\n                #2  0x000055d0e1c2a118 n/a (/opt/worker/bin/imgproc + 0x2a118)"),
            c("dpkg -l libvips42 | tail -1", "ii  libvips42:amd64 8.12.1-1build1 amd64        image processing system good for very large ones"),
        ]),

    ssh("tcpdump-debug-postgres", "li.wei:ubuntu@app-07", style="debian",
        risk="LOW-MEDIUM",
        desc="Captures 20 packets on the Postgres port to debug connection resets from the app host",
        steps=[
            c("sudo tcpdump -ni ens5 -c 20 'tcp port 5432 and (tcp[tcpflags] & (tcp-rst|tcp-fin) != 0)'", "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on ens5, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n10:44:01.118211 IP 10.20.4.10.5432 > 10.20.2.51.41822: Flags [R], seq 3812044, win 0, length 0\n10:44:01.902113 IP 10.20.4.10.5432 > 10.20.2.51.41830: Flags [R], seq 1201190, win 0, length 0\n^C\n2 packets captured\n4 packets received by filter\n0 packets dropped by kernel", run=30),
            c("grep -E 'idle_in_transaction|tcp_keepalives' /etc/postgresql/14/main/postgresql.conf 2>/dev/null || ssh pg-shop-01 \"grep -E 'idle_in_transaction|tcp_keepalives_idle' /etc/postgresql/14/main/postgresql.conf\"", "idle_in_transaction_session_timeout = 60s\ntcp_keepalives_idle = 0"),
        ]),

    ssh("nc-port-reachability", "uma.iyer:ubuntu@app-08", style="debian",
        desc="Checks reachability of the database and cache ports from a new app host with nc -zv",
        steps=[
            c("nc -zv pg-shop-01.internal 5432", "Connection to pg-shop-01.internal (10.20.4.10) 5432 port [tcp/postgresql] succeeded!"),
            c("nc -zv -w 3 redis-01.internal 6379", "nc: connect to redis-01.internal (10.20.4.21) port 6379 (tcp) timed out: Operation now in progress", run=3),
            c("aws ec2 describe-security-groups --group-ids sg-0a1b2c3d4e5f60718 --query 'SecurityGroups[0].IpPermissions[].FromPort'", "[\n    6379\n]"),
        ]),

    ssh("health-check-loop", "wendy.zhao@ops-util-01", style="debian",
        desc="Checks the health endpoint of each web node in a loop with curl",
        steps=[
            p("for h in web-0{1..4}.internal; do printf '%s ' $h; curl -s -o /dev/null -w '%{http_code} %{time_total}s\\n' http://$h:8080/healthz; done", "web-01.internal 200 0.004112s\nweb-02.internal 200 0.003980s\nweb-03.internal 503 0.002114s\nweb-04.internal 200 0.004410s"),
            c("ssh web-03.internal 'systemctl is-active app; tail -2 /var/log/app/app.log'", "activating\n2025-03-19 13:02:11 INFO starting app (migrations: 0 pending)\n2025-03-19 13:02:12 INFO warming cache"),
        ]),

    ssh("iostat-vmstat", "sam.okafor:ubuntu@pg-shop-02", style="debian",
        desc="Looks at disk and memory pressure on a database replica with iostat and vmstat",
        steps=[
            c("iostat -x nvme1n1 2 2 | tail -3", "Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util\nnvme1n1        812.00  41220.00     0.00   0.00    0.41    50.76  1204.00  88120.00    12.00   0.99    1.12    73.19    0.00      0.00     0.00   0.00    0.00     0.00    0.00    0.00    1.68  71.20", run=4),
            c("vmstat 1 3", "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n 3  1      0 412044 101220 11820440    0    0 41120 88020 9120 14112 21  6 61 12  0\n 2  1      0 410812 101224 11821020    0    0 40212 91204 9301 14420 19  7 62 12  0\n 4  0      0 409920 101228 11822004    0    0 42011 87702 9188 14002 22  6 60 12  0", run=2),
        ]),

    ssh("systemd-failed-units", "kevin.obrien:ubuntu@monitor-01", style="debian",
        desc="Lists failed systemd units after a reboot and reads the journal of the failed exporter",
        steps=[
            c("systemctl --failed --no-pager", "  UNIT                        LOAD   ACTIVE SUB    DESCRIPTION\n\u25cf postgres-exporter.service   loaded failed failed Prometheus PostgreSQL exporter\n\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values depend on unit type.\n1 loaded units listed."),
            c("journalctl -u postgres-exporter -b --no-pager | tail -3", "Mar 19 06:02:11 monitor-01 postgres_exporter[912]: ts=2025-03-19T06:02:11.118Z caller=main.go:86 level=error msg=\"Error opening config\" err=\"open /etc/postgres_exporter/queries.yaml: no such file or directory\"\nMar 19 06:02:11 monitor-01 systemd[1]: postgres-exporter.service: Main process exited, code=exited, status=1/FAILURE\nMar 19 06:02:11 monitor-01 systemd[1]: postgres-exporter.service: Failed with result 'exit-code'."),
            c("ls /etc/postgres_exporter/", "queries.yml"),
            c("sudo ln -s queries.yml /etc/postgres_exporter/queries.yaml && sudo systemctl restart postgres-exporter && systemctl is-active postgres-exporter", "active"),
        ]),

    ssh("ntp-time-check", "julia.santos:ubuntu@kafka-02", style="debian",
        desc="Checks clock synchronisation after Kafka logged clock skew warnings",
        steps=[
            c("timedatectl", "               Local time: Wed 2025-03-19 15:12:44 UTC\n           Universal time: Wed 2025-03-19 15:12:44 UTC\n                 RTC time: Wed 2025-03-19 15:12:44\n                Time zone: Etc/UTC (UTC, +0000)\nSystem clock synchronized: no\n              NTP service: active\n          RTC in local TZ: no"),
            c("chronyc tracking | head -4", "Reference ID    : 00000000 ()\nStratum         : 0\nRef time (UTC)  : Thu Jan 01 00:00:00 1970\nSystem time     : 0.000000000 seconds fast of NTP time"),
            c("chronyc sources", "MS Name/IP address         Stratum Poll Reach LastRx Last sample\n===============================================================================\n^? 169.254.169.123               0   6     0     -     +0ns[   +0ns] +/-    0ns"),
            c("sudo systemctl restart chrony && sleep 5 && chronyc sources | tail -1", "^* 169.254.169.123               3   6    17     4    -12us[  -40us] +/-  421us", run=5),
        ]),

    ssh("docker-logs-stats", "bob.martin:deploy@app-02", style="debian",
        desc="Looks at a container's recent logs and resource usage",
        steps=[
            c("docker logs --since 10m stack-worker-1 2>&1 | tail -3", "[2025-03-19 16:01:12,118: INFO/MainProcess] Task shop.tasks.send_receipt[" + hexs("t1", 8) + "] succeeded in 0.41s\n[2025-03-19 16:01:14,902: WARNING/ForkPoolWorker-3] SMTP 421 from relay, retrying in 30s\n[2025-03-19 16:01:45,011: INFO/MainProcess] Task shop.tasks.send_receipt[" + hexs("t2", 8) + "] succeeded in 0.38s"),
            c("docker stats --no-stream", "CONTAINER ID   NAME             CPU %     MEM USAGE / LIMIT     MEM %     NET I/O          BLOCK I/O        PIDS\n" + hexs("c1", 12) + "   stack-web-1      2.11%     412.2MiB / 15.47GiB   2.60%     1.21GB / 3.4GB   12.1MB / 0B      21\n" + hexs("c2", 12) + "   stack-worker-1   0.48%     288.9MiB / 15.47GiB   1.82%     212MB / 98MB     3.2MB / 0B       9\n" + hexs("c3", 12) + "   stack-redis-1    0.31%     41.2MiB / 15.47GiB    0.26%     890MB / 1.1GB    0B / 41MB        6"),
        ]),

    ssh("redis-memory-check", "frank.nguyen:ubuntu@cache-01", style="debian",
        desc="Checks Redis memory and the biggest keys after the OOM kill",
        steps=[
            c("redis-cli info memory | grep -E 'used_memory_human|maxmemory_human|evicted'", "used_memory_human:5.21G\nmaxmemory_human:0B"),
            c("redis-cli --bigkeys -i 0.1 | tail -4", "Biggest string found 'cache:catalog:v2:full' has 412004112 bytes\nBiggest   hash found 'sess:index' has 1201122 fields\n\n41211 strings with 4812044112 bytes (99.61% of keys, avg size 116765.91)", run=30),
            c("redis-cli config set maxmemory 6gb && redis-cli config set maxmemory-policy allkeys-lru", "OK\nOK"),
        ]),

    ssh("hardware-inventory", "tom.becker:ubuntu@hv-03", style="debian",
        desc="Collects hardware details for an inventory ticket with lscpu, dmidecode and lsblk",
        steps=[
            c("lscpu | grep -E 'Model name|Socket|Core|^CPU\\(s\\)'", "CPU(s):                          64\nModel name:                      AMD EPYC 7543 32-Core Processor\nCore(s) per socket:              32\nSocket(s):                       1"),
            c("sudo dmidecode -s system-serial-number; sudo dmidecode -s system-product-name", "CZ2" + hexs("serial", 7).upper() + "\nProLiant DL325 Gen10 Plus"),
            c("lsblk -d -o NAME,SIZE,MODEL", "NAME     SIZE MODEL\nsda    447.1G MR416i-a Gen10+\nnvme0n1  3.5T MO003200KXAVU\nnvme1n1  3.5T MO003200KXAVU"),
        ]),
]
