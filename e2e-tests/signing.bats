#!/usr/bin/env bats
# Signed releases: the pushed artifact signed cosign-style with a fresh key (make keygen / make
# sign, as the README says), then verified by the real kwctl and policy-server the way an admin
# who enforces verification would. Keys live in this run's temp dir only.

load kubewarden

setup_file() {
  require_tools kwctl policy-server docker-registry curl jq || return
  start_registry
  echo "$REGISTRY" > "$BATS_FILE_TMPDIR/registry.address"
  KEYS=$BATS_FILE_TMPDIR/keys
  OTHER_KEYS=$BATS_FILE_TMPDIR/other-keys
  # The README's commands, as a maintainer runs them.
  make -C "$ROOT" --no-print-directory -s push REGISTRY_REF="$REGISTRY/sampledb-policy:signed" SOURCES_PATH="$SOURCES" >/dev/null 2>&1
  # The unsigned artifact must be other bytes: signatures are stored by digest, so the same
  # bytes under another tag would be signed too. The module annotated with another usage text.
  "$KWCTL" annotate -m "$ROOT/metadata.yml" -u "$ROOT/metadata.yml" -o "$BATS_FILE_TMPDIR/other.wasm" "$ROOT/policy.wasm" 2>/dev/null
  "$KWCTL" push --sources-path "$SOURCES" "$BATS_FILE_TMPDIR/other.wasm" "registry://$REGISTRY/sampledb-policy:unsigned" >/dev/null 2>&1
  make -C "$ROOT" --no-print-directory -s keygen KEY_DIR="$KEYS" 2>/dev/null
  make -C "$ROOT" --no-print-directory -s keygen KEY_DIR="$OTHER_KEYS" 2>/dev/null
  make -C "$ROOT" --no-print-directory -s sign REGISTRY_REF="$REGISTRY/sampledb-policy:signed" KEY_DIR="$KEYS" SOURCES_PATH="$SOURCES"
  # A verification config that requires our key (the format of kwctl scaffold verification-config).
  {
    echo "apiVersion: v1"
    echo "allOf:"
    echo "  - kind: pubKey"
    echo "    key: |"
    sed 's/^/      /' "$KEYS/cosign.pub"
    echo "    annotations: null"
    echo "anyOf: null"
  } > "$BATS_FILE_TMPDIR/verification.yml"
}

teardown_file() {
  stop_processes
}

setup() {
  require_tools kwctl policy-server docker-registry curl jq
  REGISTRY=$(cat "$BATS_FILE_TMPDIR/registry.address")
  SOURCES=$BATS_FILE_TMPDIR/sources.yml
  KEYS=$BATS_FILE_TMPDIR/keys
  OTHER_KEYS=$BATS_FILE_TMPDIR/other-keys
}

verify() {
  # shellcheck disable=SC2046
  RUST_BACKTRACE=0 "$KWCTL" verify $(trust_flags) --sources-path "$SOURCES" -k "$1" "registry://$REGISTRY/sampledb-policy:$2"
}

@test "kwctl verify -k passes with our key, with the signature stored beside the artifact" {
  run verify "$KEYS/cosign.pub" signed
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  [[ "$output" == *"Policy successfully verified"* ]]
  curl -sf "http://$REGISTRY/v2/sampledb-policy/tags/list" | jq -e '.tags | any(endswith(".sig"))' >/dev/null
}

@test "kwctl verify fails with another key, and for the unsigned artifact" {
  run verify "$OTHER_KEYS/cosign.pub" signed
  [ "$status" -ne 0 ]
  run verify "$KEYS/cosign.pub" unsigned
  [ "$status" -ne 0 ]
}

@test "a tag re-pushed with different bytes and no new signature fails verification" {
  local ref="$REGISTRY/sampledb-policy:repushed"
  make -C "$ROOT" --no-print-directory -s push REGISTRY_REF="$ref" SOURCES_PATH="$SOURCES" >/dev/null 2>&1
  make -C "$ROOT" --no-print-directory -s sign REGISTRY_REF="$ref" KEY_DIR="$KEYS" SOURCES_PATH="$SOURCES" 2>/dev/null
  run verify "$KEYS/cosign.pub" repushed
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  # Other bytes under the same tag.
  ! cmp -s "$BATS_FILE_TMPDIR/other.wasm" "$MODULE"
  "$KWCTL" push --sources-path "$SOURCES" "$BATS_FILE_TMPDIR/other.wasm" "registry://$ref" >/dev/null 2>&1
  run verify "$KEYS/cosign.pub" repushed
  [ "$status" -ne 0 ]
}

@test "kwctl pull with a verification config requiring our key: signed pulled, unsigned refused" {
  run "$KWCTL" pull $(trust_flags) --sources-path "$SOURCES" --verification-config-path "$BATS_FILE_TMPDIR/verification.yml" \
    -o "$BATS_TEST_TMPDIR/signed.wasm" "registry://$REGISTRY/sampledb-policy:signed"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  cmp "$BATS_TEST_TMPDIR/signed.wasm" "$MODULE"
  run "$KWCTL" pull $(trust_flags) --sources-path "$SOURCES" --verification-config-path "$BATS_FILE_TMPDIR/verification.yml" \
    -o "$BATS_TEST_TMPDIR/unsigned.wasm" "registry://$REGISTRY/sampledb-policy:unsigned"
  [ "$status" -ne 0 ]
  [ ! -f "$BATS_TEST_TMPDIR/unsigned.wasm" ]
}

@test "policy-server with --verification-path serves the signed module and refuses an unsigned one" {
  cat > "$BATS_FILE_TMPDIR/signed.yml" <<YAML
sampledb:
  module: registry://$REGISTRY/sampledb-policy:signed
  allowedToMutate: true
  settings: {}
YAML
  VERIFICATION_PATH=$BATS_FILE_TMPDIR/verification.yml start_policy_server "$BATS_FILE_TMPDIR/signed.yml"
  [ "$(review sampledb create-valid | jq -r .allowed)" = true ]
  cat > "$BATS_FILE_TMPDIR/unsigned.yml" <<YAML
sampledb:
  module: registry://$REGISTRY/sampledb-policy:unsigned
  settings: {}
YAML
  run policy_server_start_failure "$BATS_FILE_TMPDIR/unsigned.yml" --sources-path "$SOURCES" \
    --verification-path "$BATS_FILE_TMPDIR/verification.yml"
  [ "$status" -eq 0 ] || { echo "$output" | tail -5; return 1; }
  [[ "$output" == *"Policy 'sampledb' cannot be verified: no signatures found for image: $REGISTRY/sampledb-policy:unsigned"* ]] ||
    { echo "$output" | tail -5; return 1; }
}

@test "the release's SBOM, signed as a blob with our key, verifies; tampered or with another key it does not" {
  command -v cargo-sbom >/dev/null || skip "cargo-sbom not installed: cargo install cargo-sbom --locked"
  local sbom=$BATS_TEST_TMPDIR/sampledb-policy.spdx.json
  make -C "$ROOT" --no-print-directory -s sign-sbom SBOM="$sbom" KEY_DIR="$KEYS" 2>/dev/null
  [ "$(jq -r .spdxVersion "$sbom")" = SPDX-2.3 ]
  verify_blob() { cargo run --quiet --manifest-path "$ROOT/Cargo.toml" -p sampledb-sign -- verify-blob "$sbom" "$1/cosign.pub" "$sbom.sig"; }
  run verify_blob "$KEYS"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  run verify_blob "$OTHER_KEYS"
  [ "$status" -ne 0 ]
  sed -i 's/SPDX-2.3/SPDX-2.2/' "$sbom"
  run verify_blob "$KEYS"
  [ "$status" -ne 0 ]
}
