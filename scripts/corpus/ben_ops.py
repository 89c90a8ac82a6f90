"""Benign sessions: package updates, deploys, git work, backups, certificates."""

from dsl import B, c, less, p, ssh, vim, wait, typo
from snips import chars, df_h, hexs, systemctl_status

APT_UPDATE = """Hit:1 http://eu-west-1.ec2.archive.ubuntu.com/ubuntu jammy InRelease
Get:2 http://eu-west-1.ec2.archive.ubuntu.com/ubuntu jammy-updates InRelease [128 kB]
Get:3 http://eu-west-1.ec2.archive.ubuntu.com/ubuntu jammy-backports InRelease [127 kB]
Get:4 http://security.ubuntu.com/ubuntu jammy-security InRelease [129 kB]
Get:5 http://eu-west-1.ec2.archive.ubuntu.com/ubuntu jammy-updates/main amd64 Packages [2471 kB]
Get:6 http://security.ubuntu.com/ubuntu jammy-security/main amd64 Packages [2224 kB]
Fetched 5079 kB in 2s (2718 kB/s)
Reading package lists... Done
Building dependency tree... Done
Reading state information... Done
7 packages can be upgraded. Run 'apt list --upgradable' to see them."""

SCENARIOS = [
    ssh("apt-security-upgrade", "alice.chen:ubuntu@web-01", style="debian",
        desc="Routine apt update and upgrade of pending security packages, then checks whether a reboot is needed",
        steps=[
            c("sudo apt update", "[sudo] password for ubuntu: \n" + APT_UPDATE, run=4),
            c("apt list --upgradable", """
                Listing... Done
                libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.19 amd64 [upgradable from: 3.0.2-0ubuntu1.18]
                openssl/jammy-updates,jammy-security 3.0.2-0ubuntu1.19 amd64 [upgradable from: 3.0.2-0ubuntu1.18]
                linux-libc-dev/jammy-updates,jammy-security 5.15.0-134.145 amd64 [upgradable from: 5.15.0-131.141]
                libxml2/jammy-updates,jammy-security 2.9.13+dfsg-1ubuntu0.6 amd64 [upgradable from: 2.9.13+dfsg-1ubuntu0.5]
                tzdata/jammy-updates 2025a-0ubuntu0.22.04 all [upgradable from: 2024b-0ubuntu0.22.04.1]
                vim-common/jammy-updates,jammy-security 2:8.2.3995-1ubuntu2.23 all [upgradable from: 2:8.2.3995-1ubuntu2.22]
                vim-tiny/jammy-updates,jammy-security 2:8.2.3995-1ubuntu2.23 amd64 [upgradable from: 2:8.2.3995-1ubuntu2.22]"""),
            c("sudo apt upgrade -y", """
                Reading package lists... Done
                Building dependency tree... Done
                Reading state information... Done
                Calculating upgrade... Done
                The following packages will be upgraded:
                  libssl3 libxml2 linux-libc-dev openssl tzdata vim-common vim-tiny
                7 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
                Need to get 6912 kB of archives.
                After this operation, 12.3 kB of additional disk space will be used.
                Get:1 http://eu-west-1.ec2.archive.ubuntu.com/ubuntu jammy-updates/main amd64 libssl3 amd64 3.0.2-0ubuntu1.19 [1905 kB]
                Fetched 6912 kB in 1s (9177 kB/s)
                (Reading database ... 98231 files and directories currently installed.)
                Preparing to unpack .../libssl3_3.0.2-0ubuntu1.19_amd64.deb ...
                Unpacking libssl3:amd64 (3.0.2-0ubuntu1.19) over (3.0.2-0ubuntu1.18) ...
                Setting up libssl3:amd64 (3.0.2-0ubuntu1.19) ...
                Setting up openssl (3.0.2-0ubuntu1.19) ...
                Setting up tzdata (2025a-0ubuntu0.22.04) ...
                Processing triggers for libc-bin (2.35-0ubuntu3.8) ...
                Processing triggers for man-db (2.10.2-1) ...

                Running kernel seems to be up-to-date.

                Restarting services...
                 systemctl restart nginx.service php8.1-fpm.service

                No containers need to be restarted.

                No user sessions are running outdated binaries.""", run=38),
            c("ls /var/run/reboot-required", "ls: cannot access '/var/run/reboot-required': No such file or directory"),
        ]),

    ssh("dnf-update-openssl-rhel", "li.wei:li.wei@db-rhel-01", style="rhel",
        desc="Checks for updates on a RHEL 9 database host and applies the openssl errata only",
        steps=[
            c("sudo dnf check-update --security | tail -4", "[sudo] password for li.wei: \n\nopenssl.x86_64                    1:3.0.7-29.el9_4         rhel-9-for-x86_64-baseos-rpms\nopenssl-libs.x86_64               1:3.0.7-29.el9_4         rhel-9-for-x86_64-baseos-rpms", run=6),
            c("sudo dnf update -y openssl openssl-libs", """
                Updating Subscription Management repositories.
                Last metadata expiration check: 0:01:12 ago on Tue 11 Mar 2025 10:12:04 AM UTC.
                Dependencies resolved.
                ================================================================================
                 Package           Arch       Version                Repository            Size
                ================================================================================
                Upgrading:
                 openssl           x86_64     1:3.0.7-29.el9_4       rhel-9-baseos-rpms   1.2 M
                 openssl-libs      x86_64     1:3.0.7-29.el9_4       rhel-9-baseos-rpms   2.1 M

                Transaction Summary
                ================================================================================
                Upgrade  2 Packages

                Total download size: 3.3 M
                Downloading Packages:
                Running transaction
                  Upgrading        : openssl-libs-1:3.0.7-29.el9_4.x86_64                    1/4
                  Upgrading        : openssl-1:3.0.7-29.el9_4.x86_64                         2/4
                  Cleanup          : openssl-1:3.0.7-27.el9.x86_64                           3/4
                  Cleanup          : openssl-libs-1:3.0.7-27.el9.x86_64                      4/4

                Upgraded:
                  openssl-1:3.0.7-29.el9_4.x86_64          openssl-libs-1:3.0.7-29.el9_4.x86_64

                Complete!""", run=14),
            c("sudo needs-restarting -s", "postgresql-15.service\nsshd.service"),
            c("sudo systemctl restart sshd"),
        ]),

    ssh("python-venv-requirements", "sam.okafor:deploy@api-01", style="debian",
        desc="Rebuilds the service's virtualenv from requirements.txt after a dependency bump and runs the test suite",
        steps=[
            c("cd /srv/api"),
            c("git log -1 --oneline", hexs("c-venv", 7) + " Bump requests to 2.32.3 and urllib3 to 2.2.3"),
            c("python3 -m venv .venv --clear"),
            c("source .venv/bin/activate", push=False),
            c("pip install -q --upgrade pip && pip install -q -r requirements.txt", run=41),
            c("pip list --outdated 2>/dev/null | head -4", "Package    Version Latest Type\n---------- ------- ------ -----\ncertifi    2024.8.30 2025.1.31 wheel\nsetuptools 65.5.0  75.8.0 wheel"),
            c("python -m pytest -q tests/ 2>&1 | tail -3", "........................................................................ [ 88%]\n.........                                                                [100%]\n81 passed in 12.44s", run=13),
            c("deactivate"),
        ]),

    ssh("npm-ci-build-pm2", "priya.raman:deploy@web-04", style="debian",
        desc="Pulls the front-end, runs npm ci and the production build, and reloads it under pm2",
        steps=[
            c("cd ~/apps/storefront && git pull --ff-only", "Updating 4e1a2c9..7b0d3f1\nFast-forward\n src/components/Cart.tsx | 14 ++++++++------\n package-lock.json       |  8 ++++----\n 2 files changed, 12 insertions(+), 10 deletions(-)"),
            c("npm ci", "\nadded 1127 packages, and audited 1128 packages in 38s\n\n203 packages are looking for funding\n  run `npm fund` for details\n\nfound 0 vulnerabilities", run=38),
            c("npm run build", "\n> storefront@3.8.2 build\n> next build\n\n   ▲ Next.js 14.2.15\n\n   Creating an optimized production build ...\n ✓ Compiled successfully\n ✓ Generating static pages (42/42)\n ✓ Finalizing page optimization", run=71),
            c("pm2 reload storefront", "[PM2] Applying action reloadProcessId on app [storefront](ids: [ 0, 1 ])\n[PM2] [storefront](0) ✓\n[PM2] [storefront](1) ✓"),
            c("pm2 ls", """
                ┌────┬───────────────┬─────────┬─────────┬──────────┬────────┬──────┬───────────┐
                │ id │ name          │ mode    │ pid     │ uptime   │ ↺      │ cpu  │ mem       │
                ├────┼───────────────┼─────────┼─────────┼──────────┼────────┼──────┼───────────┤
                │ 0  │ storefront    │ cluster │ 212118  │ 6s       │ 14     │ 0%   │ 98.2mb    │
                │ 1  │ storefront    │ cluster │ 212149  │ 4s       │ 14     │ 0%   │ 96.7mb    │
                └────┴───────────────┴─────────┴─────────┴──────────┴────────┴──────┴───────────┘"""),
        ]),

    ssh("apt-install-tools", "bob.martin:ubuntu@ops-util-01", style="debian",
        desc="Installs jq, htop and ncdu on an ops utility host",
        steps=[
            c(f"sudo apt install -y jq htop ncdy{B}u", "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\nThe following NEW packages will be installed:\n  htop jq libjq1 libnl-genl-3-200 libonig5 ncdu\n0 upgraded, 6 newly installed, 0 to remove and 0 not upgraded.\nSetting up jq (1.6-2.1ubuntu3) ...\nSetting up htop (3.0.5-7build2) ...\nSetting up ncdu (1.15.1-1) ...\nProcessing triggers for man-db (2.10.2-1) ...", run=9),
            c("jq --version", "jq-1.6"),
        ]),

    ssh("git-pull-deploy-systemd", "maria.lopez:deploy@web-01", style="debian",
        desc="Standard deploy: fetch, review the incoming commits, fast-forward, restart the app unit and check health",
        steps=[
            c("cd /srv/app"),
            c("git fetch origin", "remote: Enumerating objects: 23, done.\nremote: Counting objects: 100% (23/23), done.\nremote: Total 14 (delta 9), reused 0 (delta 0)\nUnpacking objects: 100% (14/14), 3.11 KiB | 398.00 KiB/s, done.\nFrom github.com:acme-corp/app\n   5c2d9e1..a81f0b4  main       -> origin/main"),
            c("git log --oneline HEAD..origin/main", "a81f0b4 Fix pagination on order history (#812)\n3f9e7c2 Add index hint for order lookup\n8b1d0a6 Update translations"),
            c("git pull --ff-only", "Updating 5c2d9e1..a81f0b4\nFast-forward\n app/orders/views.py        | 11 ++++++-----\n app/orders/queries.py      |  4 ++--\n locale/de/LC_MESSAGES/django.po | 22 +++++++++++-----------\n 3 files changed, 19 insertions(+), 18 deletions(-)"),
            c("sudo systemctl restart app"),
            c("systemctl status app --no-pager | head -5", "\n".join(systemctl_status("app.service", "ACME web application (gunicorn)", 31877, "Wed 2025-03-12 10:41:07 UTC", "4s", "212.4M", "/srv/app/venv/bin/python3 /srv/app/venv/bin/gunicorn app.wsgi -c /srv/app/gunicorn.conf.py").split("\n")[:5])),
            c("curl -fsS localhost:8080/healthz", '{"status":"ok","db":"ok","cache":"ok","version":"a81f0b4"}', noout_newline=True),
        ]),

    ssh("docker-compose-deploy", "tom.becker:deploy@app-02", style="debian",
        desc="Pulls new images and recreates the compose stack, then tails the web container's logs",
        steps=[
            c("cd /opt/stack"),
            c("docker compose pull", " ✔ web Pulled  3.2s\n ✔ worker Pulled 3.1s\n ✔ redis Pulled  0.8s", run=5),
            c("docker compose up -d", "[+] Running 3/3\n ✔ Container stack-redis-1   Running   0.0s\n ✔ Container stack-web-1     Started   2.1s\n ✔ Container stack-worker-1  Started   2.3s", run=3),
            c("docker compose ps", "NAME             IMAGE                                        COMMAND                  SERVICE   CREATED          STATUS          PORTS\nstack-redis-1    redis:7.2-alpine                             \"docker-entrypoint.s…\"   redis     12 days ago      Up 12 days      6379/tcp\nstack-web-1      registry.acme-corp.example/shop/web:4.13.0   \"gunicorn shop.wsgi …\"   web       8 seconds ago    Up 6 seconds    127.0.0.1:8000->8000/tcp\nstack-worker-1   registry.acme-corp.example/shop/worker:4.13.0 \"celery -A shop work…\"   worker    8 seconds ago    Up 6 seconds"),
            c("docker compose logs --tail=5 web", "stack-web-1  | [2025-03-12 11:02:14 +0000] [1] [INFO] Starting gunicorn 22.0.0\nstack-web-1  | [2025-03-12 11:02:14 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)\nstack-web-1  | [2025-03-12 11:02:14 +0000] [1] [INFO] Using worker: gthread\nstack-web-1  | [2025-03-12 11:02:14 +0000] [7] [INFO] Booting worker with pid: 7\nstack-web-1  | [2025-03-12 11:02:14 +0000] [8] [INFO] Booting worker with pid: 8"),
        ]),

    ssh("rollback-release", "kevin.obrien:deploy@api-02", style="plain",
        desc="Rolls the API back to the previous tag after a bad release and verifies the version endpoint",
        steps=[
            c("cd /srv/api && git describe --tags", "v2.14.0"),
            c("git checkout -q v2.13.2"),
            c("sudo systemctl restart api"),
            c("sleep 3; curl -s localhost:9000/version", '{"version":"v2.13.2","commit":"' + hexs("v2132", 7) + '"}', noout_newline=True),
        ]),

    ssh("static-site-rsync", "julia.santos:www@web-02", style="plain",
        desc="Syncs a freshly built static site into the nginx web root with rsync --delete",
        steps=[
            c("cd ~/site && ls dist | head -4", "404.html\nassets\nblog\nindex.html"),
            c("rsync -a --delete --info=stats1 dist/ /var/www/docs/", "\nNumber of files: 1,412 (reg: 1,187, dir: 225)\nNumber of created files: 3 (reg: 3)\nNumber of deleted files: 1 (reg: 1)\nNumber of regular files transferred: 41\nTotal file size: 48,412,091 bytes\nTotal transferred file size: 2,118,442 bytes"),
            c("curl -sI https://docs.acme-corp.example/ | head -1", "HTTP/2 200 "),
        ]),

    ssh("ansible-check-diff", "alice.chen@ansible-ctl-01", style="debian",
        desc="Runs the web playbook in check/diff mode against one host before applying it",
        steps=[
            c("cd ~/infra/ansible && git pull -q"),
            c("ansible-playbook -i inventories/prod site.yml --limit web-03.internal --check --diff --tags nginx", """
                PLAY [web] *********************************************************************

                TASK [Gathering Facts] *********************************************************
                ok: [web-03.internal]

                TASK [nginx : template site config] ********************************************
                --- before: /etc/nginx/sites-available/app
                +++ after: /home/alice.chen/.ansible/tmp/ansible-local-31877/tmp0x9q/app.conf.j2
                @@ -12,7 +12,7 @@
                -    client_max_body_size 10m;
                +    client_max_body_size 25m;
                changed: [web-03.internal]

                RUNNING HANDLER [nginx : reload nginx] *****************************************
                changed: [web-03.internal]

                PLAY RECAP *********************************************************************
                web-03.internal            : ok=3    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0""", run=18),
            c("ansible-playbook -i inventories/prod site.yml --limit web-03.internal --tags nginx | tail -2", "PLAY RECAP *********************************************************************\nweb-03.internal            : ok=3    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0", run=16),
        ]),

    ssh("release-symlink-switch", "nina.kowalski:deploy@web-05", style="debian",
        desc="Unpacks a release tarball into a new release directory, switches the current symlink and reloads php-fpm",
        steps=[
            c("cd /var/www/shop/releases"),
            c("mkdir 20250313-1104 && tar xzf /tmp/shop-4.13.0.tgz -C 20250313-1104"),
            c("ln -sfn /var/www/shop/releases/20250313-1104 /var/www/shop/current"),
            c("ls -l /var/www/shop/current", "lrwxrwxrwx 1 deploy deploy 38 Mar 13 11:05 /var/www/shop/current -> /var/www/shop/releases/20250313-1104"),
            c("sudo systemctl reload php8.1-fpm"),
        ]),

    ssh("helm-upgrade-rollout", "dev.patel@bastion-01", style="debian",
        desc="Upgrades a Helm release with --atomic and waits for the deployment rollout",
        steps=[
            c("helm -n shop list", "NAME\tNAMESPACE\tREVISION\tUPDATED                                \tSTATUS  \tCHART      \tAPP VERSION\nshop\tshop     \t41      \t2025-03-04 14:20:11.118 +0000 UTC\tdeployed\tshop-1.19.0\t4.12.0"),
            c("helm -n shop upgrade shop acme/shop --version 1.20.0 -f values/prod.yaml --atomic --timeout 5m", "Release \"shop\" has been upgraded. Happy Helming!\nNAME: shop\nLAST DEPLOYED: Thu Mar 13 11:20:41 2025\nNAMESPACE: shop\nSTATUS: deployed\nREVISION: 42", run=48),
            c("kubectl -n shop rollout status deploy/shop-web", "deployment \"shop-web\" successfully rolled out"),
        ]),

    ssh("terraform-plan-review", "frank.nguyen@ops-util-02", style="debian",
        desc="Runs terraform plan for a small change and reviews it without applying",
        steps=[
            c("cd ~/infra/terraform/prod/network && git status -s", " M security_groups.tf"),
            c("terraform plan -out=plan.bin -no-color | tail -12", """
                  # aws_security_group_rule.grafana_ingress will be created
                  + resource "aws_security_group_rule" "grafana_ingress" {
                      + cidr_blocks       = ["10.20.0.0/16"]
                      + from_port         = 3000
                      + protocol          = "tcp"
                      + to_port           = 3000
                      + type              = "ingress"
                    }

                Plan: 1 to add, 0 to change, 0 to destroy.

                Saved the plan to: plan.bin""", run=22),
        ]),

    ssh("docker-build-push-release", "victor.ruiz:builder@build-01", style="debian",
        desc="Builds and pushes a tagged service image to the internal registry",
        steps=[
            c("cd ~/src/billing && git checkout -q v3.4.1 && git describe", "v3.4.1"),
            c("docker build -t registry.acme-corp.example/billing/api:3.4.1 .", "[+] Building 84.2s (14/14) FINISHED\n => [internal] load build definition from Dockerfile\n => [builder 4/6] RUN go build -trimpath -ldflags \"-s -w\" -o /out/api ./cmd/api\n => exporting to image\n => => naming to registry.acme-corp.example/billing/api:3.4.1", run=84),
            c("docker push registry.acme-corp.example/billing/api:3.4.1", "The push refers to repository [registry.acme-corp.example/billing/api]\n5f70bf18a086: Pushed\n3.4.1: digest: sha256:" + hexs("billing341", 64) + " size: 739", run=7),
        ]),

    ssh("git-feature-branch", "uma.iyer@dev-vm-09", style="debian",
        desc="Developer creates a branch, edits a module in vim, commits and pushes for review",
        steps=[
            c("cd ~/src/notify"),
            c("git checkout -b fix/retry-backoff", "Switched to a new branch 'fix/retry-backoff'"),
            vim("vim notify/retry.py", """
                import random
                import time


                def backoff(attempt, base=0.5, cap=30.0):
                    return min(cap, base * 2 ** attempt)
                """, edits=[(6, "    return min(cap, base * 2 ** attempt) * (0.5 + random.random() / 2)")]),
            c("git diff --stat", " notify/retry.py | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"),
            c("python -m pytest -q tests/test_retry.py", "....                                                                     [100%]\n4 passed in 0.08s"),
            c("git commit -am 'Add jitter to retry backoff'", "[fix/retry-backoff " + hexs("jit", 7) + "] Add jitter to retry backoff\n 1 file changed, 1 insertion(+), 1 deletion(-)"),
            c("git push -u origin fix/retry-backoff", "remote: \nremote: Create a pull request for 'fix/retry-backoff' on GitHub by visiting:\nremote:      https://github.com/acme-corp/notify/pull/new/fix/retry-backoff\nremote: \nTo github.com:acme-corp/notify.git\n * [new branch]      fix/retry-backoff -> fix/retry-backoff\nbranch 'fix/retry-backoff' set up to track 'origin/fix/retry-backoff'."),
        ]),

    ssh("git-rebase-conflict", "hiro.tanaka@dev-vm-03", style="debian",
        desc="Rebases a branch on main, resolves a conflict in vim and continues",
        steps=[
            c("cd ~/src/billing && git fetch -q && git rebase origin/main", "Auto-merging internal/invoice/pdf.go\nCONFLICT (content): Merge conflict in internal/invoice/pdf.go\nerror: could not apply 9c1e2f4... Use A4 page size by default\nhint: Resolve all conflicts manually, mark them as resolved with\nhint: \"git add/rm <conflicted_files>\", then run \"git rebase --continue\"."),
            vim("vim internal/invoice/pdf.go", """
                func newDocument() *gofpdf.Fpdf {
                <<<<<<< HEAD
                	pdf := gofpdf.New("P", "mm", "Letter", "")
                =======
                	pdf := gofpdf.New("P", "mm", "A4", "")
                >>>>>>> 9c1e2f4 (Use A4 page size by default)
                	pdf.SetMargins(15, 15, 15)
                """, edits=[(2, "\tpdf := gofpdf.New(\"P\", \"mm\", pageSize(), \"\")")]),
            c("go build ./... && git add internal/invoice/pdf.go"),
            c("GIT_EDITOR=true git rebase --continue", "[detached HEAD " + hexs("reb", 7) + "] Use A4 page size by default\n 1 file changed, 1 insertion(+), 1 deletion(-)\nSuccessfully rebased and updated refs/heads/feature/a4-invoices."),
        ]),

    ssh("git-log-search", "carol.diaz@dev-vm-07", style="debian",
        desc="Searches git history for when a config key was introduced",
        steps=[
            c("cd ~/src/app"),
            c("git log -S 'SESSION_COOKIE_SAMESITE' --oneline", "e71b2a0 Harden session cookies\n1c9f0d3 Initial settings split"),
            c("git show e71b2a0 --stat", "commit e71b2a0" + hexs("e71", 33) + "\nAuthor: Carol Diaz <carol.diaz@acme-corp.example>\nDate:   Tue Jan 14 16:20:11 2025 +0100\n\n    Harden session cookies\n\n app/settings/prod.py | 3 +++\n 1 file changed, 3 insertions(+)"),
            c("git blame -L 40,44 app/settings/prod.py", "e71b2a0 (Carol Diaz 2025-01-14 16:20:11 +0100 40) SESSION_COOKIE_SECURE = True\ne71b2a0 (Carol Diaz 2025-01-14 16:20:11 +0100 41) SESSION_COOKIE_HTTPONLY = True\ne71b2a0 (Carol Diaz 2025-01-14 16:20:11 +0100 42) SESSION_COOKIE_SAMESITE = \"Lax\""),
        ]),

    ssh("git-stash-pull", "grace.kim@dev-vm-11", style="debian",
        desc="Stashes local changes, pulls main and re-applies the stash",
        steps=[
            c("cd ~/src/infra-docs && git status -s", " M runbooks/postgres-failover.md"),
            c(typo("git stash", 4, "tsa"), "Saved working directory and index state WIP on main: 3d1f0e2 Add redis runbook"),
            c("git pull", "Updating 3d1f0e2..8a2c9b1\nFast-forward\n runbooks/kafka.md | 41 +++++++++++++++++++++++++++++++++++++++++\n 1 file changed, 41 insertions(+)"),
            c("git stash pop", "On branch main\nChanges not staged for commit:\n\tmodified:   runbooks/postgres-failover.md\n\nDropped refs/stash@{0} (" + hexs("stash", 40) + ")"),
        ]),

    ssh("pr-checkout-run-tests", "omar.haddad@dev-vm-05", style="debian",
        desc="Checks out a colleague's pull request branch and runs the tests and linter",
        steps=[
            c("cd ~/src/search && gh pr checkout 418", "From github.com:acme-corp/search\n * [new ref]         refs/pull/418/head -> fix/typo-tolerance\nSwitched to branch 'fix/typo-tolerance'"),
            c("make lint test", "ruff check .\nAll checks passed!\npytest -q\n..................................................                      [100%]\n50 passed in 4.71s", run=8),
            c("git checkout main", "Switched to branch 'main'\nYour branch is up to date with 'origin/main'."),
        ]),

    ssh("pg-dump-to-backup-dir", "li.wei:ubuntu@pg-shop-01", style="debian",
        desc="Takes a custom-format pg_dump into the backup directory before a migration and checks it",
        steps=[
            c("df -h /var/backups", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    500G  211G  290G  43% /var/backups"),
            p("sudo -u postgres pg_dump -Fc -f /var/backups/postgres/shop-$(date +%F)-pre-migration.dump shop", run=94),
            c("ls -lh /var/backups/postgres/ | tail -3", "-rw-r--r-- 1 postgres postgres 4.1G Mar 12 02:00 shop-2025-03-12.dump\n-rw-r--r-- 1 postgres postgres 4.1G Mar 13 02:00 shop-2025-03-13.dump\n-rw-r--r-- 1 postgres postgres 4.1G Mar 13 11:31 shop-2025-03-13-pre-migration.dump"),
            c("sudo -u postgres pg_restore --list /var/backups/postgres/shop-2025-03-13-pre-migration.dump | head -5", ";\n; Archive created at 2025-03-13 11:29:37 UTC\n;     dbname: shop\n;     TOC Entries: 412\n;     Compression: gzip"),
        ]),

    ssh("mysqldump-backup-checksum", "wendy.zhao:root@mysql-shop-02", style="plain",
        desc="Nightly-style manual mysqldump with --single-transaction to the backup volume, gzip and checksum",
        steps=[
            c("cd /backup/mysql"),
            p("mysqldump --single-transaction --routines --triggers --databases shop | gzip > shop-$(date +%F).sql.gz", run=120),
            c("sha256sum shop-2025-03-14.sql.gz | tee shop-2025-03-14.sql.gz.sha256", hexs("shopdump", 64) + "  shop-2025-03-14.sql.gz"),
            c("ls -lh | tail -3", "-rw-r--r-- 1 root root 1.9G Mar 13 01:30 shop-2025-03-13.sql.gz\n-rw-r--r-- 1 root root 1.9G Mar 14 10:44 shop-2025-03-14.sql.gz\n-rw-r--r-- 1 root root   89 Mar 14 10:44 shop-2025-03-14.sql.gz.sha256"),
        ]),

    ssh("restic-snapshots-check", "erin.walsh:root@backup-02", style="plain",
        desc="Lists restic snapshots and runs a repository check",
        steps=[
            c("export RESTIC_REPOSITORY=/srv/restic RESTIC_PASSWORD_FILE=/etc/restic.pass"),
            c("restic snapshots --latest 3", "ID        Time                 Host        Tags        Paths\n---------------------------------------------------------------------\n4f1c2a7e  2025-03-12 02:00:14  web-01                  /etc /srv/app\n9b3e2c1d  2025-03-13 02:00:11  web-01                  /etc /srv/app\n1d0f6a4b  2025-03-14 02:00:09  web-01                  /etc /srv/app\n---------------------------------------------------------------------\n3 snapshots"),
            c("restic check --read-data-subset=5%", "using temporary cache in /tmp/restic-check-cache-1420312\ncreate exclusive lock for repository\nload indexes\ncheck all packs\ncheck snapshots, trees and blobs\nread 5.0% of data packs\n[0:41] 100.00%  58 / 58 packs\nno errors were found", run=41),
        ]),

    ssh("borg-backup-list", "ivan.petrov:root@fileshare-01", style="plain",
        desc="Lists the borg archives on the backup server and checks the latest one",
        steps=[
            c("borg list ssh://borg@backup-01.internal/./fileshare | tail -3", "fileshare-2025-03-12T01:00:03       Wed, 2025-03-12 01:00:04 [" + hexs("b1", 64) + "]\nfileshare-2025-03-13T01:00:02       Thu, 2025-03-13 01:00:03 [" + hexs("b2", 64) + "]\nfileshare-2025-03-14T01:00:03       Fri, 2025-03-14 01:00:04 [" + hexs("b3", 64) + "]"),
            c("borg check --last 1 ssh://borg@backup-01.internal/./fileshare", run=65),
            c("echo $?", "0"),
        ]),

    ssh("certbot-renew", "bob.martin:ubuntu@web-03", style="debian",
        desc="Lists certificates, does a certbot renewal dry run and renews the one about to expire",
        steps=[
            c("sudo certbot certificates", """
                Saving debug log to /var/log/letsencrypt/letsencrypt.log

                - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
                Found the following certs:
                  Certificate Name: shop.acme-corp.example
                    Serial Number: 4a1f""" + hexs("serial", 32) + """
                    Key Type: ECDSA
                    Domains: shop.acme-corp.example www.shop.acme-corp.example
                    Expiry Date: 2025-03-21 09:12:44+00:00 (VALID: 7 days)
                    Certificate Path: /etc/letsencrypt/live/shop.acme-corp.example/fullchain.pem
                    Private Key Path: /etc/letsencrypt/live/shop.acme-corp.example/privkey.pem
                - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -"""),
            c("sudo certbot renew --dry-run", "Saving debug log to /var/log/letsencrypt/letsencrypt.log\nProcessing /etc/letsencrypt/renewal/shop.acme-corp.example.conf\nSimulating renewal of an existing certificate for shop.acme-corp.example and www.shop.acme-corp.example\nCongratulations, all simulated renewals succeeded:\n  /etc/letsencrypt/live/shop.acme-corp.example/fullchain.pem (success)", run=9),
            c("sudo certbot renew", "Renewing an existing certificate for shop.acme-corp.example and www.shop.acme-corp.example\nCongratulations, all renewals succeeded:\n  /etc/letsencrypt/live/shop.acme-corp.example/fullchain.pem (success)", run=11),
            c("sudo systemctl reload nginx"),
        ]),

    ssh("csr-generate-internal-cert", "grace.kim:ubuntu@ldap-01", style="debian",
        desc="Generates a new key and CSR for the LDAP server's certificate renewal with the internal CA",
        steps=[
            c("cd /etc/ssl/private"),
            p("sudo openssl req -new -newkey rsa:3072 -nodes -keyout ldap-01-2025.key -out /tmp/ldap-01-2025.csr -subj '/CN=ldap-01.internal.acme-corp.example' -addext 'subjectAltName=DNS:ldap-01.internal.acme-corp.example,DNS:ldap.internal.acme-corp.example'", "..+......+.+..+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++*.....+..\n-----"),
            c("openssl req -in /tmp/ldap-01-2025.csr -noout -subject", "subject=CN = ldap-01.internal.acme-corp.example"),
            c("sudo chmod 600 ldap-01-2025.key && ls -l ldap-01-2025.key", "-rw------- 1 root root 2484 Mar 14 14:02 ldap-01-2025.key"),
        ]),

    ssh("cert-expiry-sweep", "uma.iyer@ops-util-01", style="debian",
        desc="Checks certificate expiry dates of the public endpoints with openssl s_client",
        steps=[
            p("for h in shop api status docs; do echo -n \"$h: \"; echo | openssl s_client -connect $h.acme-corp.example:443 -servername $h.acme-corp.example 2>/dev/null | openssl x509 -noout -enddate; done",
              "shop: notAfter=Jun 12 09:12:43 2025 GMT\napi: notAfter=May  2 10:01:17 2025 GMT\nstatus: notAfter=Apr  3 08:44:09 2025 GMT\ndocs: notAfter=Jun  1 12:20:51 2025 GMT", run=3),
        ]),
]
