//! Runs the real `policy.wasm` as Kubewarden's policy-server does, for the e2e tests, the
//! `policy-run` command (a stand-in for `kwctl run`) and the benchmarks.

pub mod annotate;
pub mod capabilities;
pub mod check;
pub mod deployment;
pub mod engines;
pub mod field_masks;
pub mod host;
pub mod policy_config;
pub mod rbac;
pub mod review;

pub use host::{Evaluator, NativePolicy, WasmPolicy};
pub use policy_config::PolicyConfig;

/// Where `make policy.wasm` leaves the module, relative to the workspace root.
pub fn default_module_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy.wasm")
}
