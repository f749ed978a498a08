//! `policy-run`: the SampleDB policy on an admin's machine. It hosts the real `policy.wasm` as
//! Kubewarden's policy-server does (the wasmi engine, the waPC host and Kubewarden's host calls),
//! and its commands run one request (`run`, like `kwctl run`), check manifests (`check`), embed the
//! metadata (`annotate`, like `kwctl annotate`) and run expectation suites (`test`).

pub mod annotate;
pub mod answer;
pub mod capabilities;
pub mod check;
pub mod cli;
pub mod engines;
pub mod field_masks;
pub mod host;
pub mod policy_config;
pub mod rbac;
pub mod review;
pub mod suite;

pub use host::{Evaluator, NativePolicy, WasmPolicy};
pub use policy_config::PolicyConfig;

/// Where `make policy.wasm` leaves the module, relative to the workspace root.
pub fn default_module_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy.wasm")
}
