# Kubewarden's conventional targets for a Rust policy.
SOURCE_FILES := $(shell find src -type f -name '*.rs') Cargo.toml
WASM_TARGET := wasm32-wasip1
BUILT_MODULE := target/$(WASM_TARGET)/release/sampledb_policy.wasm
# With wasm-opt (Debian's binaryen); without it the module is larger and a line says so.
# 250,000 until break glass (+18.6 KB: its settings, the can_i review, the second run of the rules)
# and the answer bounds' accounting (+3 KB); BENCHMARKS.md has the figures.
SIZE_BUDGET := 275000
SIZE_BUDGET_WITHOUT_WASM_OPT := 305000
WASM_OPT ?= wasm-opt
# The features rustc's wasm32-wasip1 output uses; wasm-opt must be allowed to keep them.
WASM_OPT_FLAGS := -O3 --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
EXAMPLE_REQUEST ?= e2e-tests/fixtures/requests/create-minimal.json
EXAMPLE_SETTINGS ?= e2e-tests/fixtures/settings/default.json
RUNNER := cargo run --quiet -p sampledb-policy-run --bin policy-run --

FUZZ_TARGETS := validate sampledb_object settings
FUZZ_SECONDS ?= 300
SMOKE_FUZZ_SECONDS ?= 10
# cargo fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
CARGO_FUZZ := RUSTC_BOOTSTRAP=1 cargo fuzz

KWCTL ?= kwctl
POLICY_SERVER ?= policy-server
export KWCTL POLICY_SERVER

.PHONY: sbom sign-sbom all test suites fuzz-smoke-run unit-tests e2e-tests kubewarden-tests e2e-cluster keygen sign fuzz-smoke fuzz fuzz-seeds lint fmt bench run push clean wasm-target

all: policy.wasm

# Every module build needs the wasm32-wasip1 target: added with rustup, or explained without it.
wasm-target:
	@libdir=$$(rustc --print target-libdir --target $(WASM_TARGET) 2>/dev/null); \
	if [ -n "$$libdir" ] && [ -d "$$libdir" ]; then \
	  :; \
	elif command -v rustup >/dev/null; then \
	  rustup target add $(WASM_TARGET); \
	else \
	  echo "The $(WASM_TARGET) target is not installed and rustup was not found: install Rust with"; \
	  echo "rustup (https://rustup.rs), or add $(WASM_TARGET) to your Rust toolchain, then run make again."; \
	  exit 1; \
	fi

policy.wasm: $(SOURCE_FILES) | wasm-target
	cargo build --target=$(WASM_TARGET) --release -p sampledb-policy
	@budget=$(SIZE_BUDGET); \
	if command -v $(WASM_OPT) >/dev/null; then \
	  $(WASM_OPT) $(WASM_OPT_FLAGS) $(BUILT_MODULE) -o policy.wasm; \
	else \
	  echo "wasm-opt not found (apt-get install binaryen): policy.wasm is left as cargo built it, larger and slower"; \
	  cp $(BUILT_MODULE) policy.wasm; budget=$(SIZE_BUDGET_WITHOUT_WASM_OPT); \
	fi; \
	size=$$(stat -c %s policy.wasm); \
	echo "policy.wasm: $$size bytes (budget $$budget)"; \
	test $$size -le $$budget || { echo "policy.wasm is over its size budget"; exit 1; }

# The bench's floor: a policy that reads the request and accepts it, at opt-level 3 (its fastest).
FLOOR_MODULE := e2e-tests/bench/allow-all.wasm
$(FLOOR_MODULE): e2e-tests/bench/allow-all/src/lib.rs e2e-tests/bench/allow-all/Cargo.toml | wasm-target
	cargo build --target=$(WASM_TARGET) --profile floor -p sampledb-allow-all
	cp target/$(WASM_TARGET)/floor/sampledb_allow_all.wasm $@

# Embeds metadata.yml and the README in the module (custom section io.kubewarden.metadata):
# with kwctl when installed, else with policy-run's equivalent.
annotated-policy.wasm: policy.wasm metadata.yml README.md
	@if command -v $(KWCTL) >/dev/null; then \
	  $(KWCTL) annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	else \
	  $(RUNNER) annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	fi
	@echo "annotated-policy.wasm: $$(stat -c %s annotated-policy.wasm) bytes"

# Publishes the annotated module (needs kwctl and registry credentials), e.g.
#   make push REGISTRY_REF=ghcr.io/sampledb-policy/policies/sampledb-policy:v0.1.0
REGISTRY_REF ?= ghcr.io/sampledb-policy/policies/sampledb-policy:v$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# SOURCES_PATH: kwctl's --sources-path file, e.g. to declare a plain-http registry insecure.
SOURCES_PATH ?=
push: annotated-policy.wasm
	$(KWCTL) push $(if $(SOURCES_PATH),--sources-path $(SOURCES_PATH)) annotated-policy.wasm registry://$(REGISTRY_REF:registry://%=%)

# Signing, cosign-style, with a key pair (sign/, the sigstore crate):
#   make keygen KEY_DIR=DIR          writes DIR/cosign.key (encrypted with COSIGN_PASSWORD) and DIR/cosign.pub
#   make sign REGISTRY_REF=HOST/NAME:TAG KEY_DIR=DIR [SOURCES_PATH=FILE]
# The signature is stored in the registry beside the artifact, where kwctl verify and
# policy-server's verification look for it. Releases sign keyless in CI (.ci/release.yml).
SIGN := cargo run --quiet -p sampledb-sign --
keygen:
	@test -n "$(KEY_DIR)" || { echo "usage: make keygen KEY_DIR=DIR"; exit 2; }
	$(SIGN) keygen $(KEY_DIR)

sign:
	@test -n "$(KEY_DIR)" || { echo "usage: make sign REGISTRY_REF=HOST/NAME:TAG KEY_DIR=DIR [SOURCES_PATH=FILE]"; exit 2; }
	$(SIGN) sign $(REGISTRY_REF:registry://%=%) $(KEY_DIR) $(SOURCES_PATH)

# The module's software bill of materials (SPDX 2.3 JSON) from Cargo.lock: the policy crate and the
# crates it depends on, not the test tooling (cargo-sbom: cargo install cargo-sbom --locked).
SBOM := sampledb-policy.spdx.json
sbom:
	@command -v cargo-sbom >/dev/null || { echo "cargo-sbom not found: cargo install cargo-sbom --locked"; exit 1; }
	cargo sbom --cargo-package sampledb-policy > $(SBOM)
	@echo "$(SBOM): $$(jq '.packages | length' $(SBOM)) packages"

# Signs the SBOM as a blob with a key pair (make keygen): writes $(SBOM).sig, which
#   cargo run -p sampledb-sign -- verify-blob $(SBOM) DIR/cosign.pub $(SBOM).sig
# (or cosign verify-blob --key DIR/cosign.pub --signature $(SBOM).sig $(SBOM)) checks.
sign-sbom: sbom
	@test -n "$(KEY_DIR)" || { echo "usage: make sign-sbom KEY_DIR=DIR"; exit 2; }
	$(SIGN) sign-blob $(SBOM) $(KEY_DIR)

# Evaluates an example request with the real module and prints the AdmissionResponse.
run: policy.wasm
	$(RUNNER) run --request-path $(EXAMPLE_REQUEST) --settings-path $(EXAMPLE_SETTINGS) policy.wasm

# Every suite records how it went (ran or skipped, how many tests, why) for the table that
# `make suites` and .ci/run print at the end.
SUITE := e2e-tests/suite
test:
	@$(SUITE) reset
	@$(MAKE) --no-print-directory unit-tests e2e-tests e2e-cluster fuzz-smoke
	@$(SUITE) table

suites:
	@$(SUITE) table

unit-tests:
	@$(SUITE) cargo "unit tests" cargo test -p sampledb-policy
	@# The JSONPath Compliance Test Suite (JSONPATH_CTS names its cts.json): prints its count.
	@cargo test --quiet -p sampledb-policy --test jsonpath_cts -- --nocapture 2>&1 | grep -E '^(JSONPath CTS|Skipping)'

# The wasmtime host and the bench share one build: the bench profile (opt-level 3, thin LTO).
ORACLE := cargo test --profile bench -p sampledb-wasmtime-host

e2e-tests: policy.wasm annotated-policy.wasm $(FLOOR_MODULE)
	@$(SUITE) cargo "policy-run (the CLI)" cargo test -p sampledb-policy-run
	@# The suites users start from (policies/tests) and the project's own, as an admin runs them.
	@$(SUITE) cases "suites (policy-run test)" target/debug/policy-run test policies/tests/ e2e-tests/suites/
	@$(SUITE) cargo "e2e (wasmi runner)" cargo test -p sampledb-e2e
	@# The manifests' schema checks (e2e-tests/tests/deploy.rs) need the Kubewarden CRDs: the tests
	@# that ask for them (kubewarden_crds()) are counted from the source.
	@crds=$${KUBEWARDEN_CRDS:-}; n=$$(grep -c 'kubewarden_crds() else' e2e-tests/tests/deploy.rs); \
	if [ -n "$$crds" ] && [ -d "$$crds" ]; then \
	  $(SUITE) record "  of which CRD schema checks" ran $$n "CRDs from $$crds"; \
	else \
	  echo "Skipping the Kubewarden CRD schema checks (no CRDs in '$$crds'): set KUBEWARDEN_CRDS to a folder with the policies.kubewarden.io CRDs"; \
	  $(SUITE) record "  of which CRD schema checks" skipped $$n "no CRDs: set KUBEWARDEN_CRDS"; \
	fi
	@# The oracle: the same module on policy-server's engine (wapc + wasmtime), answer for answer.
	@$(SUITE) cargo "differential (wasmtime)" $(ORACLE)
	@# The cluster suite's helpers, without a control plane (python3, openssl, curl, jq).
	@$(SUITE) bats harness.bats "python3 openssl curl jq" "apt-get install openssl curl jq" e2e-tests/harness.bats
	@# The SBOM (make sbom) signed as a blob and verified; a tampered one fails.
	@$(SUITE) cargo "SBOM and blob signing" cargo test -p sampledb-sign
	@$(MAKE) --no-print-directory kubewarden-tests

# A bats suite that needs real tools: run where they are all found, else skipped with one line
# naming what is missing and how to get it (in CI as well: these tools cannot be installed there).
# The test builds leave policy-run and the controller stand-in in target/debug with the features
# cargo test compiled; a plain cargo build would unify features differently and rebuild crates.
define real_tool_suite
	@cargo test --quiet -p sampledb-policy-run -p sampledb-e2e --no-run 2>/dev/null
	@$(SUITE) bats $(1) "$(2)" "$(3)" $(4)
endef

GET_KUBEWARDEN := install kwctl and policy-server from https://github.com/kubewarden/adm-controller/releases (or set KWCTL, POLICY_SERVER)
GET_ENVTEST := set KUBEBUILDER_ASSETS to a folder with kube-apiserver, etcd and kubectl (setup-envtest use -p path), or put them on PATH

# The real kwctl and policy-server as the oracle.
kubewarden-tests: annotated-policy.wasm
	$(call real_tool_suite,kwctl.bats,kwctl jq,$(GET_KUBEWARDEN),e2e-tests/kwctl.bats)
	$(call real_tool_suite,policy-server.bats,kwctl policy-server docker-registry curl jq,$(GET_KUBEWARDEN); apt-get install docker-registry,e2e-tests/policy-server.bats)
	$(call real_tool_suite,signing.bats,kwctl policy-server docker-registry curl jq,$(GET_KUBEWARDEN); apt-get install docker-registry,e2e-tests/signing.bats)

# The policy deployed as a ClusterAdmissionPolicy would be: a real kube-apiserver with policy-server
# as its webhook, driven with kubectl.
e2e-cluster: annotated-policy.wasm
	$(call real_tool_suite,cluster.bats,kube-apiserver etcd kubectl policy-server openssl curl jq python3,$(GET_ENVTEST); $(GET_KUBEWARDEN),e2e-tests/cluster.bats)

# Seeds every fuzz target's corpus with the e2e fixtures (requests, their objects, settings) and
# the regressions earlier fuzzing found.
fuzz-seeds:
	@for t in $(FUZZ_TARGETS); do mkdir -p fuzz/corpus/$$t; done
	@for f in e2e-tests/fixtures/requests/*.json; do \
	  n=$$(basename $$f .json); \
	  jq -c '{request: (.request // .), settings: {}}' $$f > fuzz/corpus/validate/$$n; \
	  jq -c '(.request // .) | .object // .oldObject' $$f > fuzz/corpus/sampledb_object/$$n; \
	done
	@cp e2e-tests/fixtures/settings/*.json fuzz/corpus/settings/
	@for t in $(FUZZ_TARGETS); do \
	  if [ -d e2e-tests/fixtures/fuzz-regressions/$$t ]; then cp e2e-tests/fixtures/fuzz-regressions/$$t/* fuzz/corpus/$$t/; fi; \
	done

# A short bounded run of every fuzz target (part of make test); `make fuzz` runs them longer.
# Without cargo-fuzz it skips with a line (CI installs it, so there it is a failure).
fuzz-smoke: fuzz-seeds
	@if cargo fuzz --version >/dev/null 2>&1; then \
	  $(SUITE) fuzz "fuzz smoke" $(MAKE) --no-print-directory fuzz-smoke-run; \
	elif [ -n "$$CI" ]; then \
	  echo "CI: cargo-fuzz not found (.ci/run installs it)"; exit 1; \
	else \
	  echo "Skipping the fuzz smoke run (missing: cargo-fuzz): cargo install cargo-fuzz"; \
	  $(SUITE) record "fuzz smoke" skipped $(words $(FUZZ_TARGETS)) "missing: cargo-fuzz"; \
	fi

fuzz-smoke-run:
	@for t in $(FUZZ_TARGETS); do \
	  log=fuzz/corpus/$$t-smoke.log; \
	  $(CARGO_FUZZ) run --fuzz-dir fuzz $$t -- -max_total_time=$(SMOKE_FUZZ_SECONDS) -rss_limit_mb=4096 > $$log 2>&1 \
	    || { tail -40 $$log; echo "fuzz target $$t failed: see fuzz/artifacts/$$t"; exit 1; }; \
	  echo "fuzz $$t: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $$log)"; \
	done

fuzz: fuzz-seeds
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  $(CARGO_FUZZ) run --fuzz-dir fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 || exit 1; \
	done

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

# The rules against CEL and Rego (in-process, after their conformance gate); the module on policy-server's engine (wapc +
# wasmtime, in-process) against the project's allow-all floor; then, where policy-server, kwctl
# and wrk are installed, the real policy-server under wrk load beside the same floor.
bench: policy.wasm annotated-policy.wasm $(FLOOR_MODULE)
	@# The gate before the CEL and Rego figures: their copies of the rules agree with the policy.
	@# (In make bench, not make test: a rule change must not need CEL and Rego edits to pass.)
	cargo test -p sampledb-bench
	cargo bench -p sampledb-bench
	cargo bench -p sampledb-wasmtime-host
	@# The worst inputs within the API server's 3 MB: time on policy-server's engine, answer size, peak memory.
	cargo test --profile bench -p sampledb-wasmtime-host --test oracle worst -- --nocapture
	python3 e2e-tests/bench/policy-server/bench.py

clean:
	cargo clean
	rm -f policy.wasm annotated-policy.wasm $(SBOM) $(SBOM).sig
