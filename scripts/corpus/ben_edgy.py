"""Benign sessions that look edgy but are routine (the false positives that bury reviewers)."""

from dsl import B, c, less, p, ssh, vim, wait
from snips import b64, chars, ed25519_pub, hexs, ident, passwd, ps_rows, yescrypt

SCENARIOS = [
    ssh("sudo-restart-nginx", "alice.chen:ubuntu@web-03", style="debian",
        desc="Restarts nginx with sudo after a certificate change and checks that it is active",
        steps=[
            c("sudo systemctl restart nginx", "[sudo] password for ubuntu: "),
            c("systemctl is-active nginx", "active"),
            c("curl -sI https://shop.acme-corp.example | head -1", "HTTP/2 200 "),
        ]),

    ssh("passwd-grep-deploy", "bob.martin:ubuntu@app-05", style="debian",
        desc="Looks up the deploy account's home and shell in /etc/passwd while fixing a deploy key path",
        steps=[
            c("cat /etc/passwd | grep deploy", "deploy:x:1001:1001:Deploy user,,,:/home/deploy:/bin/bash"),
            c("sudo ls -la /home/deploy/.ssh", "total 16\ndrwx------ 2 deploy deploy 4096 Jan  9 10:12 .\ndrwxr-x--- 5 deploy deploy 4096 Mar 20 09:41 ..\n-rw------- 1 deploy deploy  411 Jan  9 10:12 authorized_keys\n-rw-r--r-- 1 deploy deploy  444 Feb  3 14:02 known_hosts"),
            c("sudo -u deploy ssh -T git@github.com", "Hi acme-corp/app! You've successfully authenticated, but GitHub does not provide shell access."),
        ]),

    ssh("get-docker-script-review", "sam.okafor:ubuntu@build-05", style="debian",
        risk="LOW-MEDIUM",
        desc="Downloads Docker's convenience install script to a file, reads it, dry-runs it and then runs it on a new build host",
        steps=[
            c("curl -fsSL https://get.docker.com -o get-docker.sh"),
            less("less get-docker.sh", """
                #!/bin/sh
                set -e
                # Docker Engine for Linux installation script.
                #
                # This script is intended as a convenient way to configure docker's package
                # repositories and to install Docker Engine, This script is not recommended
                # for production environments. Before running this script, make yourself familiar
                # with potential risks and limitations, and refer to the installation manual
                # at https://docs.docker.com/engine/install/ for alternative installation methods.
                #
                # The script:
                #
                # - Requires `root` or `sudo` privileges to run.
                # - Attempts to detect your Linux distribution and version and configure your
                #   package management system for you.
                # - Doesn't allow you to customize most installation parameters.
                # - Installs dependencies and recommendations without asking for confirmation.
                # - Installs the latest stable release (by default) of Docker CLI, Docker Engine,
                #   Docker Buildx, Docker Compose, containerd, and runc."""),
            c("sh get-docker.sh --dry-run | tail -4", "+ sh -c DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-ce docker-ce-cli containerd.io docker-compose-plugin docker-ce-rootless-extras docker-buildx-plugin >/dev/null\n+ sh -c echo \"deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu jammy stable\" > /etc/apt/sources.list.d/docker.list\n+ sh -c apt-get update -qq >/dev/null"),
            c("sudo sh get-docker.sh | tail -2", "Client: Docker Engine - Community\n Version:           28.0.1", run=70),
            c("sudo usermod -aG docker ubuntu"),
        ]),

    ssh("nodesource-setup-curl-bash", "priya.raman:ubuntu@web-08", style="debian",
        risk="LOW-MEDIUM",
        desc="Adds the NodeSource repository with its documented curl | sudo bash setup script and installs Node.js 20",
        steps=[
            p("curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash -", "2025-03-20 10:12:01 - Installing pre-requisites\n2025-03-20 10:12:09 - Repository configured successfully.\n2025-03-20 10:12:09 - To install Node.js, run: apt-get install nodejs -y", run=12),
            c("sudo apt-get install -y nodejs | tail -1", "Setting up nodejs (20.18.3-1nodesource1) ...", run=9),
            c("node -v; npm -v", "v20.18.3\n10.8.2"),
        ]),

    ssh("base64-k8s-secret-manifest", "dev.patel@bastion-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Base64-encodes a new config file into a Kubernetes Secret manifest, server-side dry-runs it and applies it",
        steps=[
            c("cd ~/k8s/notify"),
            c("base64 -w0 smtp-relay.json; echo", b64('{"host":"smtp-relay.internal","port":587,"starttls":true,"from":"noreply@acme-corp.example"}')),
            vim("vim secret-smtp.yaml", """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: notify-smtp
                  namespace: notify
                type: Opaque
                data:
                  smtp-relay.json: """ + b64('{"host":"smtp-relay.internal","port":25,"starttls":false}'),
                edits=[(8, "  smtp-relay.json: " + b64('{"host":"smtp-relay.internal","port":587,"starttls":true,"from":"noreply@acme-corp.example"}'))]),
            c("kubectl apply --dry-run=server -f secret-smtp.yaml", "secret/notify-smtp configured (server dry run)"),
            c("kubectl apply -f secret-smtp.yaml && kubectl -n notify rollout restart deploy/notify", "secret/notify-smtp configured\ndeployment.apps/notify restarted"),
        ]),

    ssh("crontab-review", "nina.kowalski:ubuntu@web-04", style="debian",
        desc="Reviews user and system crontabs while looking for why a report job ran twice",
        steps=[
            c("crontab -l", "no crontab for ubuntu"),
            c("sudo crontab -l -u www-data", "# m h dom mon dow command\n*/5 * * * * php /var/www/shop/current/artisan schedule:run >> /dev/null 2>&1\n0 6 * * 1 php /var/www/shop/current/artisan report:weekly"),
            c("ls /etc/cron.d/ && cat /etc/cron.d/shop-reports", "e2scrub_all  php  shop-reports  sysstat\n0 6 * * 1 www-data php /var/www/shop/current/artisan report:weekly"),
            c("sudo rm /etc/cron.d/shop-reports"),
        ]),

    ssh("kubectl-list-secrets-names", "hiro.tanaka@bastion-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Lists secret names and describes one (keys and sizes only) to check a deployment references the right secret",
        steps=[
            c("kubectl -n shop get secrets", "NAME                  TYPE                             DATA   AGE\nshop-mysql            Opaque                           3      301d\nshop-smtp             Opaque                           2      120d\nsh.helm.release.v1.shop.v41   helm.sh/release.v1      1      16d\nsh.helm.release.v1.shop.v42   helm.sh/release.v1      1      7d\ntls-shop              kubernetes.io/tls                2      41d"),
            c("kubectl -n shop describe secret shop-smtp", "Name:         shop-smtp\nNamespace:    shop\nLabels:       app=shop\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  24 bytes\nusername:  29 bytes"),
            c("kubectl -n shop get deploy shop-web -o jsonpath='{.spec.template.spec.containers[0].envFrom}'; echo", '[{"secretRef":{"name":"shop-smtp"}},{"configMapRef":{"name":"shop-config"}}]'),
        ]),

    ssh("new-employee-account", "grace.kim:ubuntu@jump-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Onboards a new engineer per ticket: creates the account, adds the team group and installs the public key they sent",
        steps=[
            c("sudo adduser --disabled-password --gecos 'Leo Fischer' lfischer", "[sudo] password for ubuntu: \nAdding user `lfischer' ...\nAdding new group `lfischer' (1021) ...\nAdding new user `lfischer' (1021) with group `lfischer' ...\nCreating home directory `/home/lfischer' ...\nCopying files from `/etc/skel' ..."),
            c("sudo usermod -aG developers lfischer"),
            c("sudo install -d -m 700 -o lfischer -g lfischer /home/lfischer/.ssh"),
            p(f"echo '{ed25519_pub('lfischer', 'leo.fischer@acme-corp.example')}' | sudo tee /home/lfischer/.ssh/authorized_keys >/dev/null"),
            c("sudo chown lfischer: /home/lfischer/.ssh/authorized_keys && sudo chmod 600 /home/lfischer/.ssh/authorized_keys"),
            c("id lfischer", ident("lfischer", 1021, [(1021, "lfischer"), (1100, "developers")])),
        ]),

    ssh("offboard-departed-user", "tom.becker:ubuntu@jump-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Offboarding ticket: checks the departed user has no running processes, archives the home directory and deletes the account",
        steps=[
            c("pgrep -u rpatel -l", ""),
            c("sudo tar czf /var/backups/offboarding/rpatel-home-2025-03-20.tgz -C /home rpatel"),
            c("sudo userdel -r rpatel", "userdel: rpatel mail spool (/var/mail/rpatel) not found"),
            c("getent passwd rpatel; echo $?", "2"),
        ]),

    ssh("reset-user-password", "erin.walsh:ubuntu@jump-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Resets a user's password at their request (verified by ticket) and forces a change at next login",
        steps=[
            c("sudo passwd mlopez", "New password: \nRetype new password: \npasswd: password updated successfully"),
            c("sudo chage -d 0 mlopez"),
            c("sudo chage -l mlopez | head -2", "Last password change\t\t\t\t\t: password must be changed\nPassword expires\t\t\t\t\t: password must be changed"),
        ]),

    ssh("kill-hung-celery-worker", "maria.lopez:deploy@worker-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Finds a hung Celery worker process, sends TERM, then KILL when it does not exit",
        steps=[
            c("ps aux | grep [c]elery | head -3", ps_rows([
                "app 41021 99.1 6.1 1812044 998120 ? R Mar19 1012:44 /srv/app/venv/bin/python3 -m celery -A app worker -Q default -c 4",
                "app 41088 0.0 1.2 412044 201220 ? S Mar19 0:41 /srv/app/venv/bin/python3 -m celery -A app worker -Q default -c 4"]).split("\n", 1)[1]),
            c("sudo kill -TERM 41021; sleep 10; ps -p 41021 -o pid,stat", "    PID STAT\n  41021 R", run=10),
            c("sudo kill -9 41021"),
            c("sudo systemctl restart celery-default && systemctl is-active celery-default", "active"),
        ]),

    ssh("nmap-verify-firewall", "victor.ruiz:ubuntu@ops-util-02", style="debian",
        risk="LOW-MEDIUM",
        desc="After a firewall change, scans one internal web host's expected ports to confirm only 22/80/443 answer",
        steps=[
            c("nmap -Pn -p 22,80,443,5432,6379,8080 web-01.internal", "Starting Nmap 7.80 ( https://nmap.org ) at 2025-03-20 11:02 UTC\nNmap scan report for web-01.internal (10.20.2.11)\nHost is up (0.00041s latency).\n\nPORT     STATE    SERVICE\n22/tcp   open     ssh\n80/tcp   open     http\n443/tcp  open     https\n5432/tcp filtered postgresql\n6379/tcp filtered redis\n8080/tcp filtered http-proxy\n\nNmap done: 1 IP address (1 host up) scanned in 1.31 seconds", run=2),
        ]),

    ssh("sudo-l-own-rights", "uma.iyer:uiyer@app-10", style="debian",
        desc="New team member checks which commands she may run with sudo on an app host",
        steps=[
            c("id", ident("uiyer", 1019, [(1019, "uiyer"), (1100, "developers")])),
            c("sudo -l", "[sudo] password for uiyer: \nMatching Defaults entries for uiyer on app-10:\n    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin\\:/snap/bin, use_pty\n\nUser uiyer may run the following commands on app-10:\n    (root) /usr/bin/systemctl restart app, /usr/bin/systemctl status app, /usr/bin/journalctl -u app *"),
            c("sudo systemctl status app --no-pager | head -3", "\u25cf app.service - ACME web application (gunicorn)\n     Loaded: loaded (/etc/systemd/system/app.service; enabled; vendor preset: enabled)\n     Active: active (running) since Thu 2025-03-20 07:12:09 UTC; 4h 1min ago"),
        ]),

    ssh("find-config-file", "kevin.obrien:ubuntu@cache-03", style="debian",
        desc="Searches the filesystem for the Redis config file used by a non-standard install",
        steps=[
            c("sudo find / -name 'redis*.conf' -not -path '/proc/*' 2>/dev/null", "/opt/redis/etc/redis-6380.conf\n/usr/share/doc/redis-tools/examples/redis.conf"),
            c("grep -E '^(port|maxmemory|appendonly)' /opt/redis/etc/redis-6380.conf", "port 6380\nmaxmemory 4gb\nappendonly yes"),
        ]),

    ssh("env-grep-proxy", "carol.diaz:ubuntu@build-06", style="debian",
        desc="Debugs failing package downloads by checking proxy environment variables and the apt proxy config",
        steps=[
            c("env | grep -i proxy", "http_proxy=http://proxy.internal.acme-corp.example:3128\nhttps_proxy=http://proxy.internal.acme-corp.example:3128\nno_proxy=localhost,127.0.0.1,.internal.acme-corp.example"),
            c("cat /etc/apt/apt.conf.d/95proxy", "Acquire::http::Proxy \"http://proxy.internal.acme-corp.example:3128\";"),
            c("curl -sI https://pypi.org/simple/ | head -1", "HTTP/1.1 200 Connection established"),
        ]),

    ssh("openssl-rand-app-secret", "omar.haddad@ops-util-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Generates a new random application secret with openssl and stores it in Vault for the staging app",
        steps=[
            c("openssl rand -base64 32", b64(chars("newsecret", 32))[:44]),
            p("vault kv patch secret/staging/shop app_key=\"$(openssl rand -base64 32)\"", "======= Secret Path =======\nsecret/data/staging/shop\n\n======= Metadata =======\nKey                Value\n---                -----\ncreated_time       2025-03-20T12:41:09.118271Z\nversion            12"),
        ]),

    ssh("scp-log-to-jumphost", "sam.okafor:ubuntu@api-04", style="debian",
        risk="LOW-MEDIUM",
        desc="Copies an error log to the internal jump host to attach it to an incident ticket",
        steps=[
            c("ls -lh /var/log/api/error.log", "-rw-r----- 1 api adm 2.1M Mar 20 12:58 /var/log/api/error.log"),
            c("sudo cp /var/log/api/error.log /tmp/api-04-error.log && sudo chown ubuntu /tmp/api-04-error.log"),
            c("scp /tmp/api-04-error.log jump-01.internal:/srv/incidents/INC-1182/", "api-04-error.log                               100% 2112KB  88.1MB/s   00:00"),
            c("rm /tmp/api-04-error.log"),
        ]),

    ssh("python-http-server-share", "hiro.tanaka@build-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Serves a build artifact over a temporary python http.server on the internal interface for a colleague, then stops it",
        steps=[
            c("cd ~/out && ls -lh", "total 88M\n-rw-r--r-- 1 hiro.tanaka hiro.tanaka 88M Mar 20 13:20 firmware-tools-2.4.0.tar.gz"),
            c("python3 -m http.server 8000 --bind 10.20.8.12", "Serving HTTP on 10.20.8.12 port 8000 (http://10.20.8.12:8000/) ...\n10.20.8.40 - - [20/Mar/2025 13:24:02] \"GET /firmware-tools-2.4.0.tar.gz HTTP/1.1\" 200 -", ctrl_c=True, run=40),
        ]),

    ssh("deploy-key-generation", "maria.lopez:deploy@web-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Generates a read-only deploy key for a new repository and prints the public half to add it in GitHub",
        steps=[
            c("ssh-keygen -t ed25519 -f ~/.ssh/docs_deploy -N '' -C 'deploy@web-01 docs'", "Generating public/private ed25519 key pair.\nYour identification has been saved in /home/deploy/.ssh/docs_deploy\nYour public key has been saved in /home/deploy/.ssh/docs_deploy.pub\nThe key fingerprint is:\nSHA256:" + chars("docsfp", 43) + " deploy@web-01 docs"),
            c("cat ~/.ssh/docs_deploy.pub", ed25519_pub("docsdeploy", "deploy@web-01 docs")),
            c("printf 'Host github-docs\\n  HostName github.com\\n  IdentityFile ~/.ssh/docs_deploy\\n' >> ~/.ssh/config"),
        ]),

    ssh("ssh-copy-id-new-host", "alice.chen@ops-util-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Copies her key to a freshly provisioned internal VM with ssh-copy-id and tests the login",
        steps=[
            c("ssh-copy-id ubuntu@10.20.9.14", "/usr/bin/ssh-copy-id: INFO: Source of key(s) to be installed: \"/home/alice.chen/.ssh/id_ed25519.pub\"\n/usr/bin/ssh-copy-id: INFO: attempting to log in with the new key(s), to filter out any that are already installed\n/usr/bin/ssh-copy-id: INFO: 1 key(s) remain to be installed -- if you are prompted now it is to install the new keys\nubuntu@10.20.9.14's password: \n\nNumber of key(s) added: 1\n\nNow try logging into the machine, with:   \"ssh 'ubuntu@10.20.9.14'\"\nand check to make sure that only the key(s) you wanted were added."),
            c("ssh ubuntu@10.20.9.14 hostname", "staging-db-02"),
        ]),

    ssh("jwt-payload-decode", "omar.haddad@dev-vm-05", style="debian",
        risk="LOW-MEDIUM",
        desc="Decodes the payload of a JWT from a failing API call to check its expiry and audience",
        steps=[
            c("echo 'eyJzdWIiOiJ1c2VyLTg4MTIxIiwiYXVkIjoic2hvcC1hcGkiLCJleHAiOjE3NDI0NzcyMDB9' | base64 -d; echo", '{"sub":"user-88121","aud":"shop-api","exp":1742477200}'),
            c("date -d @1742477200 -u", "Thu Mar 20 13:26:40 UTC 2025"),
            c("date -u", "Thu Mar 20 13:41:02 UTC 2025"),
        ]),

    ssh("strace-network-debug", "li.wei@dev-vm-03", style="debian",
        risk="LOW-MEDIUM",
        desc="Traces network syscalls of a curl call to see which address it connects to behind the proxy",
        steps=[
            p("strace -f -e trace=connect curl -s -o /dev/null https://artifactory.internal.acme-corp.example/api/system/ping 2>&1 | grep connect", "connect(5, {sa_family=AF_INET, sin_port=htons(3128), sin_addr=inet_addr(\"10.20.0.30\")}, 16) = -1 EINPROGRESS (Operation now in progress)"),
            c("env | grep -i no_proxy", "no_proxy=localhost,127.0.0.1"),
            c("export no_proxy=$no_proxy,.internal.acme-corp.example"),
        ]),

    ssh("gcore-app-for-vendor", "frank.nguyen:ubuntu@app-11", style="debian",
        risk="LOW-MEDIUM",
        desc="Takes a core dump of the leaking application server into the crash directory for the vendor's support case",
        steps=[
            c("pgrep -a -u appsrv java", "21877 /opt/appsrv/jre/bin/java -Xmx6g -jar /opt/appsrv/appsrv.jar"),
            c("df -h /var/crash", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    100G  4.1G   96G   5% /var/crash"),
            c("sudo gcore -o /var/crash/appsrv-SR41877 21877", "[New LWP 21878]\n[New LWP 21879]\n[Thread debugging using libthread_db enabled]\nSaved corefile /var/crash/appsrv-SR41877.21877\n[Inferior 1 (process 21877) detached]", run=41),
            c("sudo xz -T4 /var/crash/appsrv-SR41877.21877 && ls -lh /var/crash", "total 1.8G\n-rw-r--r-- 1 root root 1.8G Mar 20 14:12 appsrv-SR41877.21877.xz", run=90),
        ]),

    ssh("selinux-avc-policy-module", "wendy.zhao:wzhao@web-rhel-01", style="rhel",
        risk="LOW-MEDIUM",
        desc="Troubleshoots an SELinux denial for nginx proxying to a new port and adds the port to the http_port_t type",
        steps=[
            c("sudo ausearch -m avc -ts recent | grep denied | tail -1", "type=AVC msg=audit(1742480411.118:1201): avc:  denied  { name_connect } for  pid=1187 comm=\"nginx\" dest=8443 scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0"),
            c("sudo semanage port -a -t http_port_t -p tcp 8443"),
            c("sudo semanage port -l | grep http_port_t", "http_port_t                    tcp      8443, 80, 81, 443, 488, 8008, 8009, 8443, 9000"),
            c("getenforce", "Enforcing"),
        ]),

    ssh("aws-cli-artifacts-check", "sam.okafor@ops-util-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Confirms which AWS identity the CLI uses and lists release artifacts in the build bucket",
        steps=[
            c("aws sts get-caller-identity --query Arn --output text", "arn:aws:sts::412977305518:assumed-role/engineer-readonly/sam.okafor"),
            c("aws s3 ls s3://acme-prod-artifacts/billing/ | tail -3", "2025-03-12 10:02:11   18120441 billing-api-3.4.0.tar.gz\n2025-03-13 16:44:09   18121002 billing-api-3.4.1.tar.gz\n2025-03-20 09:12:55   18124812 billing-api-3.5.0.tar.gz"),
        ]),

    ssh("vault-read-staging-secret", "ivan.petrov@ops-util-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Reads one staging database secret's metadata and value from Vault to fix a broken staging config",
        steps=[
            c("vault kv metadata get -format=json secret/staging/shop | jq '.data.current_version'", "12"),
            c("vault kv get -field=db_host secret/staging/shop", "pg-shop-staging.internal"),
            c("grep DB_HOST /etc/shop/staging.env", "DB_HOST=pg-shop-stg.internal"),
            c("sudo sed -i 's/^DB_HOST=.*/DB_HOST=pg-shop-staging.internal/' /etc/shop/staging.env && sudo systemctl restart shop-staging"),
        ]),

    ssh("nohup-migration-script", "kevin.obrien:ubuntu@migrate-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Starts a long data migration script with nohup in the background and checks its log",
        steps=[
            c("cd /opt/migrate"),
            c("nohup ./copy_orders.sh --batch 50000 > /var/log/migrate/run.log 2>&1 &", "[1] 41021"),
            c("disown"),
            c("sleep 30; tail -2 /var/log/migrate/run.log", "[2025-03-20 15:01:09] starting copy of orders (24,000,000 rows)\n[2025-03-20 15:01:39] copied 150,000 / 24,000,000 rows (0.6%)", run=30),
        ]),

    ssh("vendor-support-bundle", "grace.kim:ubuntu@lb-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Packs load-balancer logs and config (keys excluded) into a support bundle and uploads it to the vendor's case portal",
        steps=[
            p("sudo tar czf /tmp/SR-77120-lb-02.tgz --exclude='*.key' --exclude='*.pem' /etc/haproxy /var/log/haproxy.log /var/log/haproxy.log.1"),
            c("ls -lh /tmp/SR-77120-lb-02.tgz", "-rw-r--r-- 1 root root 14M Mar 20 15:22 /tmp/SR-77120-lb-02.tgz"),
            p("curl -sf -F 'case=SR-77120' -F 'file=@/tmp/SR-77120-lb-02.tgz' -H \"Authorization: Bearer $SUPPORT_TOKEN\" https://support.lbvendor.example/api/upload", '{"case":"SR-77120","status":"attached","size":14211004}'),
            c("sudo rm /tmp/SR-77120-lb-02.tgz"),
        ]),

    ssh("web-root-ownership", "victor.ruiz:ubuntu@web-09", style="debian",
        desc="Fixes ownership and directory permissions of a WordPress tree after a restore",
        steps=[
            c("sudo chown -R www-data:www-data /var/www/blog"),
            c("sudo find /var/www/blog -type d -exec chmod 755 {} + && sudo find /var/www/blog -type f -exec chmod 644 {} +"),
            c("sudo chmod 640 /var/www/blog/wp-config.php && ls -l /var/www/blog/wp-config.php", "-rw-r----- 1 www-data www-data 3412 Mar 20 15:40 /var/www/blog/wp-config.php"),
        ]),

    ssh("journal-vacuum-disk", "tom.becker:ubuntu@monitor-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Caps the systemd journal at 500 MB to free disk on a small monitoring VM",
        steps=[
            c("journalctl --disk-usage", "Archived and active journals take up 3.9G in the file system."),
            c("sudo journalctl --vacuum-size=500M", "Vacuuming done, freed 3.4G of archived journals from /var/log/journal/" + hexs("mon", 32) + "."),
            c("sudo sed -i 's/^#SystemMaxUse=/SystemMaxUse=500M/' /etc/systemd/journald.conf && sudo systemctl restart systemd-journald"),
        ]),

    ssh("truncate-debug-log", "julia.santos:ubuntu@api-05", style="debian",
        risk="LOW-MEDIUM",
        desc="Turns debug logging back off and truncates the oversized debug log the app still holds open",
        steps=[
            c("ls -lh /var/log/api/debug.log", "-rw-r----- 1 api adm 22G Mar 20 16:02 /var/log/api/debug.log"),
            c("sudo sed -i 's/^LOG_LEVEL=debug/LOG_LEVEL=info/' /etc/api/api.env && sudo systemctl restart api"),
            c("sudo truncate -s 0 /var/log/api/debug.log"),
            c("df -h /var | tail -1", "/dev/nvme0n1p1   48G   15G   33G  32% /"),
        ]),

    ssh("install-internal-root-ca", "bob.martin:ubuntu@app-12", style="debian",
        risk="LOW-MEDIUM",
        desc="Installs the company's internal root CA from the PKI repository so the host trusts internal services",
        steps=[
            c("curl -fsSo /tmp/acme-internal-root.crt https://pki.internal.acme-corp.example/roots/acme-internal-root-2024.crt"),
            c("openssl x509 -in /tmp/acme-internal-root.crt -noout -subject -fingerprint -sha256", "subject=C = US, O = ACME Corp, CN = ACME Corp Internal Root CA 2024\nsha256 Fingerprint=" + ":".join(hexs("rootca", 64).upper()[i:i + 2] for i in range(0, 64, 2))),
            c("sudo cp /tmp/acme-internal-root.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates", "Updating certificates in /etc/ssl/certs...\n1 added, 0 removed; done.\nRunning hooks in /etc/ca-certificates/update.d...\ndone."),
            c("curl -sI https://grafana.internal.acme-corp.example | head -1", "HTTP/2 302 "),
        ]),

    ssh("docker-exec-inspect", "carol.diaz:deploy@app-02", style="debian",
        desc="Opens a shell in the web container to check the rendered settings file and a connectivity test",
        steps=[
            c("docker exec -it stack-web-1 sh", "", push=dict(user="app", host="stack-web-1", cwd="/app", home="/app", style="dash", exit_out="")),
            c("ls", "manage.py  requirements.txt  shop  static"),
            c("grep -E 'ALLOWED_HOSTS|DEBUG' shop/settings/prod.py", "DEBUG = False\nALLOWED_HOSTS = [\"shop.acme-corp.example\", \"localhost\"]"),
            c("python manage.py check --deploy 2>&1 | tail -1", "System check identified no issues (0 silenced)."),
            c("exit"),
        ]),

    ssh("pg-hba-allow-new-app", "li.wei:ubuntu@pg-shop-01", style="debian",
        risk="LOW-MEDIUM",
        desc="Adds a pg_hba.conf line for the new app subnet with scram auth and reloads PostgreSQL",
        steps=[
            vim("sudo vim /etc/postgresql/14/main/pg_hba.conf", """
                # TYPE  DATABASE        USER            ADDRESS                 METHOD
                local   all             postgres                                peer
                local   all             all                                     peer
                host    all             all             127.0.0.1/32            scram-sha-256
                host    shop            shop_app        10.20.2.0/24            scram-sha-256""",
                edits=[(6, "host    shop            shop_app        10.20.12.0/24           scram-sha-256")]),
            c("sudo -u postgres psql -Atc 'select pg_reload_conf()'", "t"),
            c("sudo -u postgres psql -Atc \"select line_number, address, error from pg_hba_file_rules where database = '{shop}'\"", "5|10.20.2.0|\n6|10.20.12.0|"),
        ]),

    ssh("sshd-config-hardening", "frank.nguyen:ubuntu@web-10", style="debian",
        risk="LOW-MEDIUM",
        desc="Disables SSH password authentication per the hardening baseline, validates and reloads sshd",
        steps=[
            c("sudo grep -nE '^#?(PasswordAuthentication|PermitRootLogin)' /etc/ssh/sshd_config", "33:PermitRootLogin prohibit-password\n57:PasswordAuthentication yes"),
            c("sudo sed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/' /etc/ssh/sshd_config"),
            c("sudo sshd -t && sudo systemctl reload ssh"),
            c("sudo sshd -T | grep -E 'passwordauthentication|permitrootlogin'", "permitrootlogin without-password\npasswordauthentication no"),
        ]),

    ssh("rsync-to-internal-backup", "erin.walsh:root@fileshare-02", style="plain",
        risk="LOW-MEDIUM",
        desc="Runs the documented rsync of the share to the internal backup server after the nightly job failed",
        steps=[
            c("tail -2 /var/log/share-backup.log", "2025-03-20 01:00:02 starting rsync to backup-01.internal\n2025-03-20 01:04:41 rsync error: error in socket IO (code 10) at clientserver.c(139)"),
            p("rsync -aH --delete --info=stats1 /srv/share/ backup@backup-01.internal:/backups/fileshare-02/share/", "\nNumber of files: 812,044 (reg: 771,120, dir: 40,924)\nNumber of regular files transferred: 3,112\nTotal transferred file size: 4,112,044,812 bytes\nsent 4,113,201,921 bytes  received 88,121 bytes  41,012,044.12 bytes/sec", run=100),
        ]),

    ssh("etc-backup-before-change", "nina.kowalski:ubuntu@lb-01", style="debian",
        desc="Archives the HAProxy configuration directory before editing it",
        steps=[
            c("sudo tar czf /root/haproxy-etc-$(date +%F).tgz /etc/haproxy", "tar: Removing leading `/' from member names"),
            c("sudo ls -l /root/ | tail -2", "-rw-r--r-- 1 root root 6120 Mar 11 09:12 haproxy-etc-2025-03-11.tgz\n-rw-r--r-- 1 root root 6204 Mar 20 16:40 haproxy-etc-2025-03-20.tgz"),
        ]),

    ssh("shadow-grep-lock-state", "uma.iyer:ubuntu@jump-02", style="debian",
        risk="LOW-MEDIUM",
        desc="Checks whether a contractor account is locked by looking at its /etc/shadow entry, then uses passwd -S",
        steps=[
            c("sudo grep '^contractor2:' /etc/shadow", "contractor2:!" + yescrypt("contractor2") + ":20112:0:90:7:::"),
            c("sudo passwd -S contractor2", "contractor2 L 01/24/2025 0 90 7 -1"),
        ]),

    ssh("ssh-key-permissions-fix", "hiro.tanaka@dev-vm-03", style="debian",
        desc="Fixes permissions on a private key that ssh refused to use and retries with -v",
        steps=[
            c("ssh -T git@gitlab.internal.acme-corp.example", "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions 0644 for '/home/hiro.tanaka/.ssh/id_ed25519' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.\ngit@gitlab.internal.acme-corp.example: Permission denied (publickey)."),
            c("chmod 600 ~/.ssh/id_ed25519"),
            c("ssh -T git@gitlab.internal.acme-corp.example", "Welcome to GitLab, @hiro.tanaka!"),
        ]),

    ssh("aws-config-profiles", "dev.patel@dev-vm-09", style="debian",
        desc="Looks at configured AWS CLI profile names to pick the right one for a read-only query",
        steps=[
            c("grep '^\\[' ~/.aws/config", "[default]\n[profile prod-readonly]\n[profile staging-admin]"),
            c("aws --profile prod-readonly ec2 describe-instances --filters Name=tag:Name,Values=pg-shop-01 --query 'Reservations[].Instances[].InstanceType' --output text", "r6i.2xlarge"),
        ]),
]
