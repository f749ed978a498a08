//! Shared by the e2e tests: the compiled module (loaded once per test binary) and fixture paths.
#![allow(dead_code)]

pub mod api_server;
pub mod generators;

use policy_run::{WasmPolicy, default_module_path};
use std::path::PathBuf;
use std::sync::OnceLock;

/// `e2e-tests/fixtures`.
pub fn fixtures() -> PathBuf {
    sampledb_e2e::fixtures::dir()
}

#[allow(unused_imports)]
pub use sampledb_e2e::fixtures::{
    read_json, request as request_fixture, settings as settings_fixture,
};

/// The real policy.wasm, compiled once for the whole test binary as policy-server does.
pub fn wasm() -> &'static WasmPolicy {
    static POLICY: OnceLock<WasmPolicy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = default_module_path();
        WasmPolicy::load(&path).unwrap_or_else(|e| {
            panic!(
                "{e:#}: build it first with `make policy.wasm` ({})",
                path.display()
            )
        })
    })
}

/// The field paths named in a 422 message, in order (policy-run's one parser of the message).
#[allow(unused_imports)]
pub use policy_run::answer::violation_paths;
