#!/usr/bin/env bats
# The real `kwctl run` as the oracle: every case of the suites (e2e-tests/suites, and the suites of
# policies/tests that say what each manifest promises) gets from kwctl the answer it expects, and
# policy-run (the project's stand-in) gives the identical AdmissionResponse.

load kubewarden

setup_file() {
  require_tools kwctl jq
  [ -x "$POLICY_RUN" ] || skip "$POLICY_RUN not built: cargo build -p sampledb-policy-run"
}

setup() {
  require_tools kwctl jq
}

# The project's suites (e2e-tests/suites) and the users' (policies/tests).
SUITES=("$ROOT/e2e-tests/suites" "$ROOT/policies/tests")

@test "every suite: kwctl run gives every answer the suites expect" {
  run "$POLICY_RUN" test --kwctl="$KWCTL" --module "$MODULE" "${SUITES[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
  # Only cases that read cluster objects from files are skipped (kwctl replays sessions only).
  if grep -v "kwctl reads no cluster objects" <<<"$output" | grep -q '^skip'; then return 1; fi
}

@test "policy-run answers every case exactly as kwctl run does" {
  "$POLICY_RUN" test --output json --module "$MODULE" "${SUITES[@]}" > "$BATS_TEST_TMPDIR/ours.json" || true
  "$POLICY_RUN" test --output json --kwctl="$KWCTL" --module "$MODULE" "${SUITES[@]}" > "$BATS_TEST_TMPDIR/kwctl.json" || true
  # Each case's answer, normalised (normalize.jq), by file and line; cases kwctl skipped are left out.
  answers='[.suites[] | .file as $f | .cases[] | select(.answer) | {key: "\($f):\(.line)", value: (.answer | '"$(grep -v '^#' "$ROOT/e2e-tests/normalize.jq")"')}] | from_entries'
  jq -S "$answers" "$BATS_TEST_TMPDIR/ours.json" > "$BATS_TEST_TMPDIR/ours.answers"
  jq -S "$answers" "$BATS_TEST_TMPDIR/kwctl.json" > "$BATS_TEST_TMPDIR/kwctl.answers"
  [ "$(jq length "$BATS_TEST_TMPDIR/kwctl.answers")" -ge 64 ]
  jq -n --slurpfile ours "$BATS_TEST_TMPDIR/ours.answers" --slurpfile kwctl "$BATS_TEST_TMPDIR/kwctl.answers" -r '
    $kwctl[0] | to_entries[] | select($ours[0][.key] != .value)
    | "\(.key):\n  policy-run: \($ours[0][.key] | tojson)\n  kwctl:      \(.value | tojson)"' > "$BATS_TEST_TMPDIR/differences"
  [ ! -s "$BATS_TEST_TMPDIR/differences" ] || { cat "$BATS_TEST_TMPDIR/differences"; return 1; }
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
