//! Shared by the e2e tests: the compiled module (loaded once per test binary) and fixture paths.
#![allow(dead_code)]

pub mod api_server;
pub mod generators;

use policy_run::{WasmPolicy, default_module_path};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn request_fixture(name: &str) -> Value {
    read_json(&fixtures().join("requests").join(format!("{name}.json")))
}

pub fn settings_fixture(name: &str) -> Value {
    read_json(&fixtures().join("settings").join(format!("{name}.json")))
}

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
