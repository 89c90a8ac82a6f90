"""Benign Kubernetes sessions: kubectl from a bastion, API request sessions, interactive exec shells."""

from dsl import B, c, kapi, kexec, kpod, kreq, p, ssh, vim, wait, typo
from snips import hexs

NS_SHOP = "/api/v1/namespaces/shop"

SCENARIOS = [
    ssh("kubectl-crashloop-triage", "sam.okafor@bastion-01", style="debian",
        desc="Triages a CrashLoopBackOff: get pods, describe, previous container logs, then fixes the config map value",
        steps=[
            c("kubectl -n notify get pods", "NAME                      READY   STATUS             RESTARTS      AGE\nnotify-6f8d9c7b5-2kq9x    0/1     CrashLoopBackOff   6 (41s ago)   8m12s\nnotify-6f8d9c7b5-x8w2m    1/1     Running            0             3d"),
            c("kubectl -n notify describe pod notify-6f8d9c7b5-2kq9x | grep -A3 'Last State'", "    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n      Started:      Thu, 20 Mar 2025 10:12:01 +0000"),
            c("kubectl -n notify logs notify-6f8d9c7b5-2kq9x --previous | tail -3", "2025-03-20T10:12:02Z INFO  loading config from /etc/notify/config.yaml\n2025-03-20T10:12:02Z ERROR invalid value for smtp.port: \"587 \" is not an integer\n2025-03-20T10:12:02Z FATAL startup failed"),
            c("kubectl -n notify get cm notify-config -o yaml | grep port", "      port: \"587 \""),
            c("kubectl -n notify patch cm notify-config --type merge -p '{\"data\":{\"config.yaml\":\"smtp:\\n  host: smtp-relay.internal\\n  port: 587\\n\"}}'", "configmap/notify-config patched"),
            c("kubectl -n notify rollout restart deploy/notify && kubectl -n notify rollout status deploy/notify", "deployment.apps/notify restarted\nWaiting for deployment \"notify\" rollout to finish: 1 old replicas are pending termination...\ndeployment \"notify\" successfully rolled out", run=35),
        ]),

    ssh("kubectl-scale-and-top", "alice.chen@bastion-01", style="debian",
        desc="Checks node and pod resource usage and scales the web deployment up ahead of a sale",
        steps=[
            c(typo("kubectl top nodes", 9, "p"), "NAME        CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%\nk8s-w-01    1812m        45%    11204Mi         71%\nk8s-w-02    1640m        41%    10412Mi         66%\nk8s-w-03    990m         24%    7120Mi          45%"),
            c("kubectl -n shop top pods -l app=shop-web", "NAME                        CPU(cores)   MEMORY(bytes)\nshop-web-6c9d7f5b8-q4wzt    412m         612Mi\nshop-web-6c9d7f5b8-t7p2d    398m         598Mi"),
            c("kubectl -n shop scale deploy/shop-web --replicas=4", "deployment.apps/shop-web scaled"),
            c("kubectl -n shop get deploy shop-web", "NAME       READY   UP-TO-DATE   AVAILABLE   AGE\nshop-web   4/4     4            4           301d"),
        ]),

    ssh("kubectl-drain-node", "frank.nguyen@bastion-01", style="debian",
        desc="Cordons and drains a worker node for kernel patching",
        steps=[
            c("kubectl cordon k8s-w-03", "node/k8s-w-03 cordoned"),
            c("kubectl drain k8s-w-03 --ignore-daemonsets --delete-emptydir-data --timeout=5m", "node/k8s-w-03 already cordoned\nWarning: ignoring DaemonSet-managed Pods: kube-system/kube-proxy-9x2kd, monitoring/node-exporter-4p7qz\nevicting pod shop/shop-web-6c9d7f5b8-t7p2d\nevicting pod notify/notify-6f8d9c7b5-x8w2m\npod/notify-6f8d9c7b5-x8w2m evicted\npod/shop-web-6c9d7f5b8-t7p2d evicted\nnode/k8s-w-03 drained", run=48),
            c("kubectl get nodes", "NAME        STATUS                     ROLES           AGE    VERSION\nk8s-cp-01   Ready                      control-plane   402d   v1.29.6\nk8s-w-01    Ready                      <none>          402d   v1.29.6\nk8s-w-02    Ready                      <none>          398d   v1.29.6\nk8s-w-03    Ready,SchedulingDisabled   <none>          120d   v1.29.6"),
        ]),

    ssh("kubectl-port-forward-grafana", "priya.raman@bastion-01", style="debian",
        desc="Port-forwards Grafana locally to look at a dashboard and stops it",
        steps=[
            c("kubectl -n monitoring port-forward svc/grafana 3000:80", "Forwarding from 127.0.0.1:3000 -> 3000\nForwarding from [::1]:3000 -> 3000\nHandling connection for 3000\nHandling connection for 3000", ctrl_c=True, run=120),
        ]),

    ssh("kubectl-diff-apply", "nina.kowalski@bastion-01", style="debian",
        desc="Diffs manifest changes against the cluster and applies them",
        steps=[
            c("cd ~/k8s/shop && git pull -q"),
            c("kubectl diff -f deploy-web.yaml", "diff -u -N /tmp/LIVE-1204/apps.v1.Deployment.shop.shop-web /tmp/MERGED-1204/apps.v1.Deployment.shop.shop-web\n--- /tmp/LIVE-1204/apps.v1.Deployment.shop.shop-web\n+++ /tmp/MERGED-1204/apps.v1.Deployment.shop.shop-web\n@@ -142,7 +142,7 @@\n           requests:\n-            memory: 512Mi\n+            memory: 768Mi"),
            c("kubectl apply -f deploy-web.yaml", "deployment.apps/shop-web configured"),
        ]),

    ssh("kubectl-events-contexts", "kevin.obrien@bastion-01", style="debian",
        desc="Switches to the staging context and reads recent warning events",
        steps=[
            c("kubectl config get-contexts", "CURRENT   NAME          CLUSTER       AUTHINFO      NAMESPACE\n*         prod-eu-1     prod-eu-1     kevin.obrien  \n          staging-eu-1  staging-eu-1  kevin.obrien  "),
            c("kubectl config use-context staging-eu-1", "Switched to context \"staging-eu-1\"."),
            c("kubectl get events -A --field-selector type=Warning --sort-by=.lastTimestamp | tail -3", "shop        4m12s   Warning   BackOff            pod/shop-worker-7d9c5b6f4-2mvnb   Back-off pulling image \"registry.acme-corp.example/shop/worker:4.14.0-rc1\"\nshop        3m58s   Warning   Failed             pod/shop-worker-7d9c5b6f4-2mvnb   Error: ImagePullBackOff\nmonitoring  1m02s   Warning   FailedScheduling   pod/loki-0                        0/3 nodes are available: 3 Insufficient memory."),
        ]),

    kapi("kube-list-pods-logs", "sam.okafor@prod-eu-1",
         desc="Lists pods in the shop namespace and reads the logs of one of them",
         steps=[
             kreq("list", NS_SHOP + "/pods"),
             kreq("get", NS_SHOP + "/pods/shop-web-6c9d7f5b8-q4wzt"),
             kreq("get", NS_SHOP + "/pods/shop-web-6c9d7f5b8-q4wzt/log"),
         ]),

    kapi("kube-rollout-restart", "maria.lopez@prod-eu-1",
         desc="Restarts a deployment with kubectl rollout restart and watches the rollout",
         steps=[
             kreq("get", "/apis/apps/v1/namespaces/shop/deployments/shop-web"),
             kreq("patch", "/apis/apps/v1/namespaces/shop/deployments/shop-web"),
             kreq("get", "/apis/apps/v1/namespaces/shop/deployments/shop-web"),
             kreq("list", "/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dshop-web"),
             kreq("get", "/apis/apps/v1/namespaces/shop/deployments/shop-web"),
         ]),

    kapi("kube-scale-deployment", "alice.chen@prod-eu-1",
         desc="Scales a worker deployment down after a batch finished",
         steps=[
             kreq("get", "/apis/apps/v1/namespaces/batch/deployments/report-worker/scale"),
             kreq("patch", "/apis/apps/v1/namespaces/batch/deployments/report-worker/scale"),
             kreq("list", "/api/v1/namespaces/batch/pods?labelSelector=app%3Dreport-worker"),
         ]),

    kapi("kube-exec-nginx-reload", "tom.becker@prod-eu-1",
         desc="Tests and reloads nginx inside the ingress pod after a config map change",
         default_pod="ingress/ingress-nginx-controller-5c8d7b9f6-k2lqf/controller",
         images={"controller": "registry.k8s.io/ingress-nginx/controller:v1.11.3"},
         steps=[
             kreq("get", "/api/v1/namespaces/ingress/configmaps/ingress-nginx-controller"),
             kexec("nginx -t"),
             kexec("nginx -s reload"),
         ]),

    kapi("kube-list-secret-names-configmap", "hiro.tanaka@prod-eu-1",
         risk="LOW-MEDIUM",
         desc="Lists secret names (no values) and reads a config map while checking which secret a deployment mounts",
         steps=[
             kreq("list", NS_SHOP + "/secrets"),
             kreq("get", NS_SHOP + "/configmaps/shop-config"),
             kreq("get", "/apis/apps/v1/namespaces/shop/deployments/shop-worker"),
         ]),

    kapi("kube-manual-job-from-cronjob", "li.wei@prod-eu-1",
         desc="Creates a one-off Job from the database backup CronJob and follows it",
         steps=[
             kreq("get", "/apis/batch/v1/namespaces/db/cronjobs/pg-backup"),
             kreq("create", "/apis/batch/v1/namespaces/db/jobs", 201),
             kreq("list", "/api/v1/namespaces/db/pods?labelSelector=job-name%3Dpg-backup-manual-0320"),
             kreq("get", "/api/v1/namespaces/db/pods/pg-backup-manual-0320-4xk2p/log"),
         ]),

    kapi("kube-delete-failed-pod", "priya.raman@prod-eu-1",
         desc="Deletes an evicted pod left behind after a node pressure event",
         steps=[
             kreq("list", "/api/v1/namespaces/shop/pods?fieldSelector=status.phase%3DFailed"),
             kreq("delete", NS_SHOP + "/pods/shop-worker-7d9c5b6f4-zz8qm"),
         ]),

    kapi("kube-cordon-drain-api", "frank.nguyen@prod-eu-1",
         desc="Cordons a node and evicts its pods through the eviction API (kubectl drain)",
         steps=[
             kreq("patch", "/api/v1/nodes/k8s-w-02"),
             kreq("list", "/api/v1/pods?fieldSelector=spec.nodeName%3Dk8s-w-02"),
             kreq("create", "/api/v1/namespaces/shop/pods/shop-web-6c9d7f5b8-q4wzt/eviction", 201),
             kreq("create", "/api/v1/namespaces/notify/pods/notify-6f8d9c7b5-x8w2m/eviction", 201),
             kreq("get", "/api/v1/namespaces/shop/pods/shop-web-6c9d7f5b8-q4wzt", 404),
         ]),

    kapi("kube-helm-status", "dev.patel@prod-eu-1",
         risk="LOW-MEDIUM",
         desc="helm status and history, which read the Helm release secrets in the namespace",
         steps=[
             kreq("list", NS_SHOP + "/secrets?labelSelector=name%3Dshop%2Cowner%3Dhelm"),
             kreq("get", NS_SHOP + "/secrets/sh.helm.release.v1.shop.v42"),
             kreq("list", NS_SHOP + "/secrets?labelSelector=name%3Dshop%2Cowner%3Dhelm%2Cstatus%3Ddeployed"),
         ]),

    kapi("kube-debug-ephemeral-container", "carol.diaz@prod-eu-1",
         risk="LOW-MEDIUM",
         desc="Adds a busybox ephemeral debug container to a distroless pod to check DNS from inside it",
         default_pod="payments/payments-api-7d9f8b6c4-x2k9p/debugger-7kq2p",
         images={"debugger-7kq2p": "docker.io/library/busybox:1.36"},
         steps=[
             kreq("get", "/api/v1/namespaces/payments/pods/payments-api-7d9f8b6c4-x2k9p"),
             kreq("patch", "/api/v1/namespaces/payments/pods/payments-api-7d9f8b6c4-x2k9p/ephemeralcontainers"),
             kexec("nslookup pg-payments-01.internal.acme-corp.example"),
             kexec("wget -qO- -T 3 http://127.0.0.1:8080/healthz"),
         ]),

    kapi("kube-exec-pg-isready", "li.wei@prod-eu-1",
         desc="Checks a Postgres pod's readiness and replication role with one-off exec commands",
         default_pod="db/postgres-1/postgres", images={"postgres": "docker.io/library/postgres:16.4"},
         steps=[
             kexec("pg_isready -U postgres"),
             kexec("psql -U postgres -Atc 'select pg_is_in_recovery()'"),
         ]),

    kpod("kpod-app-config-health", "sam.okafor@prod-eu-1", "shop/shop-web-6c9d7f5b8-q4wzt/web",
         style="ash", login="app", image="registry.acme-corp.example/shop/web:4.12.0", home="/home/app", cwd="/app",
         desc="Developer opens a shell in the web pod, checks the config file, log level and local health endpoint",
         steps=[
             c("ls", "config  manage.py  shop  static"),
             c("cat config/logging.yaml | head -5", "version: 1\nroot:\n  level: INFO\n  handlers: [console]\nloggers:"),
             c("env | grep -i log_level", "LOG_LEVEL=info"),
             c("wget -qO- localhost:8000/healthz", '{"status":"ok","db":"ok","cache":"ok"}', noout_newline=True),
         ]),

    kpod("kpod-redis-cli-info", "frank.nguyen@prod-eu-1", "shop/redis-master-0/redis",
         style="ash", login="root", image="docker.io/bitnami/redis:7.2.5",
         desc="Checks Redis memory and keyspace from inside the Redis pod",
         steps=[
             c("redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning info memory | head -3", "# Memory\nused_memory:1211204112\nused_memory_human:1.13G"),
             c("redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning info keyspace", "# Keyspace\ndb0:keys=412011,expires=401220,avg_ttl=1811204"),
         ]),

    kpod("kpod-django-migrate", "maria.lopez@prod-eu-1", "shop/shop-web-6c9d7f5b8-q4wzt/web",
         style="ash", login="app", image="registry.acme-corp.example/shop/web:4.13.0", home="/home/app", cwd="/app",
         risk="LOW-MEDIUM",
         desc="Runs pending Django migrations from inside a web pod during a release, after checking the plan",
         steps=[
             c("python manage.py showmigrations orders | tail -2", " [X] 0042_order_shipping_method\n [ ] 0043_backfill_shipping_method"),
             c("python manage.py migrate orders", "Operations to perform:\n  Apply all migrations: orders\nRunning migrations:\n  Applying orders.0043_backfill_shipping_method... OK", run=14),
         ]),

    kpod("kpod-dns-curl-debug", "carol.diaz@staging-eu-1", "payments/netshoot-debug/netshoot",
         style="plain", login="root", image="docker.io/nicolaka/netshoot:v0.13",
         desc="Uses a netshoot debug pod to test DNS and HTTP reachability of a service",
         steps=[
             c("dig +short payments-api.payments.svc.cluster.local", "10.96.41.12"),
             c("curl -s -o /dev/null -w '%{http_code}\\n' http://payments-api.payments.svc.cluster.local:8080/healthz", "200"),
             c("curl -s -m 3 http://pg-payments-01.internal:5432; echo $?", "52"),
         ]),

    kpod("kpod-nginx-config-check", "tom.becker@prod-eu-1", "ingress/ingress-nginx-controller-5c8d7b9f6-k2lqf/controller",
         style="ash", login="www-data", image="registry.k8s.io/ingress-nginx/controller:v1.11.3", home="/home/www-data", cwd="/etc/nginx",
         desc="Inspects the rendered nginx config in the ingress controller for a server block",
         steps=[
             c("grep -n 'server_name shop' nginx.conf", "812:\t\tserver_name shop.acme-corp.example ;"),
             c("sed -n '812,830p' nginx.conf | grep -E 'proxy_read_timeout|client_max_body_size'", "\t\t\tclient_max_body_size                    25m;\n\t\t\tproxy_read_timeout                      60s;"),
         ]),
]
