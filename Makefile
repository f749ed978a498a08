# Kubewarden's conventional targets for a Rust policy.
SOURCE_FILES := $(shell find src -type f -name '*.rs') Cargo.toml
WASM_TARGET := wasm32-wasip1
BUILT_MODULE := target/$(WASM_TARGET)/release/sampledb_policy.wasm
SIZE_BUDGET := 500000
EXAMPLE_REQUEST ?= e2e-tests/fixtures/requests/create-minimal.json
EXAMPLE_SETTINGS ?= e2e-tests/fixtures/settings/default.json
RUNNER := cargo run --quiet -p sampledb-e2e --bin policy-run --

.PHONY: all test unit-tests e2e-tests lint fmt bench run clean

all: policy.wasm

policy.wasm: $(SOURCE_FILES)
	cargo build --target=$(WASM_TARGET) --release -p sampledb-policy
	cp $(BUILT_MODULE) policy.wasm
	@size=$$(stat -c %s policy.wasm); \
	  echo "policy.wasm: $$size bytes (budget $(SIZE_BUDGET))"; \
	  test $$size -le $(SIZE_BUDGET) || { echo "policy.wasm is over its size budget"; exit 1; }

# Needs kwctl (https://docs.kubewarden.io): embeds metadata.yml and the README in the module.
annotated-policy.wasm: policy.wasm metadata.yml README.md
	kwctl annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm

# Evaluates an example request with the real module and prints the AdmissionResponse.
run: policy.wasm
	$(RUNNER) run --request-path $(EXAMPLE_REQUEST) --settings-path $(EXAMPLE_SETTINGS) policy.wasm

test: unit-tests e2e-tests

unit-tests:
	cargo test -p sampledb-policy

e2e-tests: policy.wasm
	cargo test -p sampledb-e2e
	@if command -v kwctl >/dev/null && command -v bats >/dev/null; then \
	  bats e2e-tests/e2e.bats; \
	else \
	  echo "kwctl or bats not installed: skipping e2e-tests/e2e.bats (the wasm e2e tests above ran)"; \
	fi

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

bench: policy.wasm
	cargo bench -p sampledb-e2e

clean:
	cargo clean
	rm -f policy.wasm annotated-policy.wasm
