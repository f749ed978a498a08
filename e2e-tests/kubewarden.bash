# Shared by the bats suites that drive the real Kubewarden tools. Tools are found through
# KWCTL / POLICY_SERVER or PATH; SIGSTORE_TRUST_CONFIG, when set, is passed to every command
# that would otherwise fetch sigstore's trust root (needed offline).

# envtest's convention for the control-plane binaries (kube-apiserver, etcd, kubectl).
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  PATH="$KUBEBUILDER_ASSETS:$PATH"
fi

KWCTL=${KWCTL:-kwctl}
POLICY_SERVER=${POLICY_SERVER:-policy-server}
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
MODULE=${MODULE:-$ROOT/annotated-policy.wasm}
POLICY_RUN=${POLICY_RUN:-$ROOT/target/debug/policy-run}
CONTROLLER_STAND_IN=${CONTROLLER_STAND_IN:-$ROOT/target/debug/kubewarden-controller-stand-in}
GET_KWCTL="install kwctl from https://github.com/kubewarden/adm-controller/releases (or set KWCTL)"

trust_flags() {
  if [ -n "${SIGSTORE_TRUST_CONFIG:-}" ]; then
    echo --sigstore-trust-config "$SIGSTORE_TRUST_CONFIG"
  fi
}

# A missing tool skips the test with one line saying what is missing and how to get it, in CI
# too: the real tools cannot be installed there, and the wasmtime differential test is its oracle.
require_tools() {
  local tool
  for tool in "$@"; do
    case $tool in
      kwctl) command -v "$KWCTL" >/dev/null || skip "kwctl not found: $GET_KWCTL" || return ;;
      policy-server) command -v "$POLICY_SERVER" >/dev/null ||
        skip "policy-server not found: get it from the same releases (or set POLICY_SERVER)" || return ;;
      *) command -v "$tool" >/dev/null || skip "$tool not found: apt-get install $tool" || return ;;
    esac
  done
  [ -f "$MODULE" ] || skip "$MODULE not built: run make annotated-policy.wasm"
}

# kwctl run with the offline trust root; the answer (stdout) only, logs go to stderr.
kwctl_run() {
  # No backtraces in the messages it relays (they depend on the caller's environment).
  # shellcheck disable=SC2046
  RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 "$KWCTL" run $(trust_flags) "$@"
}

# A copy of a manifest from policies/ whose module is the local annotated module.
local_manifest() {
  sed "s#^  module: .*#  module: file://$MODULE#" "$ROOT/policies/$1" > "$BATS_FILE_TMPDIR/$1"
  echo "$BATS_FILE_TMPDIR/$1"
}

# A free TCP port on 127.0.0.1, above 1024.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until a URL answers, or fails after $2 seconds (default 60) or once process $3 is gone.
wait_for_url() {
  local url=$1 seconds=${2:-60} pid=${3:-} i
  for ((i = 0; i < seconds * 10; i++)); do
    curl -sf "$url" >/dev/null 2>&1 && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "the process serving $url exited" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$url did not answer within $seconds s" >&2
  return 1
}

# Starts Debian's docker-registry on a free loopback port; sets REGISTRY (host:port) and
# SOURCES (a kwctl/policy-server --sources-path file declaring it insecure, as it speaks http).
start_registry() {
  local dir=$BATS_FILE_TMPDIR/registry port
  port=$(free_port)
  mkdir -p "$dir/storage"
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir/storage" "$port" > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
  local pid=$!
  echo $pid > "$BATS_FILE_TMPDIR/registry.pid"
  REGISTRY=127.0.0.1:$port
  SOURCES=$BATS_FILE_TMPDIR/sources.yml
  printf 'insecure_sources: ["%s"]\n' "$REGISTRY" > "$SOURCES"
  wait_for_url "http://$REGISTRY/v2/" 20 $pid
}

# Starts policy-server with a policies file; sets SERVER (base URL). Its log is $1.log.
start_policy_server() {
  local policies=$1 port probe
  port=$(free_port)
  probe=$(free_port)
  # shellcheck disable=SC2046
  RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 "$POLICY_SERVER" --addr 127.0.0.1 --port "$port" --readiness-probe-port "$probe" \
    --policies "$policies" --policies-download-dir "$BATS_FILE_TMPDIR/downloads" \
    --sources-path "$SOURCES" $(trust_flags) --ignore-kubernetes-connection-failure \
    ${VERIFICATION_PATH:+--verification-path "$VERIFICATION_PATH"} \
    --workers 2 --log-fmt json > "$policies.log" 2>&1 &
  local pid=$!
  echo $pid >> "$BATS_FILE_TMPDIR/policy-server.pids"
  SERVER=http://127.0.0.1:$port
  wait_for_url "http://127.0.0.1:$probe/readiness" 60 $pid || { grep -v '^ ' "$policies.log" | tail -5 >&2; return 1; }
}

# Starts policy-server with a policies file that must make it refuse to start: succeeds, printing
# what policy-server printed, when it exits with an error within 2 minutes.
policy_server_start_failure() {
  local status=0
  # shellcheck disable=SC2046
  timeout 120 "$POLICY_SERVER" --addr 127.0.0.1 --port "$(free_port)" \
    --readiness-probe-port "$(free_port)" --policies "$1" \
    --policies-download-dir "$BATS_FILE_TMPDIR/downloads" $(trust_flags) \
    --ignore-kubernetes-connection-failure --workers 1 "${@:2}" 2>&1 || status=$?
  [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
}

# Stops every process this file started, by PID, whatever the outcome.
stop_processes() {
  local pid
  for pid in $(cat "$BATS_FILE_TMPDIR"/*.pid "$BATS_FILE_TMPDIR"/*.pids 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# POSTs a request fixture, wrapped in an AdmissionReview, to policy $1; prints the response.
review() {
  jq -c '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: (.request // .)}' \
    "$ROOT/e2e-tests/fixtures/requests/$2.json" |
    curl -sS -H 'Content-Type: application/json' --data-binary @- "$SERVER/validate/$1" |
    jq -c .response
}
