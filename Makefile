# Kubewarden's conventional targets for a Rust policy.
SOURCE_FILES := $(shell find src -type f -name '*.rs') Cargo.toml
WASM_TARGET := wasm32-wasip1
BUILT_MODULE := target/$(WASM_TARGET)/release/sampledb_policy.wasm
SIZE_BUDGET := 500000
EXAMPLE_REQUEST ?= e2e-tests/fixtures/requests/create-minimal.json
EXAMPLE_SETTINGS ?= e2e-tests/fixtures/settings/default.json
RUNNER := cargo run --quiet -p sampledb-e2e --bin policy-run --

.PHONY: all test unit-tests e2e-tests lint fmt bench run push clean

all: policy.wasm

policy.wasm: $(SOURCE_FILES)
	cargo build --target=$(WASM_TARGET) --release -p sampledb-policy
	cp $(BUILT_MODULE) policy.wasm
	@size=$$(stat -c %s policy.wasm); \
	  echo "policy.wasm: $$size bytes (budget $(SIZE_BUDGET))"; \
	  test $$size -le $(SIZE_BUDGET) || { echo "policy.wasm is over its size budget"; exit 1; }

# Embeds metadata.yml and the README in the module (custom section io.kubewarden.metadata):
# with kwctl when installed, else with policy-run's equivalent.
annotated-policy.wasm: policy.wasm metadata.yml README.md
	@if command -v kwctl >/dev/null; then \
	  kwctl annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	else \
	  $(RUNNER) annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	fi
	@echo "annotated-policy.wasm: $$(stat -c %s annotated-policy.wasm) bytes"

# Publishes the annotated module (needs kwctl and registry credentials), e.g.
#   make push REGISTRY_REF=ghcr.io/sampledb-policy/policies/sampledb-policy:v0.1.0
REGISTRY_REF ?= ghcr.io/sampledb-policy/policies/sampledb-policy:v$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
push: annotated-policy.wasm
	kwctl push annotated-policy.wasm $(REGISTRY_REF)

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
