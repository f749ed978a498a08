#!/usr/bin/env bats
# The real `kwctl run` as the oracle: every case of cases.json gives what the wasm e2e test
# expects, policy-run (the project's stand-in) gives the identical AdmissionResponse, and the
# manifests in policies/ behave as the README says.

load kubewarden

setup_file() {
  require_tools kwctl jq
  [ -x "$POLICY_RUN" ] || skip "$POLICY_RUN not built: cargo build -p sampledb-e2e --bin policy-run"
  mkdir -p "$BATS_FILE_TMPDIR/kwctl" "$BATS_FILE_TMPDIR/policy-run"
  local i name settings session
  for ((i = 0; i < $(case_count); i++)); do
    name=$(case_field "$i" name)
    settings=$(case_field "$i" settings default)
    session=$(case_field "$i" session "")
    local request=$ROOT/e2e-tests/fixtures/requests/$name.json
    local settings_path=$ROOT/e2e-tests/fixtures/settings/$settings.json
    # Context-aware cases: the same kwctl session answers the cluster lookups of both tools.
    local cluster=()
    [ -z "$session" ] || cluster=(--allow-context-aware --replay-host-capabilities-interactions
      "$ROOT/e2e-tests/fixtures/sessions/$session.yml")
    kwctl_run "${cluster[@]}" --request-path "$request" --settings-path "$settings_path" "$MODULE" \
      > "$BATS_FILE_TMPDIR/kwctl/$i.json" 2> "$BATS_FILE_TMPDIR/kwctl/$i.log"
    "$POLICY_RUN" run "${cluster[@]}" --request-path "$request" --settings-path "$settings_path" "$MODULE" \
      > "$BATS_FILE_TMPDIR/policy-run/$i.json" 2> "$BATS_FILE_TMPDIR/policy-run/$i.log"
  done
}

setup() {
  require_tools kwctl jq
}

@test "every case: kwctl run gives the decision, code, violations, warnings and patch expected" {
  local i problems=""
  for ((i = 0; i < $(case_count); i++)); do
    problems+=$(jq -rn --argjson case "$(jq -c ".[$i]" "$ROOT/e2e-tests/cases.json")" \
      --argjson answer "$(cat "$BATS_FILE_TMPDIR/kwctl/$i.json")" -f "$ROOT/e2e-tests/expect.jq")
  done
  [ -z "$problems" ] || { echo "$problems"; return 1; }
}

@test "policy-run answers every case exactly as kwctl run does" {
  local i name differences=""
  for ((i = 0; i < $(case_count); i++)); do
    name="$(case_field "$i" name) [$(case_field "$i" settings default) $(case_field "$i" session "")]"
    local ours theirs
    ours=$(jq -S -f "$ROOT/e2e-tests/normalize.jq" "$BATS_FILE_TMPDIR/policy-run/$i.json")
    theirs=$(jq -S -f "$ROOT/e2e-tests/normalize.jq" "$BATS_FILE_TMPDIR/kwctl/$i.json")
    [ "$ours" = "$theirs" ] || differences+="$name:"$'\n'"  policy-run: $(jq -c . <<<"$ours")"$'\n'"  kwctl:      $(jq -c . <<<"$theirs")"$'\n'
  done
  [ -z "$differences" ] || { echo "$differences"; return 1; }
}

@test "invalid settings: both tools refuse to evaluate, naming every bad key" {
  local request=$ROOT/e2e-tests/fixtures/requests/create-valid.json
  local settings=$ROOT/e2e-tests/fixtures/settings/invalid.json
  run kwctl_run --request-path "$request" --settings-path "$settings" "$MODULE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Provided settings are not valid"*"colour: unknown setting"* ]]
  run "$POLICY_RUN" run --request-path "$request" --settings-path "$settings" "$MODULE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Provided settings are not valid"*"colour: unknown setting"* ]]
}

@test "protect manifest: defaults come back as add operations, bad objects are refused" {
  local manifest answer
  manifest=$(local_manifest cluster-admission-policy.yaml)
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-minimal.json" "$manifest" 2>/dev/null)
  [ "$(jq -r .allowed <<<"$answer")" = true ]
  [ "$(jq -r '.patch | @base64d | fromjson | map(.op) | unique | join(",")' <<<"$answer")" = add ]
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-many-violations.json" "$manifest" 2>/dev/null)
  [ "$(jq -r .allowed <<<"$answer")" = false ]
  [ "$(jq -r .status.code <<<"$answer")" = 422 ]
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/delete-protected.json" "$manifest" 2>/dev/null)
  [ "$(jq -r .status.code <<<"$answer")" = 403 ]
}

@test "monitor manifest: nothing refused, nothing mutated, warnings kept" {
  local manifest answer
  manifest=$(local_manifest cluster-admission-policy-monitor.yaml)
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-many-violations.json" "$manifest" 2>/dev/null)
  [ "$(jq -r '[.allowed, (.status == null), (.patch == null), (.warnings | length)] | join(" ")' <<<"$answer")" = "true true true 2" ]
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-minimal.json" "$manifest" 2>/dev/null)
  [ "$(jq -r '[.allowed, (.patch == null)] | join(" ")' <<<"$answer")" = "true true" ]
}

@test "validate-only manifest: a missing field is refused, a complete object accepted, never a patch" {
  local manifest answer
  manifest=$(local_manifest cluster-admission-policy-validate-only.yaml)
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-minimal.json" "$manifest" 2>/dev/null)
  [ "$(jq -r '[.allowed, .status.code, (.patch == null)] | join(" ")' <<<"$answer")" = "false 422 true" ]
  [[ "$(jq -r .status.message <<<"$answer")" == *"spec.version: Required value"* ]]
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-valid.json" "$manifest" 2>/dev/null)
  [ "$(jq -r '[.allowed, (.patch == null)] | join(" ")' <<<"$answer")" = "true true" ]
}

@test "namespaced AdmissionPolicy: the team's custom rules are enforced with the built-in ones" {
  local manifest answer
  manifest=$(local_manifest admission-policy.yaml)
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-many-violations.json" "$manifest" 2>/dev/null)
  [[ "$(jq -r .status.message <<<"$answer")" == *"metadata.name: Invalid value"*"label team is required"*"backups may not be suspended in the shop namespace"* ]]
  answer=$(kwctl_run --request-path "$ROOT/e2e-tests/fixtures/requests/create-labelled.json" "$manifest" 2>/dev/null)
  [ "$(jq -r .allowed <<<"$answer")" = true ]
  [ "$(jq -c '.patch | @base64d | fromjson | map(select(.path | startswith("/spec/storage")))' <<<"$answer")" = '[{"op":"add","path":"/spec/storage/storageClassName","value":"fast-ssd"}]' ]
}

@test "kwctl inspect reads the annotated module's metadata" {
  run "$KWCTL" inspect "$MODULE"
  [ "$status" -eq 0 ]
  for expected in "title: *sampledb-policy" "mutating: *true" "execution mode: *kubewarden-wapc" \
    "protocol version: *1" "- sampledbs" "- DELETE" "io.artifacthub.displayName *SampleDB Policy"; do
    grep -Eq -- "$expected" <<<"$output" || { echo "inspect lacks $expected:"; echo "$output"; return 1; }
  done
  # The README travels inside the module as its usage text.
  run "$KWCTL" inspect --output yaml "$MODULE"
  [[ "$output" == *"protocolVersion: v1"* ]]
  [[ "$output" == *"Check your manifests"* || "$output" == *"# sampledb-policy"* ]]
}

@test "artifacthub-pkg.yml is what kwctl scaffold artifacthub makes of metadata.yml and questions-ui.yml" {
  "$KWCTL" scaffold artifacthub -m "$ROOT/metadata.yml" -q "$ROOT/questions-ui.yml" 2>/dev/null |
    grep -v '^createdAt:' > "$BATS_TEST_TMPDIR/scaffolded.yml"
  grep -v '^createdAt:' "$ROOT/artifacthub-pkg.yml" > "$BATS_TEST_TMPDIR/ours.yml"
  diff -u "$BATS_TEST_TMPDIR/ours.yml" "$BATS_TEST_TMPDIR/scaffolded.yml"
}

@test "policy-run check decides every example as kwctl run does on a scaffolded request" {
  local example manifest request expected actual differences=""
  manifest=$(local_manifest cluster-admission-policy.yaml)
  for example in "$ROOT"/policies/examples/*.yaml; do
    request=$BATS_TEST_TMPDIR/$(basename "$example" .yaml).json
    "$KWCTL" scaffold admission-request --operation CREATE --object "$example" > "$request" 2>/dev/null
    expected=$(kwctl_run --request-path "$request" "$manifest" 2>/dev/null |
      jq -r '[.allowed, ((.patch // "W10=") | @base64d | fromjson | map(.path) | join(","))] | join(" ")')
    actual=$("$POLICY_RUN" check --policy-path "$manifest" --output json "$example" |
      jq -r '.results[0] | [.accepted, (.patch | map(.path) | join(","))] | join(" ")')
    [ "$actual" = "$expected" ] || differences+="$(basename "$example"): check '$actual', kwctl '$expected'"$'\n'
  done
  [ -z "$differences" ] || { echo "$differences"; return 1; }
}
