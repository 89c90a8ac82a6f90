"""Benign sessions: configuration changes, user support, cleanup and other administration."""

from dsl import B, c, less, p, ssh, top, vim, wait, typo
from snips import ed25519_pub, hexs, ident, systemctl_status

SCENARIOS = [
    ssh("nginx-config-edit-reload", "alice.chen:ubuntu@web-02", style="debian",
        desc="Raises client_max_body_size in the nginx site config with vim, tests the config and reloads nginx",
        steps=[
            c("cd /etc/nginx/sites-available"),
            vim("sudo vim shop.conf", """
                server {
                    listen 443 ssl http2;
                    server_name shop.acme-corp.example;
                    ssl_certificate /etc/letsencrypt/live/shop.acme-corp.example/fullchain.pem;
                    ssl_certificate_key /etc/letsencrypt/live/shop.acme-corp.example/privkey.pem;
                    client_max_body_size 10m;
                    location / {
                        proxy_pass http://127.0.0.1:8000;
                        proxy_set_header Host $host;
                    }
                }""", edits=[(6, "    client_max_body_size 25m;")]),
            c("sudo nginx -t", "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful"),
            c("sudo systemctl reload nginx"),
        ]),

    ssh("postgresql-conf-tuning", "li.wei:ubuntu@pg-shop-02", style="debian",
        desc="Tunes work_mem and effective_cache_size on a replica in postgresql.conf and reloads",
        steps=[
            c("sudo -u postgres psql -Atc 'show work_mem; show effective_cache_size'", "4MB\n4GB"),
            vim("sudo vim /etc/postgresql/14/main/conf.d/tuning.conf", """
                # managed manually, see runbooks/postgres-tuning.md
                shared_buffers = 4GB
                work_mem = 4MB
                effective_cache_size = 4GB""", edits=[(3, "work_mem = 32MB"), (4, "effective_cache_size = 11GB")]),
            c("sudo -u postgres psql -Atc 'select pg_reload_conf()'", "t"),
            c("sudo -u postgres psql -Atc 'show work_mem; show effective_cache_size'", "32MB\n11GB"),
        ]),

    ssh("sysctl-swappiness", "frank.nguyen:ubuntu@cache-02", style="debian",
        desc="Persists vm.swappiness and vm.overcommit_memory for Redis in sysctl.d and applies them",
        steps=[
            c("sysctl vm.swappiness vm.overcommit_memory", "vm.swappiness = 60\nvm.overcommit_memory = 0"),
            c("printf 'vm.swappiness = 1\\nvm.overcommit_memory = 1\\n' | sudo tee /etc/sysctl.d/60-redis.conf", "vm.swappiness = 1\nvm.overcommit_memory = 1"),
            c("sudo sysctl --system | tail -3", "* Applying /etc/sysctl.d/60-redis.conf ...\nvm.swappiness = 1\nvm.overcommit_memory = 1"),
        ]),

    ssh("logrotate-config-edit", "bob.martin:ubuntu@api-04", style="debian",
        desc="Adds a logrotate policy for the API's log directory and dry-runs it",
        steps=[
            c("""sudo tee /etc/logrotate.d/api <<'EOF'
/var/log/api/*.log {
    daily
    rotate 14
    compress
    delaycompress
    missingok
    notifempty
    copytruncate
}
EOF""", "/var/log/api/*.log {\n    daily\n    rotate 14\n    compress\n    delaycompress\n    missingok\n    notifempty\n    copytruncate\n}"),
            c("sudo logrotate -d /etc/logrotate.d/api 2>&1 | grep -E 'rotating pattern|considering'", "rotating pattern: /var/log/api/*.log  after 1 days (14 rotations)\nconsidering log /var/log/api/access.log\nconsidering log /var/log/api/api.log"),
        ]),

    ssh("haproxy-backend-drain", "kevin.obrien:ubuntu@lb-01", style="debian",
        desc="Puts a web node in drain mode through the HAProxy runtime socket for maintenance and checks the state",
        steps=[
            c("echo 'show servers state web' | sudo socat stdio /run/haproxy/admin.sock | awk 'NR>1{print $4, $6}'", "web-01 2\nweb-02 2\nweb-03 2\nweb-04 2"),
            c("echo 'set server web/web-03 state drain' | sudo socat stdio /run/haproxy/admin.sock", ""),
            c("echo 'show servers state web' | sudo socat stdio /run/haproxy/admin.sock | awk 'NR>1{print $4, $6}'", "web-01 2\nweb-02 2\nweb-03 8\nweb-04 2"),
        ]),

    ssh("user-support-id-last", "nina.kowalski:ubuntu@jump-01", style="debian",
        desc="User support: checks a colleague's groups, last logins and account status after they report an access problem",
        steps=[
            c("id jsmith", ident("jsmith", 1012, [(1012, "jsmith"), (1100, "developers")])),
            c(typo("last -n 5 jsmith", 10, "jsm"), "jsmith   pts/3        198.51.100.61    Tue Mar 18 16:12 - 17:40  (01:27)\njsmith   pts/1        198.51.100.61    Mon Mar 17 09:02 - 18:11  (09:08)\n\nwtmp begins Sat Mar  1 00:00:02 2025"),
            c("sudo passwd -S jsmith", "jsmith P 01/14/2025 0 90 7 -1"),
            c("sudo chage -l jsmith | head -3", "Last password change\t\t\t\t\t: Jan 14, 2025\nPassword expires\t\t\t\t\t: Apr 14, 2025\nPassword inactive\t\t\t\t\t: never"),
            c("getent group docker", "docker:x:999:ops,mlopez"),
        ]),

    ssh("faillock-unlock", "grace.kim:ubuntu@bastion-02", style="debian",
        desc="Unlocks a user locked out by pam_faillock after too many mistyped passwords",
        steps=[
            c("sudo faillock --user akim", "[sudo] password for ubuntu: \nakim:\nWhen                Type  Source                                           Valid\n2025-03-19 08:41:02 RHOST 198.51.100.88                                        V\n2025-03-19 08:41:09 RHOST 198.51.100.88                                        V\n2025-03-19 08:41:17 RHOST 198.51.100.88                                        V"),
            c("sudo faillock --user akim --reset"),
            c("sudo faillock --user akim", "akim:\nWhen                Type  Source                                           Valid"),
        ]),

    ssh("shared-dir-permissions", "tom.becker:ubuntu@fileshare-01", style="debian",
        desc="Fixes group ownership and setgid on a shared project directory so the team can write to it",
        steps=[
            c("ls -ld /srv/share/projects/atlas", "drwxr-xr-x 12 mlopez mlopez 4096 Mar 10 14:22 /srv/share/projects/atlas"),
            c("sudo chgrp -R atlas-team /srv/share/projects/atlas"),
            c("sudo chmod -R g+rwX /srv/share/projects/atlas && sudo find /srv/share/projects/atlas -type d -exec chmod g+s {} +"),
            c("ls -ld /srv/share/projects/atlas", "drwxrwsr-x 12 mlopez atlas-team 4096 Mar 10 14:22 /srv/share/projects/atlas"),
        ]),

    ssh("disk-quota-report", "erin.walsh:ubuntu@fileshare-01", style="debian",
        desc="Reports user disk quotas on the shared home volume",
        steps=[
            c("sudo repquota -s /home | head -8", "*** Report for user quotas on device /dev/mapper/vg0-home\nBlock grace time: 7days; Inode grace time: 7days\n                        Space limits                File limits\nUser            used    soft    hard  grace    used  soft  hard  grace\n----------------------------------------------------------------------\nroot      --     20K      0K      0K              2     0     0\nmlopez    --  41212M  51200M  56320M           8121     0     0\njsmith    +-  52008M  51200M  56320M  6days   41210     0     0"),
            c("sudo du -sh /home/jsmith/* | sort -h | tail -3", "2.1G\t/home/jsmith/src\n9.8G\t/home/jsmith/Downloads\n38G\t/home/jsmith/datasets"),
        ]),

    ssh("docker-system-prune", "victor.ruiz:ubuntu@build-02", style="debian",
        desc="Frees disk on a build host by pruning unused Docker images and build cache older than a week",
        steps=[
            c("docker system df", "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          214       6         88.2GB    84.91GB (96%)\nContainers      6         6         412MB     0B (0%)\nLocal Volumes   12        4         3.1GB     1.2GB (38%)\nBuild Cache     1812      0         41.7GB    41.7GB"),
            c("docker system prune -af --filter 'until=168h'", "Deleted Images:\nuntagged: registry.acme-corp.example/billing/api:3.3.9\ndeleted: sha256:" + hexs("img1", 64) + "\nuntagged: registry.acme-corp.example/shop/web:4.11.2\ndeleted: sha256:" + hexs("img2", 64) + "\n\nDeleted build cache objects:\n" + hexs("bc1", 25) + "\n" + hexs("bc2", 25) + "\n\nTotal reclaimed space: 118.4GB", run=61),
            c("df -h / | tail -1", "/dev/nvme0n1p1  194G   41G  154G  21% /"),
        ]),

    ssh("apt-autoremove-clean", "omar.haddad:ubuntu@web-06", style="debian",
        desc="Removes old kernels and cleans the apt cache to free /boot and /var",
        steps=[
            c("df -h /boot", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p16  881M  812M    7M  100% /boot"),
            c("sudo apt autoremove --purge -y | tail -4", "Removing linux-image-5.15.0-119-generic (5.15.0-119.129) ...\nRemoving linux-modules-5.15.0-119-generic (5.15.0-119.129) ...\nProcessing triggers for linux-image-5.15.0-131-generic (5.15.0-131.141) ...\n/etc/kernel/postinst.d/zz-update-grub:", run=21),
            c("sudo apt clean && df -h /boot | tail -1", "/dev/nvme0n1p16  881M  318M  502M  39% /boot"),
        ]),

    ssh("tmp-cleanup-find", "ivan.petrov:ubuntu@batch-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Deletes week-old scratch files from the batch job's temporary directory",
        steps=[
            c("sudo du -sh /var/tmp/etl", "61G\t/var/tmp/etl"),
            c("sudo find /var/tmp/etl -type f -mtime +7 | head -3", "/var/tmp/etl/run-20250301/part-0001.parquet\n/var/tmp/etl/run-20250301/part-0002.parquet\n/var/tmp/etl/run-20250302/part-0001.parquet"),
            c("sudo find /var/tmp/etl -type f -mtime +7 -delete && sudo find /var/tmp/etl -type d -empty -delete"),
            c("sudo du -sh /var/tmp/etl", "8.1G\t/var/tmp/etl"),
        ]),

    ssh("old-releases-cleanup", "maria.lopez:deploy@web-05", style="debian",
        risk="LOW-MEDIUM",
        desc="Removes old release directories, keeping the current one and the last four",
        steps=[
            c("cd /var/www/shop/releases && ls", "20250110-0912  20250124-1420  20250207-1011  20250221-1530  20250306-0944  20250313-1104"),
            c("readlink /var/www/shop/current", "/var/www/shop/releases/20250313-1104"),
            c("ls -1 | head -n -5 | xargs -r rm -rf"),
            c("ls", "20250124-1420  20250207-1011  20250221-1530  20250306-0944  20250313-1104"),
        ]),

    ssh("crontab-edit-backup-job", "wendy.zhao:ubuntu@pg-shop-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Adds a nightly pg_dump job to the postgres user's crontab after reviewing the existing entries",
        steps=[
            c("sudo crontab -l -u postgres", "# m h  dom mon dow   command\n15 1 * * * /usr/bin/vacuumdb --all --analyze-only --quiet"),
            vim("sudo crontab -e -u postgres", """
                # m h  dom mon dow   command
                15 1 * * * /usr/bin/vacuumdb --all --analyze-only --quiet""",
                edits=[(3, "0 2 * * * /usr/local/bin/pg-backup.sh shop >> /var/log/postgresql/backup.log 2>&1")]),
            c("sudo crontab -l -u postgres | tail -1", "0 2 * * * /usr/local/bin/pg-backup.sh shop >> /var/log/postgresql/backup.log 2>&1"),
        ]),

    ssh("systemd-timer-for-backup", "li.wei:ubuntu@pg-billing-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Creates a systemd service and timer for the nightly billing database backup script and enables the timer",
        steps=[
            c("""sudo tee /etc/systemd/system/pg-backup.service <<'EOF'
[Unit]
Description=Nightly pg_dump of billing

[Service]
Type=oneshot
User=postgres
ExecStart=/usr/local/bin/pg-backup.sh billing
EOF""", "[Unit]\nDescription=Nightly pg_dump of billing\n\n[Service]\nType=oneshot\nUser=postgres\nExecStart=/usr/local/bin/pg-backup.sh billing"),
            c("""sudo tee /etc/systemd/system/pg-backup.timer <<'EOF'
[Unit]
Description=Run pg-backup nightly

[Timer]
OnCalendar=*-*-* 02:30:00
Persistent=true

[Install]
WantedBy=timers.target
EOF""", "[Unit]\nDescription=Run pg-backup nightly\n\n[Timer]\nOnCalendar=*-*-* 02:30:00\nPersistent=true\n\n[Install]\nWantedBy=timers.target"),
            c("sudo systemctl daemon-reload && sudo systemctl enable --now pg-backup.timer", "Created symlink /etc/systemd/system/timers.target.wants/pg-backup.timer \u2192 /etc/systemd/system/pg-backup.timer."),
            c("systemctl list-timers pg-backup.timer --no-pager | head -2", "NEXT                        LEFT          LAST PASSED UNIT             ACTIVATES\nThu 2025-03-20 02:30:00 UTC 14h left      -    -      pg-backup.timer  pg-backup.service"),
        ]),

    ssh("node-exporter-install", "bob.martin:ubuntu@web-07", style="debian",
        risk="LOW-MEDIUM",
        desc="Installs Prometheus node_exporter from the GitHub release after verifying its checksum and registers it as a systemd unit",
        steps=[
            c("cd /tmp"),
            p("curl -fsSLO https://github.com/prometheus/node_exporter/releases/download/v1.8.2/node_exporter-1.8.2.linux-amd64.tar.gz", run=2),
            p("curl -fsSL https://github.com/prometheus/node_exporter/releases/download/v1.8.2/sha256sums.txt | grep linux-amd64.tar.gz | sha256sum -c", "node_exporter-1.8.2.linux-amd64.tar.gz: OK"),
            c("tar xzf node_exporter-1.8.2.linux-amd64.tar.gz && sudo install -m 755 node_exporter-1.8.2.linux-amd64/node_exporter /usr/local/bin/"),
            c("sudo useradd --system --no-create-home --shell /usr/sbin/nologin node_exporter"),
            c("""sudo tee /etc/systemd/system/node_exporter.service >/dev/null <<'EOF'
[Unit]
Description=Prometheus node exporter
After=network-online.target

[Service]
User=node_exporter
ExecStart=/usr/local/bin/node_exporter --web.listen-address=10.20.2.47:9100

[Install]
WantedBy=multi-user.target
EOF"""),
            c("sudo systemctl daemon-reload && sudo systemctl enable --now node_exporter", "Created symlink /etc/systemd/system/multi-user.target.wants/node_exporter.service \u2192 /etc/systemd/system/node_exporter.service."),
            c("curl -s 10.20.2.47:9100/metrics | grep -m1 node_uname_info", 'node_uname_info{domainname="(none)",machine="x86_64",nodename="web-07",release="5.15.0-131-generic",sysname="Linux",version="#141-Ubuntu SMP Fri Jan 10 21:18:28 UTC 2025"} 1'),
        ]),

    ssh("hosts-file-entry", "carol.diaz:ubuntu@app-03", style="debian",
        risk="LOW-MEDIUM",
        desc="Adds a temporary /etc/hosts entry for the new database endpoint during a DNS migration, as the ticket says",
        steps=[
            c("getent hosts pg-shop-new.internal.acme-corp.example"),
            c("echo '10.20.4.30 pg-shop-new.internal.acme-corp.example  # CHG-2291 remove after DNS cutover' | sudo tee -a /etc/hosts", "10.20.4.30 pg-shop-new.internal.acme-corp.example  # CHG-2291 remove after DNS cutover"),
            c("getent hosts pg-shop-new.internal.acme-corp.example", "10.20.4.30      pg-shop-new.internal.acme-corp.example"),
            c("nc -zv pg-shop-new.internal.acme-corp.example 5432", "Connection to pg-shop-new.internal.acme-corp.example (10.20.4.30) 5432 port [tcp/postgresql] succeeded!"),
        ]),

    ssh("maintenance-stop-start", "sam.okafor:ubuntu@app-09", style="debian",
        risk="LOW-MEDIUM",
        desc="In an announced maintenance window, stops the worker, runs a schema migration and starts it again",
        steps=[
            c("sudo systemctl stop app-worker"),
            c("cd /srv/app && sudo -u app ./venv/bin/python manage.py migrate --noinput", "Operations to perform:\n  Apply all migrations: admin, auth, contenttypes, orders, sessions\nRunning migrations:\n  Applying orders.0042_order_shipping_method... OK\n  Applying orders.0043_backfill_shipping_method... OK", run=12),
            c("sudo systemctl start app-worker && systemctl is-active app-worker", "active"),
        ]),

    ssh("reboot-after-kernel-update", "hiro.tanaka:ubuntu@worker-03", style="debian",
        risk="LOW-MEDIUM",
        desc="Reboots a drained worker after a kernel update, as the reboot-required flag asks",
        steps=[
            c("cat /var/run/reboot-required.pkgs", "linux-image-5.15.0-134-generic\nlinux-base"),
            c("systemctl is-active app-worker", "inactive"),
            c("sudo reboot", "\nBroadcast message from root@worker-03 on pts/1 (Wed 2025-03-19 21:02:11 UTC):\n\nThe system will reboot now!\n", final=True),
        ]),

    ssh("tmux-attach-long-job", "priya.raman@dev-vm-14", style="debian",
        desc="Checks on a long-running data backfill left running in tmux",
        steps=[
            c("tmux ls", "backfill: 1 windows (created Tue Mar 18 17:02:11 2025)"),
            c("tail -3 ~/backfill/progress.log", "2025-03-19 09:12:01 batch 1811/2400 done (75.5%) eta 3h02m\n2025-03-19 09:14:12 batch 1812/2400 done (75.5%) eta 3h01m\n2025-03-19 09:16:20 batch 1813/2400 done (75.5%) eta 3h01m"),
        ]),

    ssh("sudo-i-maintenance", "julia.santos:ubuntu@mail-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Becomes root with sudo -i to inspect the mail queue and flush it after a relay outage",
        steps=[
            c("sudo -i", "[sudo] password for ubuntu: "),
            c("mailq | tail -1", "-- 212 Kbytes in 41 Requests."),
            c("postqueue -f"),
            c("sleep 20; mailq | tail -1", "Mail queue is empty", run=20),
            c("exit"),
        ]),

    ssh("ssh-to-internal-host", "dev.patel:ubuntu@bastion-01", style="debian",
        desc="Hops from the bastion to an app server to check disk space and a service, then returns",
        steps=[
            c("ssh app-03.internal", "Welcome to Ubuntu 22.04.5 LTS (GNU/Linux 5.15.0-131-generic x86_64)\n\nLast login: Tue Mar 18 10:02:44 2025 from 10.20.1.5",
              push=dict(user="ubuntu", host="app-03", login=True, style="debian", exit_out="logout\nConnection to app-03.internal closed.")),
            c("df -h /srv", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    100G   61G   40G  61% /srv"),
            c("systemctl is-active app", "active"),
            c("exit"),
        ]),

    ssh("history-grep-command", "kevin.obrien:ubuntu@ops-util-01", style="debian",
        desc="Greps shell history to find the exact docker run command used last time",
        steps=[
            c("history | grep 'docker run' | tail -3", " 1981  docker run --rm -v $PWD:/work -w /work hashicorp/terraform:1.9 fmt -recursive\n 2004  docker run --rm -it postgres:16 psql -h pg-shop-02.internal -U readonly shop\n 2019  history | grep 'docker run' | tail -3"),
            c("docker run --rm -v $PWD:/work -w /work hashicorp/terraform:1.9 fmt -recursive", "modules/network/main.tf"),
        ]),

    ssh("screen-reattach", "erin.walsh:ubuntu@migrate-01", style="debian",
        desc="Reattaches to a screen session running a data migration and detaches again",
        steps=[
            c("screen -ls", "There is a screen on:\n\t41021.migrate\t(Detached)\n1 Socket in /run/screen/S-ubuntu."),
            c("tail -2 /var/log/migrate/run.log", "[2025-03-20 08:11:09] copied 18,212,004 / 24,000,000 rows (75.9%)\n[2025-03-20 08:12:09] copied 18,301,441 / 24,000,000 rows (76.3%)"),
        ]),

    ssh("chmod-deploy-script", "maria.lopez:deploy@web-01", style="debian",
        desc="Makes the new deploy helper executable, reads it and runs it in dry-run mode",
        steps=[
            c("cd ~/bin && ls -l deploy.sh", "-rw-r--r-- 1 deploy deploy 1204 Mar 20 09:41 deploy.sh"),
            c("chmod +x deploy.sh"),
            c("head -12 deploy.sh", "#!/usr/bin/env bash\n# Deploy the app from a tag: deploy.sh <tag> [--dry-run]\nset -euo pipefail\ntag=${1:?tag required}\ndry=${2:-}\ncd /srv/app\ngit fetch --tags -q\ngit checkout -q \"$tag\"\n[ \"$dry\" = --dry-run ] && { echo \"would restart app at $tag\"; exit 0; }\nsudo systemctl restart app\ncurl -fsS localhost:8080/healthz"),
            c("./deploy.sh v5.2.1 --dry-run", "would restart app at v5.2.1"),
        ]),

    ssh("ufw-allow-port", "omar.haddad:ubuntu@monitor-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Opens the Prometheus port to the internal network in ufw for a new scrape target, and checks the rules",
        steps=[
            c("sudo ufw status numbered", "Status: active\n\n     To                         Action      From\n     --                         ------      ----\n[ 1] 22/tcp                     ALLOW IN    10.20.1.0/24\n[ 2] 3000/tcp                   ALLOW IN    10.20.0.0/16"),
            c("sudo ufw allow from 10.20.0.0/16 to any port 9090 proto tcp comment 'prometheus'", "Rule added"),
            c("sudo ufw status | tail -1", "9090/tcp                   ALLOW       10.20.0.0/16               # prometheus"),
        ]),

    ssh("iptables-listing", "victor.ruiz:ubuntu@edge-01", style="debian",
        desc="Lists iptables rules and counters while debugging a blocked health check (no changes)",
        steps=[
            c("sudo iptables -L INPUT -n -v --line-numbers | head -8", "Chain INPUT (policy DROP 1204 packets, 61220 bytes)\nnum   pkts bytes target     prot opt in     out     source               destination\n1     412K   88M ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0\n2     9120K  11G ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED\n3     2041  122K ACCEPT     tcp  --  *      *       10.20.1.0/24         0.0.0.0/0            tcp dpt:22\n4     88121 5287K ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:443"),
            c("sudo iptables -S INPUT | grep 8081", ""),
        ]),
]
