#!/usr/bin/env bats
# Distribution and serving the real way: kwctl push/pull through a registry on 127.0.0.1, then
# the real policy-server pulling the module from it and answering AdmissionReviews over HTTP in
# protect, monitor and no-mutation setups.

load kubewarden

IMAGE=sampledb-policy:e2e

setup_file() {
  require_tools kwctl policy-server docker-registry curl jq || return
  start_registry
  "$KWCTL" push --sources-path "$SOURCES" "$MODULE" "registry://$REGISTRY/$IMAGE" >/dev/null
  local module="registry://$REGISTRY/$IMAGE"
  cat > "$BATS_FILE_TMPDIR/policies.yml" <<YAML
sampledb:
  module: $module
  policyMode: protect
  allowedToMutate: true
  settings: {}
sampledb-monitor:
  module: $module
  policyMode: monitor
  allowedToMutate: true
  settings: {}
sampledb-no-mutation:
  module: $module
  policyMode: protect
  allowedToMutate: false
  settings: {}
sampledb-cluster-deny:
  module: $module
  allowedToMutate: true
  contextAwareResources: [{apiVersion: v1, kind: Secret}, {apiVersion: storage.k8s.io/v1, kind: StorageClass}]
  hostCapabilities: ["kubernetes/get_resource", "kubernetes/list_resources_all"]
  settings: {credentialsSecretCheck: Deny, storageClassCheck: Deny}
sampledb-cluster-warn:
  module: $module
  allowedToMutate: true
  contextAwareResources: [{apiVersion: v1, kind: Secret}, {apiVersion: storage.k8s.io/v1, kind: StorageClass}]
  hostCapabilities: ["kubernetes/get_resource", "kubernetes/list_resources_all"]
  settings: {credentialsSecretCheck: Warn, storageClassCheck: Warn}
YAML
  start_policy_server "$BATS_FILE_TMPDIR/policies.yml"
  echo "$SERVER" > "$BATS_FILE_TMPDIR/server"
  echo "$REGISTRY" > "$BATS_FILE_TMPDIR/registry.address"
}

teardown_file() {
  stop_processes
}

setup() {
  require_tools kwctl policy-server docker-registry curl jq
  SERVER=$(cat "$BATS_FILE_TMPDIR/server")
  REGISTRY=$(cat "$BATS_FILE_TMPDIR/registry.address")
  SOURCES=$BATS_FILE_TMPDIR/sources.yml
}

@test "kwctl pull gets back the pushed module, byte for byte, and kwctl inspect reads it" {
  run "$KWCTL" pull --sources-path "$SOURCES" $(trust_flags) \
    -o "$BATS_FILE_TMPDIR/pulled.wasm" "registry://$REGISTRY/$IMAGE"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  cmp "$MODULE" "$BATS_FILE_TMPDIR/pulled.wasm"
  run "$KWCTL" inspect "$BATS_FILE_TMPDIR/pulled.wasm"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  grep -Eq "execution mode: *kubewarden-wapc" <<<"$output"
  grep -Eq "mutating: *true" <<<"$output"
}

@test "protect mode: every case of the default-settings suite answered over HTTP as expected" {
  [ -x "$POLICY_RUN" ] || skip "$POLICY_RUN not built: cargo build -p sampledb-policy-run"
  run "$POLICY_RUN" test --policy-server "$SERVER/validate/sampledb" "$ROOT/e2e-tests/suites/default.yaml"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "monitor mode: a bad object is accepted, unpatched, with its warnings" {
  answer=$(review sampledb-monitor create-many-violations)
  [ "$(jq -r '[.allowed, (.status == null), (.patch == null), (.warnings | length)] | join(" ")' <<<"$answer")" = "true true true 2" ]
  answer=$(review sampledb-monitor create-minimal)
  [ "$(jq -r '[.allowed, (.patch == null)] | join(" ")' <<<"$answer")" = "true true" ]
}

@test "allowedToMutate: false turns a needed default into a rejection" {
  answer=$(review sampledb-no-mutation create-minimal)
  [ "$(jq -r .allowed <<<"$answer")" = false ]
  [[ "$(jq -r .status.message <<<"$answer")" == *"attempted to mutate the request"* ]]
  answer=$(review sampledb-no-mutation create-valid)
  [ "$(jq -r '[.allowed, (.patch == null)] | join(" ")' <<<"$answer")" = "true true" ]
}

@test "cluster checks with no cluster reachable: Deny answers 500 naming the lookup, Warn accepts with a warning" {
  answer=$(review sampledb-cluster-deny create-valid)
  [ "$(jq -r '[.allowed, .status.code] | join(" ")' <<<"$answer")" = "false 500" ] || { echo "$answer"; return 1; }
  [[ "$(jq -r .status.message <<<"$answer")" == "cannot check the cluster: looking up Secret shop/example-database-credentials (kubernetes/get_resource) failed: "* ]] ||
    { echo "$answer"; return 1; }
  answer=$(review sampledb-cluster-warn create-valid)
  [ "$(jq -r .allowed <<<"$answer")" = true ] || { echo "$answer"; return 1; }
  [ "$(jq -r '.warnings | length' <<<"$answer")" = 2 ]
  [[ "$(jq -r '.warnings[0]' <<<"$answer")" == "cannot check the cluster: looking up Secret shop/"*" failed, the check was skipped: "* ]] || { echo "$answer"; return 1; }
  # One line each, short enough that kube-apiserver passes them on whole.
  [ "$(jq '[.warnings[] | select(test("\\p{Cc}") or length > 256)] | length' <<<"$answer")" = 0 ] || { echo "$answer"; return 1; }
}

@test "invalid settings: policy-server refuses to start and names every bad key" {
  cat > "$BATS_FILE_TMPDIR/invalid.yml" <<YAML
sampledb:
  module: file://$MODULE
  settings: {maxReplica: 3, minStorage: 2Ti, maxStorage: 1Ti}
YAML
  run policy_server_start_failure "$BATS_FILE_TMPDIR/invalid.yml"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Policy settings are invalid"*"maxReplica: unknown setting"*"minStorage: 2Ti is greater than maxStorage 1Ti"* ]] ||
    { echo "$output" | tail -5; return 1; }
}

@test "bounds alone are valid settings: policy-server starts with {minStorage: 10Gi}" {
  cat > "$BATS_FILE_TMPDIR/bounds.yml" <<YAML
sampledb:
  module: file://$MODULE
  allowedToMutate: true
  settings: {minStorage: 10Gi}
YAML
  start_policy_server "$BATS_FILE_TMPDIR/bounds.yml"
  answer=$(review sampledb create-minimal)
  [ "$(jq -r '.patch | @base64d | fromjson | map(select(.path == "/spec/storage")) | .[0].value.size' <<<"$answer")" = 10Gi ]
}

@test "the bare, unannotated module is refused: what users deploy is annotated-policy.wasm" {
  cat > "$BATS_FILE_TMPDIR/bare.yml" <<YAML
sampledb:
  module: file://$ROOT/policy.wasm
  settings: {}
YAML
  run policy_server_start_failure "$BATS_FILE_TMPDIR/bare.yml"
  [ "$status" -eq 0 ]
  [[ "$output" == *"missing protocol version"* ]] || { echo "$output" | tail -5; return 1; }
}
