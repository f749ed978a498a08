# A real control plane on 127.0.0.1 for the cluster suite: etcd, kube-apiserver, and policy-server
# over HTTPS registered as its admission webhook the way the Kubewarden controller would do it.
# Every process is recorded by PID in $CLUSTER/pids and stopped by cluster_down.

KUBE_APISERVER=${KUBE_APISERVER:-kube-apiserver}
ETCD=${ETCD:-etcd}
KUBECTL=${KUBECTL:-kubectl}

# kubectl against the test cluster.
k() { "$KUBECTL" --kubeconfig "$CLUSTER/kubeconfig" "$@"; }

# kubectl as one of the suite's users (alice in group sre, bob in group dev): as_user NAME ARGS...
as_user() { "$KUBECTL" --kubeconfig "$CLUSTER/kubeconfig" --token "$(cat "$CLUSTER/$1.token")" "${@:2}"; }

# The API server's REST interface with the admin token, for what kubectl may lack (old kubectl
# versions have no --subresource): api METHOD PATH [JSON-BODY].
api() {
  curl -sS --cacert "$CLUSTER/ca.crt" -H "Authorization: Bearer $(cat "$CLUSTER/token")" \
    -X "$1" -H 'Content-Type: application/merge-patch+json' ${3:+--data "$3"} "$(cat "$CLUSTER/server")$2"
}

# A CA, one serving certificate for 127.0.0.1 (API server and policy-server), a service-account key.
cluster_certs() {
  local d=$CLUSTER
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=e2e-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/serving.key" -out "$d/serving.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/serving.ext"
  openssl x509 -req -in "$d/serving.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 1 -extfile "$d/serving.ext" -out "$d/serving.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

start_etcd() {
  local client peer
  client=$(free_port)
  peer=$(free_port)
  "$ETCD" --name e2e --data-dir "$CLUSTER/etcd" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "e2e=http://127.0.0.1:$peer" --initial-cluster-state new > "$CLUSTER/etcd.log" 2>&1 &
  echo $! >> "$CLUSTER/pids"
  ETCD_URL=http://127.0.0.1:$client
  wait_for_url "$ETCD_URL/health" 30 $!
}

start_apiserver() {
  local port
  port=$(free_port)
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CLUSTER/token"
  echo "$(cat "$CLUSTER/token"),admin,admin,\"system:masters\"" > "$CLUSTER/tokens.csv"
  # Two people for break glass: alice in the team bound to the role, bob in another.
  local user group
  for user in alice:sre bob:dev; do
    group=${user#*:} user=${user%%:*}
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CLUSTER/$user.token"
    echo "$(cat "$CLUSTER/$user.token"),$user,$user,\"$group\"" >> "$CLUSTER/tokens.csv"
  done
  # The audit log, where break-glass exceptions must show: SampleDB requests at Metadata level.
  cat > "$CLUSTER/audit-policy.yaml" <<'AUDIT'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  resources:
  - group: example.com
    resources: ["sampledbs"]
- level: None
AUDIT
  "$KUBE_APISERVER" --etcd-servers="$ETCD_URL" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$port" --tls-cert-file="$CLUSTER/serving.crt" --tls-private-key-file="$CLUSTER/serving.key" \
    --client-ca-file="$CLUSTER/ca.crt" --token-auth-file="$CLUSTER/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$CLUSTER/sa.pub" --service-account-signing-key-file="$CLUSTER/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none \
    --enable-admission-plugins=NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --audit-policy-file="$CLUSTER/audit-policy.yaml" --audit-log-path="$CLUSTER/audit.log" \
    --feature-gates=ServerSideFieldValidation=true > "$CLUSTER/apiserver.log" 2>&1 &
  local pid=$!
  echo $pid >> "$CLUSTER/pids"
  echo "https://127.0.0.1:$port" > "$CLUSTER/server"
  cat > "$CLUSTER/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$CLUSTER/ca.crt"}
users:
- name: admin
  user: {token: "$(cat "$CLUSTER/token")"}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
YAML
  local i
  for ((i = 0; i < 600; i++)); do
    [ "$(api GET /readyz 2>/dev/null)" = ok ] && return 0
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  echo "kube-apiserver did not become ready:" >&2
  tail -20 "$CLUSTER/apiserver.log" >&2
  return 1
}

# policy-server over HTTPS serving every manifest given (what the controller derives from each:
# see e2e-tests/src/deployment.rs, run by the kubewarden-controller-stand-in binary), with a kubeconfig for the test API server.
start_webhook_server() {
  local port probe manifest
  port=$(free_port)
  probe=$(free_port)
  WEBHOOK_URL=https://127.0.0.1:$port
  for manifest in "$@"; do
    local path=$manifest
    [ -f "$path" ] || path=$ROOT/policies/$manifest
    "$CONTROLLER_STAND_IN" --policy-path "$path" --module "file://$MODULE" \
      --server-url "$WEBHOOK_URL" --ca-bundle "$CLUSTER/ca.crt" --out-dir "$CLUSTER/$(basename "$manifest").d"
  done
  jq -s add "$CLUSTER"/*.d/policies.yml > "$CLUSTER/policies.yml"
  # shellcheck disable=SC2046
  RUST_BACKTRACE=0 KUBECONFIG=$CLUSTER/policy-server.kubeconfig "$POLICY_SERVER" --addr 127.0.0.1 --port "$port" \
    --readiness-probe-port "$probe" --cert-file "$CLUSTER/serving.crt" --key-file "$CLUSTER/serving.key" \
    --policies "$CLUSTER/policies.yml" --policies-download-dir "$CLUSTER/downloads" $(trust_flags) \
    --workers 2 --log-fmt json > "$CLUSTER/policy-server.log" 2>&1 &
  echo $! >> "$CLUSTER/pids"
  wait_for_url "http://127.0.0.1:$probe/readiness" 60 $!
}

# policy-server's identity, as in a Kubewarden install: the ServiceAccount policy-server-default
# in namespace kubewarden, with only the RBAC the README documents (policies/context-aware-rbac.yaml),
# and a kubeconfig holding a token issued for it.
policy_server_identity() {
  k create namespace kubewarden >/dev/null
  k create serviceaccount policy-server-default -n kubewarden >/dev/null
  k apply -f "$ROOT/policies/context-aware-rbac.yaml" >/dev/null
  local token
  token=$(curl -sS --cacert "$CLUSTER/ca.crt" -H "Authorization: Bearer $(cat "$CLUSTER/token")" \
    -H 'Content-Type: application/json' -X POST \
    --data '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}}' \
    "$(cat "$CLUSTER/server")/api/v1/namespaces/kubewarden/serviceaccounts/policy-server-default/token" |
    jq -r .status.token)
  [ -n "$token" ] && [ "$token" != null ] || { echo "no token for policy-server-default" >&2; return 1; }
  sed "s|token: \".*\"|token: \"$token\"|; s|name: admin|name: policy-server|; s|user: admin|user: policy-server|" \
    "$CLUSTER/kubeconfig" > "$CLUSTER/policy-server.kubeconfig"
}

# Registers the webhook the controller makes for policies/$1, replacing any other one.
use_policy() {
  k delete mutatingwebhookconfigurations,validatingwebhookconfigurations -l kubewarden=true \
    --ignore-not-found >/dev/null
  k apply -f "$CLUSTER/$1.d/webhook.json" >/dev/null
}

# Succeeds when the command fails.
refused() { ! "$@"; }

# Retries a command for up to 10 s: the API server picks up webhook configurations asynchronously.
eventually() {
  local i
  for ((i = 0; i < 100; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@"
}

cluster_up() {
  CLUSTER=$BATS_FILE_TMPDIR/cluster
  mkdir -p "$CLUSTER"
  : > "$CLUSTER/pids"
  cluster_certs
  start_etcd
  start_apiserver
  policy_server_identity
  start_webhook_server "$@"
}

cluster_down() {
  local pid
  for pid in $(tac "$CLUSTER/pids" 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $(cat "$CLUSTER/pids" 2>/dev/null); do
    wait "$pid" 2>/dev/null || while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
  rm -rf "$CLUSTER"
}

# Registers the webhooks the controller makes for several manifests at once (the defaults/checks
# pair), replacing every other one.
use_policies() {
  k delete mutatingwebhookconfigurations,validatingwebhookconfigurations -l kubewarden=true \
    --ignore-not-found >/dev/null
  local manifest
  for manifest in "$@"; do
    k apply -f "$CLUSTER/$manifest.d/webhook.json" >/dev/null
  done
}

# Another mutating webhook of the cluster, running after ours (the API server calls mutating
# webhook configurations in name order: zz-... comes last): it sets spec.replicas to $1 on every
# SampleDB, the kind of change another controller's defaulting makes. A Python HTTPS server on
# 127.0.0.1 with the test CA's serving certificate; labelled kubewarden=true so that use_policy
# removes it with ours.
other_mutating_webhook() {
  local replicas=$1 port
  port=$(free_port)
  if ! [ -f "$CLUSTER/other-webhook.port" ]; then
    python3 "$(dirname "${BASH_SOURCE[0]}")/other-webhook.py" "$port" "$CLUSTER/serving.crt" "$CLUSTER/serving.key" \
      > "$CLUSTER/other-webhook.log" 2>&1 &
    echo $! >> "$CLUSTER/pids"
    echo "$port" > "$CLUSTER/other-webhook.port"
  fi
  port=$(cat "$CLUSTER/other-webhook.port")
  k apply -f - >/dev/null <<JSON
{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
 "metadata": {"name": "zz-other-replicas", "labels": {"kubewarden": "true"}},
 "webhooks": [{"name": "replicas.other.example.com",
   "clientConfig": {"url": "https://127.0.0.1:$port/replicas/$replicas", "caBundle": "$(base64 -w0 < "$CLUSTER/ca.crt")"},
   "rules": [{"apiGroups": ["example.com"], "apiVersions": ["v1alpha1"], "resources": ["sampledbs"], "operations": ["CREATE", "UPDATE"]}],
   "failurePolicy": "Fail", "sideEffects": "None", "timeoutSeconds": 10, "reinvocationPolicy": "Never",
   "admissionReviewVersions": ["v1"]}]}
JSON
}
