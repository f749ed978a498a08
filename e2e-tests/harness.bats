#!/usr/bin/env bats
# The cluster suite's own helpers, run wherever python3, openssl and curl are (CI included), so
# that a harness defect shows without a control plane: the other mutating webhook answers the
# URL the API server really calls, query and all.

load kubewarden

setup_file() {
  local d=$BATS_FILE_TMPDIR
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
  PORT=$(free_port)
  python3 "$ROOT/e2e-tests/other-webhook.py" "$PORT" "$d/cert.pem" "$d/key.pem" > "$d/webhook.log" 2>&1 &
  echo $! > "$d/webhook.pid"
  echo "$PORT" > "$d/port"
  local i
  for ((i = 0; i < 100; i++)); do
    curl -s --cacert "$d/cert.pem" -o /dev/null "https://127.0.0.1:$PORT/" && return 0
    sleep 0.1
  done
  cat "$d/webhook.log"
  return 1
}

teardown_file() {
  kill "$(cat "$BATS_FILE_TMPDIR/webhook.pid")" 2>/dev/null || true
}

# POSTs an AdmissionReview to PATH and prints the replicas its JSON patch sets.
replicas_set_at() {
  local review='{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","object":{"spec":{}}}}'
  curl -sS --fail --cacert "$BATS_FILE_TMPDIR/cert.pem" -H 'Content-Type: application/json' \
    --data "$review" "https://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")$1" |
    jq -r '[.response.uid, .response.allowed, (.response.patch | @base64d | fromjson | .[0].value)] | join(" ")'
}

@test "the other webhook reads its count from the path the API server calls, query included" {
  [ "$(replicas_set_at '/replicas/12?timeout=10s')" = "u-1 true 12" ]
}

@test "the other webhook answers a plain path too" {
  [ "$(replicas_set_at /replicas/3)" = "u-1 true 3" ]
}
