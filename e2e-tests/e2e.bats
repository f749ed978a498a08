#!/usr/bin/env bats
# The cases of e2e-tests/cases.json through the real `kwctl run`, for users who have kwctl.
# `make e2e-tests` runs the same cases through policy.wasm without kwctl (cargo test -p sampledb-e2e).

setup() {
  command -v kwctl >/dev/null || skip "kwctl is not installed"
  command -v jq >/dev/null || skip "jq is not installed"
  cd "$BATS_TEST_DIRNAME/.."
  POLICY=${POLICY:-policy.wasm}
  [ -f "$POLICY" ] || skip "$POLICY not built: run make policy.wasm"
}

# run_case INDEX: prints "name allowed code" as kwctl answered it.
run_case() {
  local case name settings
  case=$(jq -c ".[$1]" e2e-tests/cases.json)
  name=$(jq -r .name <<<"$case")
  settings=$(jq -r '.settings // "default"' <<<"$case")
  kwctl run --request-path "e2e-tests/fixtures/requests/$name.json" \
    --settings-path "e2e-tests/fixtures/settings/$settings.json" "$POLICY" |
    jq -r --arg name "$name" '"\($name) \(.allowed) \(.status.code // "none")"'
}

@test "every case: kwctl run gives the expected decision and code" {
  local count i expected actual
  count=$(jq length e2e-tests/cases.json)
  for ((i = 0; i < count; i++)); do
    expected=$(jq -r ".[$i] | \"\(.name) \(.allowed) \(.code // \"none\")\"" e2e-tests/cases.json)
    actual=$(run_case "$i")
    [ "$actual" = "$expected" ] || { echo "case $i: expected '$expected', got '$actual'"; return 1; }
  done
}

@test "defaults come back as a JSON Patch of add operations" {
  # stdout only: kwctl (and policy-run) write their logs to stderr.
  answer=$(kwctl run --request-path e2e-tests/fixtures/requests/create-minimal.json "$POLICY" 2>/dev/null)
  ops=$(jq -r '.patch | @base64d | fromjson | map(.op) | unique | join(",")' <<<"$answer")
  [ "$ops" = "add" ]
}

@test "invalid settings are refused before evaluation" {
  run kwctl run --request-path e2e-tests/fixtures/requests/create-valid.json \
    --settings-path e2e-tests/fixtures/settings/invalid.json "$POLICY"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Provided settings are not valid"* ]]
}

@test "a protected SampleDB cannot be deleted" {
  answer=$(kwctl run --request-path e2e-tests/fixtures/requests/delete-protected.json "$POLICY" 2>/dev/null)
  [ "$(jq -r .allowed <<<"$answer")" = "false" ]
  [ "$(jq -r .status.code <<<"$answer")" = "403" ]
}
